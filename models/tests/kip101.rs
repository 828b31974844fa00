//! KIP-101 scenario 1: with pre-KIP-101 truncation to the local high watermark, a
//! follower that restarts before learning the HW drops an acked record, the
//! leader then fails, and the follower is elected without it. Leader-epoch
//! truncation (the default) keeps it.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::events::{ClusterEvent, TruncationReason};

fn scenario_1(legacy: bool) -> (Vec<(u64, i64)>, Vec<u64>) {
    let mut c = config(Acks::All, 1);
    c.topics[0].replication_factor = 2; // replicas: broker 1 (B, leader) and 2 (A)
    c.broker.legacy_hw_truncation = legacy;
    let mut t = TestCluster::new(c, 51);
    t.run_for(1_000);
    let (b, a) = (1, 2);
    assert_eq!(t.leader(), b);
    let (_, first) = t.produce(producer_config(Acks::All), vec![1]);
    t.wait_outcomes(&first, 1, 5_000);
    t.run_for(1_000); // A learns HW=1 and checkpoints it
    let (_, second) = t.produce(producer_config(Acks::All), vec![2]);
    t.wait_outcomes(&second, 1, 5_000); // B acked m2: A has fetched it
                                        // A restarts before its next fetch response tells it HW=2.
    t.crash(a);
    t.restart(a);
    // Legacy: A truncates to its checkpointed HW (1) when it becomes follower. The
    // leader fails before A fetches m2 again.
    t.run_until(2_000, |t| t.log_end(a) < 2);
    t.crash(b);
    t.run_until(5_000, |t| t.cluster.leader_of(&tp0()) == Some(a));
    t.run_for(500);
    t.restart(b);
    t.run_for(3_000);
    let mut all_acked = acked(&first);
    all_acked.extend(acked(&second));
    (all_acked, values(&t.read_all(consumer_config())))
}

#[test]
fn kip101_scenario_1_loses_an_acked_record_with_legacy_hw_truncation() {
    let (acked, read) = scenario_1(true);
    assert_eq!(acked.len(), 2, "both records were acknowledged");
    assert_eq!(read, vec![1], "m2 was acked and then lost");
}

#[test]
fn kip101_scenario_1_keeps_the_record_with_leader_epoch_truncation() {
    let (acked, read) = scenario_1(false);
    assert_eq!(acked.len(), 2);
    assert_eq!(read, vec![1, 2]);
}

/// KIP-101's fix at work: a leader appends records its follower never fetches
/// (acks=1), crashes, and the follower is elected at a new leader epoch. When
/// the old leader comes back as a follower, the new leader's epoch cache says
/// where their logs diverge, and it truncates its unreplicated tail there.
#[test]
fn a_returning_leader_truncates_its_unreplicated_tail_by_leader_epoch() {
    let mut c = config(Acks::One, 1);
    c.topics[0].replication_factor = 2; // replicas: broker 1 (B, leader) and 2 (A)
    let mut t = TestCluster::new(c, 52);
    t.run_for(1_000);
    let (b, a) = (1, 2);
    assert_eq!(t.leader(), b);
    let (_, first) = t.produce(producer_config(Acks::All), vec![1]);
    t.wait_outcomes(&first, 1, 5_000);
    t.cut(b, a);
    let (_, unreplicated) = t.produce(producer_config(Acks::One), vec![2, 3]);
    t.wait_outcomes(&unreplicated, 2, 5_000);
    assert_eq!(
        t.log_end(b),
        3,
        "B appended the two records A never fetched"
    );
    // B crashes before the lag shrinks the ISR: A is elected cleanly.
    t.crash(b);
    assert!(
        t.run_until(5_000, |t| t.cluster.leader_of(&tp0()) == Some(a)),
        "A is elected"
    );
    t.repair(b, a);
    t.restart(b);
    assert!(
        t.run_until(5_000, |t| t.log_end(b) <= 1),
        "B truncates its tail"
    );
    let truncations: Vec<_> = t
        .events()
        .into_iter()
        .filter_map(|e| match e.event {
            ClusterEvent::Truncation {
                broker,
                tp,
                from_offset,
                to_offset,
                reason,
            } if tp == tp0() => Some((broker, from_offset, to_offset, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        truncations,
        vec![(b, 3, 1, TruncationReason::LeaderEpoch)],
        "B cut offsets 1..3 where its epoch-0 log diverged from A's"
    );
}
