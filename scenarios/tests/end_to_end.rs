//! End to end through the harness: anomalies are found by running seeds, and a
//! safe configuration keeps its promises over many seeds.
use logjam_checker::AnomalyKind;
use logjam_harness::run::run;
use logjam_scenarios::catalogue;

fn scenario(name: &str) -> logjam_harness::scenario::Scenario {
    catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads")
}

/// acks=1 with leader crashes and partitions must show a lost write within this
/// many seeds (it usually takes one).
const ACKS1_SEED_BUDGET: u64 = 10;

#[test]
fn acks1_leader_crash_finds_lost_writes_within_budget() {
    let s = scenario("acks1-leader-crash");
    let found = (0..ACKS1_SEED_BUDGET).find(|&seed| {
        let out = run(&s, seed, None).expect("run");
        out.result.counts.contains_key(&AnomalyKind::LostWrite)
    });
    assert!(
        found.is_some(),
        "no lost-write in seeds 0..{ACKS1_SEED_BUDGET}"
    );
}

/// The durable configuration under partitions, process crashes and pauses:
/// 30 seeds, every promise kept (no acked loss, no duplicates, order, consistency).
#[test]
fn durable_keeps_every_promise_over_30_seeds() {
    let s = scenario("durable-partitions-crashes");
    for seed in 0..30 {
        let out = run(&s, seed, None).expect("run");
        assert!(
            out.final_reads_complete,
            "seed {seed}: final reads did not finish"
        );
        let broken: Vec<String> = out
            .result
            .broken()
            .map(|p| format!("{} {:?}", p.name, p.broken_by))
            .collect();
        assert!(
            broken.is_empty(),
            "seed {seed} broke {broken:?}; replay: logjam run --scenario {} --seed {seed}",
            s.name
        );
        assert!(
            out.result.stats.sends_ok > 100,
            "seed {seed}: the workload barely ran"
        );
        assert!(
            out.result.stats.final_polls > 0,
            "seed {seed}: no final reads"
        );
    }
}

#[test]
fn same_scenario_and_seed_give_byte_identical_histories_and_events() {
    use logjam_harness::run_folder::{events_bytes, history_bytes};
    for name in ["standard", "acks1-leader-crash"] {
        let s = scenario(name);
        for seed in [3, 4] {
            let (first, second) = (
                run(&s, seed, None).expect("run"),
                run(&s, seed, None).expect("run"),
            );
            let a = history_bytes(&first);
            let b = history_bytes(&second);
            assert!(a.len() > 1000);
            assert!(
                a == b,
                "{name} seed {seed}: histories differ between two runs"
            );
            let (a, b) = (events_bytes(&first), events_bytes(&second));
            assert!(!a.is_empty(), "{name} seed {seed}: no events");
            assert!(
                a == b,
                "{name} seed {seed}: events.jsonl differs between two runs"
            );
        }
    }
}
