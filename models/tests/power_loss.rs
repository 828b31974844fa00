//! Storage: a power loss drops what was not flushed, `flush.messages=1` keeps it,
//! and "last replica standing" (KIP-966) loses committed records without fsync.
mod common;
use common::*;
use logjam_models::config::{Acks, ClusterConfig};
use logjam_models::events::{ClusterEvent, PartitionRange, TimedEvent};

fn with_flush(mut c: ClusterConfig, flush_messages: Option<u64>) -> ClusterConfig {
    c.broker.flush_messages = flush_messages;
    c
}

/// Commit three records, then every broker loses power at once and restarts.
fn correlated_power_loss(
    flush_messages: Option<u64>,
) -> (Vec<(u64, i64)>, Vec<u64>, Vec<TimedEvent>) {
    let mut t = TestCluster::new(with_flush(config(Acks::All, 2), flush_messages), 41);
    t.run_for(1_000);
    let (_, outcomes) = t.produce(producer_config(Acks::All), vec![1, 2, 3]);
    t.wait_outcomes(&outcomes, 3, 5_000);
    for b in 1..=3 {
        t.lose_power(b);
    }
    t.run_for(100);
    for b in 1..=3 {
        t.restart(b);
    }
    t.run_for(3_000);
    let read = values(&t.read_all(consumer_config()));
    (acked(&outcomes), read, t.events())
}

/// What each broker's power-loss event says it dropped of `orders/0`.
fn dropped_by_broker(events: &[TimedEvent]) -> Vec<(u32, Vec<PartitionRange>)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::PowerLoss { broker, dropped } => Some((
                *broker,
                dropped.iter().filter(|r| r.tp == tp0()).cloned().collect(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn power_loss_of_every_replica_drops_unflushed_committed_records() {
    let (acked, read, events) = correlated_power_loss(None);
    assert_eq!(acked.len(), 3);
    assert!(
        read.is_empty(),
        "nothing was flushed, so nothing survives: {read:?}"
    );
    let dropped = dropped_by_broker(&events);
    assert_eq!(
        dropped.len(),
        3,
        "one power-loss event per broker: {dropped:?}"
    );
    for (broker, ranges) in dropped {
        assert_eq!(
            ranges,
            vec![PartitionRange {
                tp: tp0(),
                from: 0,
                to: 3
            }],
            "broker {broker} dropped offsets 0..3, all unflushed"
        );
    }
}

#[test]
fn flush_messages_1_keeps_records_through_power_loss() {
    let (acked, read, events) = correlated_power_loss(Some(1));
    assert_eq!(acked.len(), 3);
    assert_eq!(read, vec![1, 2, 3]);
    assert!(
        dropped_by_broker(&events).iter().all(|(_, r)| r.is_empty()),
        "every record was flushed, so no power-loss event drops any"
    );
}

/// ISR {A,B,C}, min.insync=2: commit, cut A off from B and C so the ISR shrinks
/// to {A}, A loses power and comes back empty, and is elected again (cleanly).
fn last_replica_standing(flush_messages: Option<u64>) -> (Vec<(u64, i64)>, Vec<u64>) {
    let mut t = TestCluster::new(with_flush(config(Acks::All, 2), flush_messages), 42);
    t.run_for(1_000);
    let (_, outcomes) = t.produce(producer_config(Acks::All), vec![1, 2, 3]);
    t.wait_outcomes(&outcomes, 3, 5_000);
    let a = t.leader();
    for f in t.followers() {
        t.cut(a, f);
    }
    assert!(
        t.run_until(5_000, |t| t.isr() == vec![a]),
        "ISR shrinks to A alone"
    );
    t.lose_power(a);
    t.run_for(50);
    t.restart(a);
    assert!(
        t.run_until(5_000, |t| t.cluster.leader_of(&tp0()) == Some(a)),
        "A, the last ISR member, is elected again"
    );
    for f in t.followers() {
        t.repair(a, f);
    }
    t.run_for(3_000);
    (acked(&outcomes), values(&t.read_all(consumer_config())))
}

#[test]
fn last_replica_standing_loses_committed_records_without_fsync() {
    let (acked, read) = last_replica_standing(None);
    assert_eq!(
        acked.len(),
        3,
        "all three were committed with min.insync.replicas=2"
    );
    assert!(
        read.is_empty(),
        "A came back without its unflushed tail and the others truncated to it: {read:?}"
    );
}

#[test]
fn last_replica_standing_keeps_records_with_flush_messages_1() {
    let (acked, read) = last_replica_standing(Some(1));
    assert_eq!(acked.len(), 3);
    assert_eq!(read, vec![1, 2, 3]);
}
