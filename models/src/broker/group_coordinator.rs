//! The group coordinator on a broker: it serves the group APIs for every group
//! whose `__consumer_offsets` partition this broker leads. Membership lives in
//! memory; each completed generation is also stored as a GroupMetadata record
//! in the offsets log (acks=all), and a broker that becomes the partition's
//! leader loads the latest one, as Kafka's GroupMetadataManager does: the
//! members carry on with their generation and assignment instead of rejoining.
//! Committed offsets live in the replicated log too.
//!
//! It is a request handler the broker hosts, beside `produce` and `fetch`:
//! the group state machines it drives (`group::membership`, `group::offsets`,
//! `group::assignor`) know nothing of brokers.
use super::{produce, BrokerHandle};
use crate::config::Acks;
use crate::error_code::ErrorCode;
use crate::events::ClusterEvent;
use crate::group::assignor::Subscription;
use crate::group::membership::{Group, JoinRequest};
use crate::group::offsets::{
    commit_batch, group_metadata_batch, read_group, txn_commit_batch, unstable_partitions, GroupLog,
};
use crate::group::protocol::{
    CommittedOffset, FetchedOffset, GroupError, GroupRequest, GroupResponse, Joined,
};
use crate::group::{is_internal, offsets_partition, OFFSETS_TOPIC};
use crate::ids::{now_ms, TopicPartition};
use crate::protocol::Response;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often sessions and join deadlines are checked.
const TICK_MS: u64 = 20;

/// How long a group-metadata write may wait for replication (Kafka's
/// `offsets.commit.timeout.ms`, default 5 s, bounds the coordinator's appends).
const STORE_TIMEOUT_MS: u64 = 5_000;

#[derive(Debug)]
struct Entry {
    tp: TopicPartition,
    /// The offsets partition's leader epoch this state belongs to.
    leader_epoch: i32,
    /// Unique per entry on this broker, so a waiting JoinGroup can tell that
    /// the group it joined was replaced.
    id: u64,
    group: Group,
}

/// Every group this broker coordinates. Lost when the broker restarts.
#[derive(Debug, Default)]
pub struct GroupCoordinator {
    groups: BTreeMap<String, Entry>,
    next_entry: u64,
    /// Wakes JoinGroup requests waiting for their rebalance to complete.
    pub changed: Rc<Notify>,
}

/// Does this broker coordinate `group` right now? Returns the offsets
/// partition and its leader epoch. A new leader is still "loading" until its
/// HW reaches the start of its leadership: only then is every commit that was
/// acknowledged before the move below its HW, and visible.
fn leadership(h: &BrokerHandle, group: &str) -> Result<(TopicPartition, i32), GroupError> {
    let b = h.state.borrow();
    let n = b
        .topics
        .get(OFFSETS_TOPIC)
        .map(|t| t.partitions)
        .ok_or(GroupError::CoordinatorNotAvailable)?;
    let tp = offsets_partition(group, n);
    let r = b.replicas.get(&tp).ok_or(GroupError::NotCoordinator)?;
    if !r.is_leader() {
        return Err(GroupError::NotCoordinator);
    }
    let disk = b.disk.borrow();
    let epoch_start = disk.log(&tp).map_or(0, |log| r.current_epoch_start(log));
    if r.high_watermark() < epoch_start {
        return Err(GroupError::CoordinatorLoadInProgress);
    }
    Ok((tp, r.leader_epoch()))
}

/// Run `f` on the group's state, creating it (continuing the generation count
/// from the log) if this broker has none for the current leadership.
/// Returns the entry id with the result.
fn with_group<T>(
    h: &BrokerHandle,
    group: &str,
    f: impl FnOnce(&mut Group, &TopicPartition) -> T,
) -> Result<(u64, T), GroupError> {
    let (tp, epoch) = leadership(h, group)?;
    let mut c = h.groups.borrow_mut();
    let c = &mut *c;
    let fresh = c
        .groups
        .get(group)
        .is_none_or(|e| e.leader_epoch != epoch || e.tp != tp);
    if fresh {
        let (logged, me) = {
            let b = h.state.borrow();
            let hw = b.replicas.get(&tp).map_or(0, |r| r.high_watermark());
            let disk = b.disk.borrow();
            let logged = disk.log(&tp).map_or_else(
                || GroupLog {
                    generation: -1,
                    ..GroupLog::default()
                },
                |log| read_group(log, hw, group),
            );
            (logged, b.id)
        };
        // Never go back, not even past what this broker itself handed out.
        let floor = c.groups.get(group).map_or(logged.generation, |e| {
            logged.generation.max(e.group.generation)
        });
        // Load the latest GroupMetadata (Kafka's loadGroupsAndOffsets) only if
        // it is the newest generation anything recorded: a generation whose
        // record never committed is not resurrected with older members.
        let now = now_ms();
        let state = match logged.metadata.filter(|m| m.generation == floor) {
            Some(meta) => {
                let g = Group::load(&meta, now);
                h.state.borrow().events.record(
                    now,
                    ClusterEvent::GroupLoaded {
                        broker: me,
                        group: group.to_string(),
                        generation: g.generation,
                        members: g.members.keys().cloned().collect(),
                    },
                );
                g
            }
            None => Group::new(floor),
        };
        assert!(
            state.generation >= floor,
            "a loaded generation never goes back"
        );
        c.next_entry += 1;
        c.groups.insert(
            group.to_string(),
            Entry {
                tp: tp.clone(),
                leader_epoch: epoch,
                id: c.next_entry,
                group: state,
            },
        );
    }
    let e = c.groups.get_mut(group).expect("inserted above");
    Ok((e.id, f(&mut e.group, &tp)))
}

/// Every partition of the cluster's ordinary topics.
fn universe(h: &BrokerHandle) -> Vec<TopicPartition> {
    h.state
        .borrow()
        .image
        .partitions
        .keys()
        .filter(|tp| !is_internal(&tp.topic))
        .cloned()
        .collect()
}

/// End the join phase and store the new generation's metadata in the offsets
/// log with acks=all, as Kafka's coordinator writes its GroupMetadata record
/// after a rebalance (not waited for here: SyncGroup answers from memory).
fn complete(
    h: &BrokerHandle,
    name: &str,
    g: &mut Group,
    tp: &TopicPartition,
    now: u64,
    universe: &[TopicPartition],
) {
    g.complete_rebalance(now, universe);
    {
        let b = h.state.borrow();
        b.events.record(
            now,
            ClusterEvent::GroupRebalanced {
                broker: b.id,
                group: name.to_string(),
                generation: g.generation,
                members: g.members.keys().cloned().collect(),
            },
        );
    }
    let (h, tp, batch) = (
        h.clone(),
        tp.clone(),
        group_metadata_batch(name, g.metadata()),
    );
    tokio::task::spawn_local(async move {
        let _ = produce::handle(&h, tp, Acks::All, STORE_TIMEOUT_MS, batch).await;
    });
}

pub async fn handle(h: &BrokerHandle, req: GroupRequest) -> GroupResponse {
    match req {
        GroupRequest::FindCoordinator { group } => {
            let b = h.state.borrow();
            let found = b
                .topics
                .get(OFFSETS_TOPIC)
                .map(|t| offsets_partition(&group, t.partitions))
                .and_then(|tp| b.image.leader(&tp))
                .map(|(leader, _)| leader)
                .ok_or(GroupError::CoordinatorNotAvailable);
            GroupResponse::FindCoordinator(found)
        }
        GroupRequest::JoinGroup {
            group,
            member_id,
            client_id,
            topics,
            owned,
            session_timeout_ms,
            rebalance_timeout_ms,
            strategy,
        } => {
            let req = JoinRequest {
                client_id,
                subscription: Subscription { topics, owned },
                session_timeout_ms,
                rebalance_timeout_ms,
                strategy,
            };
            GroupResponse::JoinGroup(join(h, &group, member_id, req).await)
        }
        GroupRequest::SyncGroup {
            group,
            member_id,
            generation,
        } => GroupResponse::SyncGroup(
            with_group(h, &group, |g, _| g.sync(&member_id, generation)).and_then(|(_, r)| r),
        ),
        GroupRequest::Heartbeat {
            group,
            member_id,
            generation,
        } => {
            let now = now_ms();
            GroupResponse::Heartbeat(
                with_group(h, &group, |g, _| g.heartbeat(&member_id, generation, now))
                    .and_then(|(_, r)| r),
            )
        }
        GroupRequest::LeaveGroup { group, member_id } => {
            let now = now_ms();
            let r = with_group(h, &group, |g, _| g.leave(&member_id, now)).and_then(|(_, r)| r);
            h.groups.borrow().changed.notify_waiters();
            GroupResponse::LeaveGroup(r)
        }
        GroupRequest::OffsetCommit {
            group,
            member_id,
            generation,
            offsets,
            timeout_ms,
        } => GroupResponse::OffsetCommit(
            commit(h, &group, &member_id, generation, &offsets, timeout_ms).await,
        ),
        GroupRequest::TxnOffsetCommit {
            group,
            producer_id,
            producer_epoch,
            member_id,
            generation,
            offsets,
            timeout_ms,
        } => {
            // The transactional producer sends offsets without their leader
            // epoch (Kafka's TxnOffsetCommit can carry one; logjam's
            // send_offsets_to_transaction does not yet).
            let offsets: Vec<(TopicPartition, CommittedOffset)> = offsets
                .into_iter()
                .map(|(tp, offset)| {
                    let at = CommittedOffset {
                        offset,
                        leader_epoch: None,
                    };
                    (tp, at)
                })
                .collect();
            let batch = txn_commit_batch(&group, generation, &offsets, producer_id, producer_epoch);
            GroupResponse::TxnOffsetCommit(
                store_commit(h, &group, &member_id, generation, batch, timeout_ms).await,
            )
        }
        GroupRequest::OffsetFetch {
            group,
            partitions,
            require_stable,
        } => GroupResponse::OffsetFetch(fetch_offsets(h, &group, partitions, require_stable)),
    }
}

async fn join(
    h: &BrokerHandle,
    group: &str,
    member_id: Option<String>,
    req: JoinRequest,
) -> Result<Joined, GroupError> {
    let now = now_ms();
    let all = universe(h);
    let (entry, joined) = with_group(h, group, |g, tp| {
        let joined = g.join(member_id, req, now)?;
        if g.ready(now) {
            complete(h, group, g, tp, now, &all);
        }
        Ok(joined)
    })?;
    let (member_id, round) = joined?;
    let changed = h.groups.borrow().changed.clone();
    changed.notify_waiters();
    loop {
        let notified = changed.notified();
        let now = now_ms();
        let all = universe(h);
        let (id, outcome) = with_group(h, group, |g, tp| {
            if g.rounds_completed < round && g.ready(now) {
                complete(h, group, g, tp, now, &all);
            }
            (g.rounds_completed >= round).then(|| {
                if g.members.contains_key(&member_id) {
                    Ok(Joined {
                        generation: g.generation,
                        member_id: member_id.clone(),
                        leader: g.leader.clone().unwrap_or_default(),
                    })
                } else {
                    Err(GroupError::UnknownMemberId)
                }
            })
        })?;
        if id != entry {
            // The coordinator moved away and back meanwhile: a new group state.
            return Err(GroupError::NotCoordinator);
        }
        if let Some(outcome) = outcome {
            changed.notify_waiters();
            return outcome;
        }
        tokio::select! {
            biased;
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_millis(TICK_MS)) => {}
        }
    }
}

async fn commit(
    h: &BrokerHandle,
    group: &str,
    member_id: &str,
    generation: i32,
    offsets: &[(TopicPartition, CommittedOffset)],
    timeout_ms: u64,
) -> Result<(), GroupError> {
    let batch = commit_batch(group, generation, offsets);
    store_commit(h, group, member_id, generation, batch, timeout_ms).await
}

/// Append a commit batch (plain or transactional) to the group's offsets
/// partition with acks=all, after the generation check.
async fn store_commit(
    h: &BrokerHandle,
    group: &str,
    member_id: &str,
    generation: i32,
    batch: crate::batch::RecordBatch,
    timeout_ms: u64,
) -> Result<(), GroupError> {
    let legacy = h.state.borrow().config.legacy_no_commit_fencing;
    // Kafka's TxnOffsetCommit without group metadata (generation -1, no
    // member: sendOffsetsToTransaction(offsets, groupId)) is not fenced by
    // membership, only by the producer epoch.
    let standalone = batch.is_transactional && generation < 0 && member_id.is_empty();
    let (_, allowed) = with_group(h, group, |g, _| {
        if standalone {
            Ok(())
        } else {
            g.check_commit(member_id, generation, legacy)
        }
    })?;
    allowed?;
    if batch.records.is_empty() {
        return Ok(());
    }
    let (tp, _) = leadership(h, group)?;
    match produce::handle_from(
        h,
        tp,
        Acks::All,
        timeout_ms,
        batch,
        produce::Origin::Coordinator,
    )
    .await
    {
        Some(Response::Produce { result: Ok(_) }) => Ok(()),
        Some(Response::Produce { result: Err(e) }) => Err(GroupError::Storage(e)),
        _ => Err(GroupError::Storage(ErrorCode::RequestTimedOut)),
    }
}

/// Committed offsets: the log below the HW, read at the time of asking. With
/// `require_stable` (KIP-447), a partition with a transactional offset commit
/// still pending is answered UNSTABLE_OFFSET_COMMIT instead (Kafka's
/// GroupMetadataManager.getOffsets: `requireStable &&
/// group.hasPendingOffsetCommitsForTopicPartition(tp)`), and the answer is
/// recorded as an `offset-fetch-unstable` event.
fn fetch_offsets(
    h: &BrokerHandle,
    group: &str,
    partitions: Vec<TopicPartition>,
    require_stable: bool,
) -> Result<Vec<FetchedOffset>, GroupError> {
    let (_, tp) = with_group(h, group, |_, tp| tp.clone())?;
    let b = h.state.borrow();
    let hw = b.replicas.get(&tp).map_or(0, |r| r.high_watermark());
    let disk = b.disk.borrow();
    let (logged, unstable) = disk
        .log(&tp)
        .map(|log| {
            let unstable = if require_stable {
                unstable_partitions(log, hw, group)
            } else {
                Default::default()
            };
            (read_group(log, hw, group), unstable)
        })
        .unwrap_or_default();
    let answer: Vec<FetchedOffset> = partitions
        .into_iter()
        .map(|p| {
            let o = if unstable.contains(&p) {
                Err(GroupError::UnstableOffsetCommit)
            } else {
                Ok(logged.offsets.get(&p).copied())
            };
            (p, o)
        })
        .collect();
    let refused: Vec<TopicPartition> = answer
        .iter()
        .filter(|(_, o)| o.is_err())
        .map(|(p, _)| p.clone())
        .collect();
    if !refused.is_empty() {
        b.events.record(
            now_ms(),
            ClusterEvent::OffsetFetchUnstable {
                broker: b.id,
                group: group.to_string(),
                partitions: refused,
            },
        );
    }
    Ok(answer)
}

/// Session expiry and join deadlines, for every group this broker holds.
pub async fn tick_loop(h: BrokerHandle) {
    loop {
        tokio::time::sleep(Duration::from_millis(TICK_MS)).await;
        let now = now_ms();
        let all = universe(&h);
        let names: Vec<String> = h.groups.borrow().groups.keys().cloned().collect();
        let mut changed = false;
        for name in names {
            match with_group(&h, &name, |g, tp| {
                let mut moved = g.expire_sessions(now);
                if g.ready(now) {
                    complete(&h, &name, g, tp, now, &all);
                    moved = true;
                }
                moved
            }) {
                Ok((_, moved)) => changed |= moved,
                // No longer ours: forget the members (they will be unknown here).
                Err(GroupError::NotCoordinator) => {
                    h.groups.borrow_mut().groups.remove(&name);
                }
                Err(_) => {}
            }
        }
        if changed {
            h.groups.borrow().changed.notify_waiters();
        }
    }
}
