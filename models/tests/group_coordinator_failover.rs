//! Group coordinator failover (issue 11): the coordinator stores each completed
//! generation as a GroupMetadata record in `__consumer_offsets`; when its
//! broker crashes, the new leader of the group's offsets partition loads it
//! (Kafka's GroupMetadataManager.loadGroupsAndOffsets), so the members keep
//! their generation and commit without rejoining.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::consumer::group::GroupConsumer;
use logjam_models::events::ClusterEvent;
use logjam_models::ids::now_ms;
use logjam_models::{offsets_partition, OFFSETS_TOPIC};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

/// (at_ms, generation, committed) per commit a member attempted.
type Commits = Rc<RefCell<Vec<(u64, i32, bool)>>>;

const GROUP: &str = "g";

#[test]
fn members_keep_their_generation_across_a_coordinator_crash() {
    let mut config = config(Acks::All, 2);
    config.consumer.group_id = Some(GROUP.into());
    // One partition for each member, so both commit.
    config.topics[0].partitions = 2;
    let partitions = config.broker.offsets_topic_num_partitions;
    let mut t = TestCluster::new(config.clone(), 11);
    let stop = Rc::new(Cell::new(false));
    let mut commits = Vec::new();
    for m in 0..2 {
        let log: Commits = Rc::default();
        commits.push(log.clone());
        let (consumer, stop) = (config.consumer.clone(), stop.clone());
        t.sim.client(format!("member-{m}"), async move {
            let mut g =
                GroupConsumer::subscribe(consumer, 3, format!("member-{m}"), vec![TOPIC.into()])
                    .expect("has a group.id");
            let mut n = 0;
            while !stop.get() {
                let _ = g.poll().await;
                n += 1;
                let offsets: BTreeMap<_, _> =
                    g.assignment().into_iter().map(|tp| (tp, n)).collect();
                if !offsets.is_empty() {
                    let generation = g.generation();
                    let ok = g.commit_sync(&offsets).await.is_ok();
                    log.borrow_mut().push((now_ms(), generation, ok));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(())
        });
    }
    // Both members in one generation, and committing in it.
    let settled = t.run_until(30_000, |t| {
        let two = t.events().iter().any(|e| {
            matches!(&e.event, ClusterEvent::GroupRebalanced { members, .. } if members.len() == 2)
        });
        two && commits
            .iter()
            .all(|c| c.borrow().iter().any(|&(_, _, ok)| ok))
    });
    assert!(settled, "the group formed: {:?}", t.events());
    t.run_for(2_000);
    let before = t.events();
    let generation = before
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            ClusterEvent::GroupRebalanced { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("a rebalance completed");
    let offsets_tp = offsets_partition(GROUP, partitions);
    assert_eq!(offsets_tp.topic, OFFSETS_TOPIC);
    let coordinator = t.cluster.leader_of(&offsets_tp).expect("a coordinator");
    let crashed_at = t.now_ms();
    t.crash(coordinator);
    t.run_for(8_000);
    stop.set(true);

    let after: Vec<_> = t
        .events()
        .into_iter()
        .filter(|e| e.at_ms >= crashed_at)
        .collect();
    let loaded = after
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::GroupLoaded {
                broker,
                generation,
                members,
                ..
            } => Some((*broker, *generation, members.len())),
            _ => None,
        })
        .expect("the new coordinator loaded the group");
    assert_ne!(loaded.0, coordinator, "loaded by the new coordinator");
    assert_eq!((loaded.1, loaded.2), (generation, 2), "{after:?}");
    // No member's session expired (they kept heartbeating), so no rebalance.
    assert!(
        !after
            .iter()
            .any(|e| matches!(e.event, ClusterEvent::GroupRebalanced { .. })),
        "no rebalance after the failover: {after:?}"
    );
    // Every member committed again after the failover, in the same generation.
    for c in &commits {
        let c = c.borrow();
        let ok_after: Vec<_> = c
            .iter()
            .filter(|&&(at, _, ok)| ok && at > crashed_at)
            .collect();
        assert!(!ok_after.is_empty(), "commits after the failover: {c:?}");
        assert!(
            c.iter()
                .filter(|&&(at, _, _)| at > crashed_at)
                .all(|&(_, g, _)| g == generation),
            "same generation throughout: {c:?}"
        );
    }
}
