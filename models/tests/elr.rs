//! KIP-966 on the last-replica-standing path: with min.insync.replicas=2 the
//! leader is cut off from both followers, the ISR shrinks to the leader
//! alone, and the leader loses power with every acknowledged record
//! unflushed. Kafka 3.7 keeps the last ISR member in the ISR and elects it
//! again when it comes back without those records; Kafka 4.1 moved the
//! followers to the eligible leader replicas when the ISR went below min ISR
//! (the HW could not pass them any more), removes the leader from the ISR at
//! its unclean restart, and elects an eligible follower, which holds them.
mod common;
use common::*;
use logjam_models::config::{Acks, KafkaVersion};
use logjam_models::events::{ClusterEvent, FenceReason, TimedEvent};
use logjam_models::ids::BrokerId;

/// What one run showed.
struct LastReplicaStanding {
    /// The leader that was cut off and lost power.
    old_leader: BrokerId,
    /// The ELR once the ISR had shrunk to the old leader.
    elr_after_shrink: Vec<BrokerId>,
    acked: Vec<u64>,
    read: Vec<u64>,
    /// Events from the power loss on.
    events: Vec<TimedEvent>,
    /// Offsets the power loss dropped on the old leader.
    dropped: i64,
}

fn last_replica_standing(version: KafkaVersion, seed: u64) -> LastReplicaStanding {
    let mut c = config(Acks::All, 2);
    c.kafka_version = version;
    let mut t = TestCluster::new(c, seed);
    t.run_for(1_000);
    let old_leader = t.leader();
    let (_, sent) = t.produce(producer_config(Acks::All), (1..=20).collect());
    t.wait_outcomes(&sent, 20, 5_000);
    t.run_for(300); // the followers learn the HW
    let followers = t.followers();
    for &f in &followers {
        t.cut(old_leader, f);
    }
    assert!(
        t.run_until(5_000, |t| t.isr() == vec![old_leader]),
        "the ISR shrinks to the leader: {:?}",
        t.isr()
    );
    let elr_after_shrink = t.cluster.elr_of(&tp0());
    let from = t.events().len();
    t.lose_power(old_leader);
    t.run_for(100);
    t.restart(old_leader);
    t.run_until(3_000, |t| t.cluster.leader_of(&tp0()).is_some());
    for &f in &followers {
        t.repair(old_leader, f);
    }
    t.run_for(2_000);
    let events: Vec<TimedEvent> = t.events().split_off(from);
    let dropped = events
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::PowerLoss { dropped, .. } => {
                Some(dropped.iter().map(|r| r.to - r.from).sum::<i64>())
            }
            _ => None,
        })
        .sum();
    LastReplicaStanding {
        old_leader,
        elr_after_shrink,
        acked: acked(&sent).into_iter().map(|(v, _)| v).collect(),
        read: values(&t.read_all(consumer_config())),
        events,
        dropped,
    }
}

/// The first election after the power loss: (leader, unclean, from ELR).
fn first_election(events: &[TimedEvent]) -> (BrokerId, bool, bool) {
    events
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::Election {
                leader,
                unclean,
                from_elr,
                ..
            } => Some((*leader, *unclean, *from_elr)),
            _ => None,
        })
        .expect("a leader was elected")
}

#[test]
fn kafka_3_7_reelects_the_last_isr_member_without_its_acknowledged_records() {
    for seed in [61, 62, 63] {
        let s = last_replica_standing(KafkaVersion::V3_7, seed);
        assert!(s.elr_after_shrink.is_empty(), "no ELR before 4.1");
        assert_eq!(s.acked.len(), 20, "seed {seed}");
        assert!(
            s.dropped >= 20,
            "seed {seed}: the power loss dropped the acked records"
        );
        let (leader, unclean, from_elr) = first_election(&s.events);
        assert_eq!(
            (leader, unclean, from_elr),
            (s.old_leader, false, false),
            "seed {seed}: the last ISR member is elected cleanly"
        );
        let lost: Vec<u64> = s
            .acked
            .iter()
            .copied()
            .filter(|v| !s.read.contains(v))
            .collect();
        assert!(!lost.is_empty(), "seed {seed}: acknowledged records lost");
    }
}

#[test]
fn kafka_4_1_elects_an_eligible_replica_that_holds_every_acknowledged_record() {
    for seed in [61, 62, 63] {
        let s = last_replica_standing(KafkaVersion::V4_1, seed);
        assert!(
            !s.elr_after_shrink.is_empty() && !s.elr_after_shrink.contains(&s.old_leader),
            "seed {seed}: followers that left the ISR below min ISR are eligible: {:?}",
            s.elr_after_shrink
        );
        assert!(
            s.dropped >= 20,
            "seed {seed}: the dangerous state: acked records dropped"
        );
        assert!(
            s.events.iter().any(|e| matches!(
                e.event,
                ClusterEvent::BrokerFenced { broker, reason: FenceReason::UncleanShutdown }
                    if broker == s.old_leader
            )),
            "seed {seed}: the restart was an unclean shutdown"
        );
        assert!(
            s.events.iter().any(|e| matches!(
                &e.event,
                ClusterEvent::ElrChanged { elr, isr, .. }
                    if isr.is_empty() && !elr.contains(&s.old_leader)
            )),
            "seed {seed}: the old leader left the ISR and the ELR"
        );
        let (leader, unclean, from_elr) = first_election(&s.events);
        assert!(!unclean && from_elr, "seed {seed}: elected from the ELR");
        assert!(s.elr_after_shrink.contains(&leader), "seed {seed}");
        assert_eq!(s.acked.len(), 20);
        for v in &s.acked {
            assert!(s.read.contains(v), "seed {seed}: {v} lost: {:?}", s.read);
        }
    }
}
