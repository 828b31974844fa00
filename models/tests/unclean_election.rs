//! Unclean leader election: every ISR member is down, a replica that fell behind
//! is elected, and records committed on the old ISR disappear. With unclean
//! election off, the partition waits for an ISR member and keeps them.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::events::{ClusterEvent, TimedEvent};

/// What a run shows: the acknowledged sends, the final read, how many
/// unclean elections the controller made, and the cluster's event log.
struct Outcome(Vec<(u64, i64)>, Vec<u64>, u64, Vec<TimedEvent>);

fn isr_dies_while_stale_replica_lives(unclean: bool) -> Outcome {
    let mut c = config(Acks::All, 1);
    c.broker.unclean_leader_election_enable = unclean;
    let mut t = TestCluster::new(c, 61);
    t.run_for(1_000);
    let a = t.leader();
    let stale = t.followers()[1];
    let other = t.followers()[0];
    t.cut(a, stale);
    t.cut(other, stale);
    assert!(
        t.run_until(5_000, |t| !t.isr().contains(&stale)),
        "the cut-off follower leaves the ISR"
    );
    let (_, outcomes) = t.produce(producer_config(Acks::All), vec![1, 2, 3]);
    t.wait_outcomes(&outcomes, 3, 5_000);
    t.crash(a);
    t.crash(other);
    t.repair(a, stale);
    t.repair(other, stale);
    t.run_for(2_000);
    t.restart(a);
    t.restart(other);
    t.run_for(3_000);
    let unclean_elections = t.cluster.unclean_elections();
    Outcome(
        acked(&outcomes),
        values(&t.read_all(consumer_config())),
        unclean_elections,
        t.events(),
    )
}

#[test]
fn unclean_election_elects_a_stale_replica_and_loses_acked_records() {
    let Outcome(acked, read, elections, events) = isr_dies_while_stale_replica_lives(true);
    assert_eq!(acked.len(), 3);
    assert!(elections >= 1, "the stale replica was elected uncleanly");
    let unclean = events
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::Election {
                unclean: true,
                leader,
                leader_log_end_offset: Some(leader_end),
                isr_before_log_end_offsets,
                ..
            } => Some((*leader, *leader_end, isr_before_log_end_offsets.clone())),
            _ => None,
        })
        .expect("an unclean election event");
    let (leader, leader_end, isr_before) = unclean;
    assert_eq!(
        leader_end, 0,
        "the stale replica {leader} had none of the records"
    );
    assert!(
        isr_before.iter().any(|o| o.log_end_offset == 3),
        "the ISR it replaced held the three records: {isr_before:?}"
    );
    assert!(
        read.is_empty(),
        "the old ISR truncated to the stale leader: {read:?}"
    );
}

#[test]
fn clean_election_waits_for_the_isr_and_keeps_acked_records() {
    let Outcome(acked, read, elections, events) = isr_dies_while_stale_replica_lives(false);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.event, ClusterEvent::Election { unclean: true, .. })),
        "no unclean election event"
    );
    assert_eq!(acked.len(), 3);
    assert_eq!(elections, 0);
    assert_eq!(read, vec![1, 2, 3]);
}
