//! KIP-101 scenario 1: with pre-KIP-101 truncation to the local high watermark
//! and a restarted broker keeping its ISR place, a follower that restarts before
//! learning the HW drops an acked record, the leader then fails, and the
//! follower is elected without it. Each switch alone is shown harmless on the
//! same schedule, by the mechanism it turns off: leader-epoch truncation keeps
//! the record on the replica that is elected; restart fencing keeps the replica
//! that dropped it out of the ISR, so it is not elected.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::events::{ClusterEvent, TruncationReason};
use logjam_models::ids::BrokerId;

/// Brokers: B (1) leads orders/0, A (2) follows.
const B: BrokerId = 1;
const A: BrokerId = 2;

/// What one run of scenario 1 showed.
struct Scenario1 {
    /// Values acknowledged with acks=all (m1, m2), and m4 if A led.
    acked_all: Vec<u64>,
    /// The final read, values in offset order.
    read: Vec<u64>,
    /// A's lowest log end between its restart and B's crash.
    a_lowest_log_end: i64,
    /// The controller took A out of the ISR after its restart.
    a_left_isr: bool,
    /// A was elected while B was down.
    a_led_while_b_down: bool,
    /// A's log end when it was elected: where its new leader epoch starts.
    a_epoch_start: Option<i64>,
    /// B's lowest log end after it came back, and its log end before.
    b_lowest_log_end_after_return: i64,
    b_log_end_at_crash: i64,
    /// B's final log: (value, leader epoch of its batch) by offset.
    b_final: Vec<(u64, i32)>,
    a_final: Vec<(u64, i32)>,
}

fn log_of(t: &TestCluster, broker: BrokerId) -> Vec<(u64, i32)> {
    t.cluster
        .replica_snapshots()
        .into_iter()
        .filter(|s| s.broker == broker && s.tp == tp0())
        .flat_map(|s| s.records)
        .map(|r| {
            (
                u64::from_be_bytes(r.value.try_into().expect("8 bytes")),
                r.leader_epoch,
            )
        })
        .collect()
}

fn scenario_1(hw_truncation: bool, restart_keeps_isr: bool) -> Scenario1 {
    let mut c = config(Acks::All, 1);
    c.topics[0].replication_factor = 2;
    c.broker.legacy_hw_truncation = hw_truncation;
    c.broker.legacy_restart_keeps_isr = restart_keeps_isr;
    let mut t = TestCluster::new(c, 51);
    t.run_for(1_000);
    assert_eq!(t.leader(), B);
    let (_, first) = t.produce(producer_config(Acks::All), vec![1]);
    t.wait_outcomes(&first, 1, 5_000);
    t.run_for(1_000); // A learns HW=1 and checkpoints it
    let (_, second) = t.produce(producer_config(Acks::All), vec![2]);
    t.wait_outcomes(&second, 1, 5_000); // B acked m2: A has fetched it
    assert_eq!(t.log_end(A), 2, "A holds m2");
    // A restarts before its next fetch answer tells it HW=2.
    t.crash(A);
    t.restart(A);
    // Three heartbeat intervals: A's new incarnation registers and A becomes a
    // follower again. Stop as soon as it truncated below m2: B must fail
    // before A fetches m2 again.
    let (mut lowest, mut left_isr) = (2, false);
    t.run_until(300, |t| {
        lowest = lowest.min(t.log_end(A));
        left_isr |= !t.isr().contains(&A);
        lowest < 2
    });
    // B takes one more record, with acks=1, that A cannot fetch: B's log gets
    // a tail in leader epoch 0 that A never holds.
    t.cut(A, B);
    let (_, third) = t.produce(producer_config(Acks::One), vec![3]);
    t.wait_outcomes(&third, 1, 2_000);
    let b_log_end_at_crash = t.log_end(B);
    t.crash(B);
    t.repair(A, B);
    let led = t.run_until(3_000, |t| {
        left_isr |= !t.isr().contains(&A);
        t.cluster.leader_of(&tp0()) == Some(A)
    });
    let mut acked_all = acked(&first);
    acked_all.extend(acked(&second));
    let mut a_epoch_start = None;
    if led {
        // A writes at the offsets B's tail holds, in the new leader epoch.
        a_epoch_start = Some(t.log_end(A));
        let (_, fourth) = t.produce(producer_config(Acks::All), vec![4]);
        t.wait_outcomes(&fourth, 1, 3_000);
        acked_all.extend(acked(&fourth));
    }
    t.restart(B);
    let mut b_lowest = i64::MAX;
    t.run_until(3_000, |t| {
        b_lowest = b_lowest.min(t.log_end(B));
        false
    });
    Scenario1 {
        acked_all: acked_all.into_iter().map(|(v, _)| v).collect(),
        read: values(&t.read_all(consumer_config())),
        a_lowest_log_end: lowest,
        a_left_isr: left_isr,
        a_led_while_b_down: led,
        a_epoch_start,
        b_lowest_log_end_after_return: b_lowest,
        b_log_end_at_crash,
        b_final: log_of(&t, B),
        a_final: log_of(&t, A),
    }
}

#[test]
fn kip101_scenario_1_loses_an_acked_record_with_legacy_hw_truncation() {
    let s = scenario_1(true, true);
    assert_eq!(s.a_lowest_log_end, 1, "A truncated to its checkpointed HW");
    assert!(!s.a_left_isr, "the restarted A kept its ISR place");
    assert!(s.a_led_while_b_down);
    assert!(s.acked_all.contains(&2), "m2 was acknowledged");
    assert!(
        !s.read.contains(&2),
        "m2 was acked and then lost: {:?}",
        s.read
    );
}

/// Restart fencing as in KRaft, truncation still to the HW: A drops m2 as
/// before (the dangerous state), but the controller took it out of the ISR
/// when it re-registered, so it is not elected while B is down: the partition
/// waits for B, which still holds m2.
#[test]
fn kip101_scenario_1_with_restart_fencing_does_not_elect_the_truncated_replica() {
    let s = scenario_1(true, false);
    assert_eq!(s.a_lowest_log_end, 1, "A truncated below m2");
    assert!(s.a_left_isr, "the restarted A was fenced out of the ISR");
    assert!(!s.a_led_while_b_down, "A was elected without m2");
    assert_eq!(s.acked_all, vec![1, 2]);
    assert_eq!(s.read, vec![1, 2, 3]);
}

/// Leader-epoch truncation with the restarted A still in the ISR (the state
/// that loses m2 above): A keeps m2, is elected, and nothing acked is lost.
/// When B returns, its unreplicated tail (m3, leader epoch 0) sits at offsets
/// A filled in epoch 1: B's fetch names its last epoch, A answers where epoch
/// 0 ends in its log (the OffsetsForLeaderEpoch answer, carried in the fetch
/// response since KIP-320/Fetch v12), and B truncates to exactly that point
/// and fetches A's record. With the HW switch off, no other path shortens a
/// follower's log, so B's drop to A's epoch start is the epoch truncation.
#[test]
fn kip101_scenario_1_keeps_the_record_with_leader_epoch_truncation() {
    let s = scenario_1(false, true);
    assert_eq!(s.a_lowest_log_end, 2, "A kept m2 across its restart");
    assert!(!s.a_left_isr);
    assert!(s.a_led_while_b_down, "A, holding m2, was elected");
    assert_eq!(s.acked_all, vec![1, 2, 4]);
    assert_eq!(s.read, vec![1, 2, 4], "m3 had acks=1 on B alone");
    let epoch_start = s.a_epoch_start.expect("A led");
    assert_eq!(epoch_start, 2);
    assert_eq!(s.b_log_end_at_crash, 3, "B held m3 at offset 2");
    assert_eq!(
        s.b_lowest_log_end_after_return, epoch_start,
        "B truncated to the divergence point"
    );
    assert_eq!(s.b_final, s.a_final, "and fetched A's records again");
    let values: Vec<u64> = s.b_final.iter().map(|&(v, _)| v).collect();
    assert_eq!(values, vec![1, 2, 4]);
    assert!(
        s.b_final[2].1 > 0,
        "offset 2 now holds A's epoch: {:?}",
        s.b_final
    );
}

/// Kafka today: both mechanisms on. A leaves the ISR on restart and keeps m2.
#[test]
fn kip101_scenario_1_keeps_the_record_in_modern_kafka() {
    let s = scenario_1(false, false);
    assert_eq!(s.a_lowest_log_end, 2);
    assert!(s.a_left_isr);
    assert!(
        s.acked_all.iter().all(|v| s.read.contains(v)),
        "{:?}",
        s.read
    );
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

/// What one run of KIP-101 scenario 2 left on the replicas.
struct Scenario2 {
    /// A's and B's final logs: (value, leader epoch) by offset.
    a_final: Vec<(u64, i32)>,
    b_final: Vec<(u64, i32)>,
    /// B led after A lost power.
    b_led: bool,
    /// Truncations A made after its restart: (from, to, why).
    a_truncations: Vec<(i64, i64, TruncationReason)>,
}

/// KIP-101 scenario 2 ("replica divergence on restart after multiple hard
/// failures"): A leads and both replicas hold m1 and m2 (A's HW 2), but only
/// m1 has been written back to B's disk when B loses power; A loses power
/// later, with both written back. B restarts first (a ZooKeeper-era restart,
/// keeping its ISR place), is elected, and writes m3 at offset 1. A comes
/// back as a follower: pre-KIP-101 it truncates to its HW (2), keeping m2 at
/// offset 1, and fetches from offset 2 with no epoch check, so the two
/// replicas hold different records at offset 1 for good.
fn scenario_2(hw_truncation: bool) -> Scenario2 {
    let (a, b) = (1, 2);
    let mut c = config(Acks::All, 1);
    c.topics[0].replication_factor = 2;
    c.broker.legacy_hw_truncation = hw_truncation;
    c.broker.legacy_restart_keeps_isr = true;
    // The kernel writes a dirty page back after 1 s: old enough records
    // survive a power loss, fresh ones do not.
    c.broker.page_cache_writeback_age_ms = 1_000;
    let mut t = TestCluster::new(c, 53);
    t.run_for(1_000);
    assert_eq!(t.leader(), a);
    let (_, first) = t.produce(producer_config(Acks::All), vec![1]);
    t.wait_outcomes(&first, 1, 5_000);
    t.run_for(1_200); // m1 written back on both
    let (_, second) = t.produce(producer_config(Acks::All), vec![2]);
    t.wait_outcomes(&second, 1, 5_000);
    t.run_for(600); // B learns HW 2 and A checkpoints it; m2 not written back yet
    assert_eq!((t.log_end(a), t.log_end(b)), (2, 2));
    // B loses power (m2 with it) and restarts; cut off from A it cannot
    // fetch m2 again, and A loses power before its lag drops B from the ISR.
    t.cut(a, b);
    t.lose_power(b);
    t.restart(b);
    assert_eq!(t.log_end(b), 1, "B kept only m1");
    t.run_for(450);
    t.lose_power(a);
    assert_eq!(t.log_end(a), 2, "m2 was written back on A");
    let b_led = t.run_until(3_000, |t| t.cluster.leader_of(&tp0()) == Some(b));
    if b_led {
        let (_, third) = t.produce(producer_config(Acks::All), vec![3]);
        t.wait_outcomes(&third, 1, 3_000);
    }
    let from = t.events().len();
    t.repair(a, b);
    t.restart(a);
    t.run_for(3_000);
    let a_truncations = t.events()[from..]
        .iter()
        .filter_map(|e| match e.event {
            ClusterEvent::Truncation {
                broker,
                from_offset,
                to_offset,
                reason,
                ..
            } if broker == a => Some((from_offset, to_offset, reason)),
            _ => None,
        })
        .collect();
    Scenario2 {
        a_final: log_of(&t, a),
        b_final: log_of(&t, b),
        b_led,
        a_truncations,
    }
}

#[test]
fn kip101_scenario_2_leaves_replicas_diverged_for_good_with_legacy_hw_truncation() {
    let s = scenario_2(true);
    assert!(s.b_led, "B, restarted with m1 only, was elected");
    let a: Vec<u64> = s.a_final.iter().map(|&(v, _)| v).collect();
    let b: Vec<u64> = s.b_final.iter().map(|&(v, _)| v).collect();
    assert_eq!(b, vec![1, 3], "B wrote m3 at offset 1");
    assert_eq!(
        a,
        vec![1, 2],
        "A truncated to its HW (2), kept m2 at offset 1 and never learned otherwise"
    );
    assert!(
        s.a_truncations
            .iter()
            .all(|&(from, to, _)| to >= from.min(2)),
        "A never cut below its HW: {:?}",
        s.a_truncations
    );
}

#[test]
fn kip101_scenario_2_converges_with_leader_epoch_truncation() {
    let s = scenario_2(false);
    assert!(s.b_led);
    assert_eq!(
        s.a_truncations,
        vec![(2, 1, TruncationReason::LeaderEpoch)],
        "A cut m2 where its epoch-0 log diverged from B's"
    );
    assert_eq!(s.a_final, s.b_final, "and fetched B's m3");
    let values: Vec<u64> = s.b_final.iter().map(|&(v, _)| v).collect();
    assert_eq!(values, vec![1, 3]);
}
