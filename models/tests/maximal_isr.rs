//! KIP-497's maximal ISR. A leader proposes adding a recovered follower, the
//! controller commits the expansion, and the answer never reaches the leader
//! (a one-way partition from the controller). Until it hears back, the leader
//! must count the follower for the HW and acks=all: the controller may elect
//! it. Acking over the old ISR instead lets a clean election of that follower
//! lose acknowledged writes under acks=all, min.insync.replicas=2.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::events::{ClusterEvent, IsrCause, IsrChangeKind};
use logjam_models::ids::{broker_host, CONTROLLER_HOST};

#[test]
fn an_expansion_whose_answer_is_lost_still_holds_the_hw() {
    let mut t = TestCluster::new(config(Acks::All, 2), 21);
    t.run_for(1_000);
    let leader = t.leader();
    let (other, rejoining) = (t.followers()[0], t.followers()[1]);

    // The follower leaves the ISR (its session expires) and misses writes.
    t.crash(rejoining);
    let shrunk = t.run_until(5_000, |t| t.isr() == vec![leader, other]);
    assert!(shrunk, "a crashed follower is fenced out of the ISR");
    let (_, before) = t.produce(producer_config(Acks::All), vec![1, 2, 3]);
    t.wait_outcomes(&before, 3, 5_000);
    assert_eq!(acked(&before).len(), 3, "an ISR of 2 meets min.insync=2");

    // From now on the leader hears nothing from the controller; its requests
    // (heartbeats, AlterPartition) still arrive.
    t.sim
        .partition_oneway(CONTROLLER_HOST, broker_host(leader).as_str());
    let epoch_before = t.cluster.partition_epoch(&tp0()).expect("known partition");
    t.restart(rejoining);
    let expanded = t.run_until(5_000, |t| t.isr().contains(&rejoining));
    assert!(
        expanded,
        "the follower catches up and the leader's expansion is committed"
    );
    assert!(
        t.cluster.partition_epoch(&tp0()).expect("known partition") > epoch_before,
        "the controller committed the expansion (a new partition epoch) whose answer is lost"
    );

    // The re-added follower stops fetching; writes go on at the leader.
    t.cut(leader, rejoining);
    let rejoined_end = t.log_end(rejoining);
    let (_, during) = t.produce(producer_config(Acks::All), vec![4, 5, 6]);
    t.run_for(1_500);
    let acked_during_cut = acked(&during);
    assert!(
        t.log_end(leader) > rejoined_end,
        "the leader appended writes the cut-off follower lacks"
    );

    // The leader and the other follower crash; the controller cleanly elects
    // the re-added follower, the last ISR member standing.
    t.crash(leader);
    t.crash(other);
    let elected = t.run_until(5_000, |t| t.cluster.leader_of(&tp0()) == Some(rejoining));
    assert!(elected, "the re-added follower is elected from the ISR");
    t.wait_outcomes(&during, 3, 10_000);
    let read = values(&t.read_all(consumer_config()));

    for (v, _) in acked(&before).into_iter().chain(acked(&during)) {
        assert!(
            read.contains(&v),
            "acknowledged write {v} lost: final read {read:?}, acked while the follower \
             was cut off {acked_during_cut:?}"
        );
    }
    assert!(
        acked_during_cut.is_empty(),
        "the HW waited for the follower in the leader's maximal ISR, so nothing was \
         acknowledged while it was cut off; acked {acked_during_cut:?}"
    );
    assert_event_sequence(&t, leader, rejoining);
}

/// The event log tells the mechanism: the leader proposed the expansion, the
/// controller committed it, the leader never heard (no acknowledgement), and
/// the re-added follower was then elected cleanly.
fn assert_event_sequence(t: &TestCluster, leader: u32, rejoining: u32) {
    let events: Vec<ClusterEvent> = t
        .events()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| match e {
            ClusterEvent::IsrProposed { tp, .. }
            | ClusterEvent::IsrCommitted { tp, .. }
            | ClusterEvent::IsrAcknowledged { tp, .. }
            | ClusterEvent::Election { tp, .. } => *tp == tp0(),
            _ => false,
        })
        .collect();
    let proposed = events
        .iter()
        .rposition(|e| {
            matches!(e, ClusterEvent::IsrProposed { broker, change: IsrChangeKind::Expand, members, .. }
                if *broker == leader && *members == vec![rejoining])
        })
        .unwrap_or_else(|| panic!("the leader proposed adding {rejoining}: {events:#?}"));
    let committed = events[proposed..]
        .iter()
        .position(|e| {
            matches!(e, ClusterEvent::IsrCommitted { cause: IsrCause::AlterPartition, new_isr, .. }
                if new_isr.contains(&rejoining))
        })
        .map(|i| proposed + i)
        .unwrap_or_else(|| panic!("the controller committed the expansion: {events:#?}"));
    let elected = events[committed..]
        .iter()
        .position(|e| matches!(e, ClusterEvent::Election { leader: l, .. } if *l == rejoining))
        .map(|i| committed + i)
        .unwrap_or_else(|| panic!("{rejoining} was elected after the commit: {events:#?}"));
    assert!(
        matches!(
            &events[elected],
            ClusterEvent::Election { unclean: false, .. }
        ),
        "a clean election: {:?}",
        events[elected]
    );
    assert!(
        !events[committed..elected].iter().any(
            |e| matches!(e, ClusterEvent::IsrAcknowledged { broker, .. } if *broker == leader)
        ),
        "the leader never heard the commit: {events:#?}"
    );
}
