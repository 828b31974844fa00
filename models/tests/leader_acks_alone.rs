//! SEMANTICS.md "Leader acks alone": the leader appends and acks, is cut off before
//! any follower fetches, a follower is elected, and the old leader truncates on
//! return. With acks=1 the acked record is gone; with acks=all and
//! min.insync.replicas=2 the same schedule loses nothing.
mod common;
use common::*;
use logjam_models::config::Acks;

/// Runs the schedule; returns (acked values, values in the final read).
fn leader_cut_off_after_append(
    acks: Acks,
    min_insync: u32,
    seed: u64,
) -> (Vec<(u64, i64)>, Vec<u64>) {
    let mut t = TestCluster::new(config(acks, min_insync), seed);
    t.run_for(1_000);
    let old_leader = t.leader();
    t.isolate_from_cluster(old_leader);
    let (_, outcomes) = t.produce(producer_config(acks), vec![1]);
    t.wait_outcomes(&outcomes, 1, 20_000);
    let elected = t.run_until(10_000, |t| {
        t.cluster.leader_of(&tp0()).is_some_and(|l| l != old_leader)
    });
    assert!(
        elected,
        "a follower must be elected once the old leader's session expires"
    );
    // Return once the new leader knows it leads (a heartbeat or two). Sooner,
    // its fetcher, still following the old leader, may copy the record from it
    // after the heal: a real race (Kafka has it too) in which nothing is lost.
    t.run_for(300);
    t.heal_broker(old_leader);
    t.run_for(3_000);
    let read = t.read_all(consumer_config());
    (acked(&outcomes), read.into_iter().map(|(_, v)| v).collect())
}

#[test]
fn acks1_loses_the_record_the_isolated_leader_acked() {
    for seed in 0..3 {
        let (acked, read) = leader_cut_off_after_append(Acks::One, 1, seed);
        assert_eq!(
            acked.len(),
            1,
            "seed {seed}: the isolated leader acks with acks=1"
        );
        assert!(
            !read.contains(&1),
            "seed {seed}: the acked record should be gone, final read {read:?}"
        );
    }
}

#[test]
fn acks_all_min_insync2_loses_nothing_under_the_same_schedule() {
    for seed in 0..3 {
        let (acked, read) = leader_cut_off_after_append(Acks::All, 2, seed);
        // The isolated leader cannot commit, so the producer times out and retries
        // against the new leader; whatever was acked must survive.
        assert_eq!(
            acked.len(),
            1,
            "seed {seed}: the retry on the new leader is acked"
        );
        for (v, _) in &acked {
            assert_eq!(
                read.iter().filter(|r| *r == v).count(),
                1,
                "seed {seed}: acked {v} must be read once, got {read:?}"
            );
        }
    }
}
