//! Same seed and schedule ⇒ the same events, byte for byte: every outcome, every
//! replica's log, the controller's final metadata and the event log.
mod common;
use common::*;
use logjam_models::config::Acks;

fn transcript(seed: u64) -> String {
    let mut t = TestCluster::new(config(Acks::All, 2), seed);
    t.run_for(500);
    let leader = t.leader();
    let (_, outcomes) = t.produce(producer_config(Acks::All), (0..20).collect());
    t.run_for(30);
    t.isolate_from_cluster(leader);
    t.run_for(1_500);
    t.heal_broker(leader);
    t.crash(t.followers()[0]);
    t.run_for(300);
    t.restart(t.followers()[0]);
    t.wait_outcomes(&outcomes, 20, 20_000);
    let mut out = format!("{:?}\n", outcomes.borrow());
    out += &t.cluster.state_transcript();
    for e in t.events() {
        out += &serde_json::to_string(&e).expect("an event serializes");
        out.push('\n');
    }
    out
}

#[test]
fn same_seed_same_events() {
    for seed in [1, 2] {
        let a = transcript(seed);
        assert_eq!(a, transcript(seed), "seed {seed} diverged between two runs");
    }
}
