//! The broker's side of the controller: heartbeats that bring back metadata, role
//! changes from that metadata, and ISR change proposals.
use super::isr::PendingChange;
use super::replica::{AfterAlterPartition, AlterPartitionAnswer, AlterPartitionProposal};
use super::replica::{Replica, RoleChange};
use super::{fetcher, BrokerHandle};
use crate::events::{ClusterEvent, EventLog, IsrChangeKind, TruncationReason};
use crate::group::is_internal;
use crate::ids::{deadline_after_ms, now_ms};
use crate::ids::{BrokerId, TopicPartition, CONTROLLER_HOST, CONTROLLER_PORT};
use crate::metadata::MetadataImage;
use crate::protocol::{Request, Response};
use crate::rpc::Channel;

/// A heartbeat every `broker.heartbeat.interval.ms`, answered or not. Each waits
/// at most one interval to connect and one for its answer (not
/// `controller.socket.timeout.ms`), so a lost heartbeat costs one or two
/// intervals and only about `broker.session.timeout.ms` of silence fences the
/// broker. Heartbeats have a
/// connection of their own, as in Kafka (the broker lifecycle manager's
/// channel), so a slow AlterPartition never holds one up.
pub async fn heartbeat_loop(h: BrokerHandle) {
    let mut channel = Channel::new(CONTROLLER_HOST, CONTROLLER_PORT);
    loop {
        let (req, interval_ms, timeout_ms) = {
            let b = h.state.borrow();
            let req = Request::BrokerHeartbeat {
                broker: b.id,
                incarnation: b.incarnation,
                known_version: b.image.version,
            };
            let interval_ms = b.config.broker_heartbeat_interval_ms;
            let timeout_ms = b.config.controller_request_timeout_ms.min(interval_ms);
            (req, interval_ms, timeout_ms)
        };
        let next = deadline_after_ms(interval_ms);
        let resp = channel.call(&req, timeout_ms).await;
        if let Ok(Response::BrokerHeartbeat { image: Some(image) }) = resp {
            apply_image(&h, image);
        }
        tokio::time::sleep_until(next).await;
    }
}

/// Apply a newer metadata image: role changes per partition, fetchers for new
/// followers, and a new HW wherever we lead (an ISR that shrank at the same
/// leader epoch may let it advance at once).
pub fn apply_image(h: &BrokerHandle, image: MetadataImage) {
    let mut to_follow = Vec::new();
    let mut to_wake = Vec::new();
    {
        let mut guard = h.state.borrow_mut();
        let b = &mut *guard;
        if image.version <= b.image.version {
            return;
        }
        let me = b.id;
        let now = now_ms();
        let legacy = b.config.legacy_hw_truncation;
        let mut disk = b.disk.borrow_mut();
        for (tp, state) in image
            .partitions
            .iter()
            .filter(|(_, s)| s.replicas.contains(&me))
        {
            let hw_checkpoint = disk.hw_checkpoint.get(tp).copied().unwrap_or(0);
            let log = disk.log_mut(tp);
            let replica = b.replicas.entry(tp.clone()).or_insert_with(|| {
                Replica::new(tp.clone(), hw_checkpoint.min(log.log_end_offset()))
            });
            let min_isr = b
                .topics
                .get(&tp.topic)
                .map_or(b.config.min_insync_replicas, |t| t.min_insync_replicas);
            let (was_leader, frozen_before) = (replica.is_leader(), hw_frozen(replica, min_isr));
            let leo_before = log.log_end_offset();
            let change = replica.apply(me, state, log, legacy, now);
            if let RoleChange::BecameFollower { leader } = change {
                to_follow.push((tp.clone(), leader, replica.generation()));
                if log.log_end_offset() < leo_before {
                    b.events.record(
                        now,
                        ClusterEvent::Truncation {
                            broker: me,
                            tp: tp.clone(),
                            from_offset: leo_before,
                            to_offset: log.log_end_offset(),
                            reason: TruncationReason::HighWatermarkOnBecomingFollower,
                        },
                    );
                }
            }
            if is_internal(&tp.topic) {
                record_coordinator_move(&b.events, me, tp, replica, was_leader, &change, now);
            }
            replica.advance_hw(log, min_isr);
            record_hw_freeze(&b.events, me, tp, replica, frozen_before, min_isr, now);
            // Waiters re-check: the role, ISR or HW may have changed.
            to_wake.push(replica.progress().clone());
        }
        drop(disk);
        b.image = image;
    }
    for (tp, leader, generation) in to_follow {
        tokio::task::spawn_local(fetcher::follow(h.clone(), tp, leader, generation));
    }
    for progress in to_wake {
        progress.notify_waiters();
    }
}

/// Is the HW frozen because the confirmed ISR is below `min.insync.replicas`
/// (`isr::high_watermark`)? `None` unless leading.
fn hw_frozen(r: &Replica, min_insync_replicas: u32) -> Option<bool> {
    r.isr()
        .map(|isr| (isr.committed().len() as u32) < min_insync_replicas)
}

/// Record the HW freezing or thawing on a leader; a leadership that starts
/// frozen counts as freezing, one that ends does not count as thawing.
fn record_hw_freeze(
    events: &EventLog,
    me: BrokerId,
    tp: &TopicPartition,
    r: &Replica,
    frozen_before: Option<bool>,
    min_insync_replicas: u32,
    at_ms: u64,
) {
    let Some(isr) = r.isr() else {
        return;
    };
    let frozen = hw_frozen(r, min_insync_replicas) == Some(true);
    let event = match (frozen_before == Some(true), frozen) {
        (false, true) => ClusterEvent::HwFrozen {
            broker: me,
            tp: tp.clone(),
            isr: isr.committed().to_vec(),
            min_insync_replicas,
            high_watermark: r.high_watermark(),
        },
        (true, false) => ClusterEvent::HwUnfrozen {
            broker: me,
            tp: tp.clone(),
            isr: isr.committed().to_vec(),
            high_watermark: r.high_watermark(),
        },
        _ => return,
    };
    events.record(at_ms, event);
}

/// Leading a `__consumer_offsets` partition makes this broker its groups'
/// coordinator (loaded afresh at every new leader epoch); losing it ends that.
fn record_coordinator_move(
    events: &EventLog,
    me: BrokerId,
    tp: &TopicPartition,
    r: &Replica,
    was_leader: bool,
    change: &RoleChange,
    at_ms: u64,
) {
    let tp = tp.clone();
    if *change == RoleChange::BecameLeader {
        let leader_epoch = r.leader_epoch();
        events.record(
            at_ms,
            ClusterEvent::CoordinatorLoaded {
                broker: me,
                tp,
                leader_epoch,
            },
        );
    } else if was_leader && !r.is_leader() {
        events.record(at_ms, ClusterEvent::CoordinatorUnloaded { broker: me, tp });
    }
}

/// Kafka's AlterPartitionManager sends again after a failed request 50 ms later.
const ALTER_PARTITION_RETRY_BACKOFF_MS: u64 = 50;

/// Send an ISR change the leader decided on (its pending state is already set,
/// so no second one starts for this partition). A request that got no answer
/// is sent again, unchanged, for as long as it is still the pending one: the
/// controller may have applied it, and only an answer or newer metadata tells
/// (KIP-497). An answer commits the ISR; a refusal leaves the pending state
/// for the next metadata to replace.
pub fn submit_alter_partition(h: &BrokerHandle, sent: AlterPartitionProposal) {
    let h = h.clone();
    {
        let b = h.state.borrow();
        let (change, members) = match sent.change() {
            PendingChange::Expand { joining } => (IsrChangeKind::Expand, vec![*joining]),
            PendingChange::Shrink { leaving } => (IsrChangeKind::Shrink, leaving.clone()),
        };
        b.events.record(
            now_ms(),
            ClusterEvent::IsrProposed {
                broker: b.id,
                tp: sent.tp.clone(),
                change,
                members,
                proposed_isr: sent.new_isr.clone(),
                partition_epoch: sent.partition_epoch,
            },
        );
    }
    tokio::task::spawn_local(async move {
        loop {
            let (req, timeout_ms) = {
                let b = h.state.borrow();
                let req = Request::AlterPartition {
                    broker: b.id,
                    incarnation: b.incarnation,
                    tp: sent.tp.clone(),
                    leader_epoch: sent.leader_epoch,
                    partition_epoch: sent.partition_epoch,
                    new_isr: sent.new_isr.clone(),
                };
                (req, b.config.controller_request_timeout_ms)
            };
            let resp = h.controller.lock().await.call(&req, timeout_ms).await;
            let after = {
                let mut b = h.state.borrow_mut();
                let min_isr = b.min_insync_replicas(&sent.tp);
                let disk = b.disk.clone();
                let (events, me) = (b.events.clone(), b.id);
                let Some(r) = b.replicas.get_mut(&sent.tp) else {
                    return;
                };
                let answer = match &resp {
                    Ok(Response::AlterPartition { result: Ok(state) }) => {
                        AlterPartitionAnswer::Accepted(state)
                    }
                    Ok(Response::AlterPartition { result: Err(_) }) => {
                        AlterPartitionAnswer::Refused
                    }
                    _ => AlterPartitionAnswer::NoAnswer,
                };
                let frozen_before = hw_frozen(r, min_isr);
                let after = r.on_alter_partition_answer(&sent, answer);
                let now = now_ms();
                if after == AfterAlterPartition::Committed {
                    if let Some(log) = disk.borrow().log(&sent.tp) {
                        r.advance_hw(log, min_isr);
                    }
                    r.progress().notify_waiters();
                    let (isr, partition_epoch) = r
                        .isr()
                        .map(|i| (i.committed().to_vec(), i.partition_epoch()))
                        .unwrap_or_default();
                    events.record(
                        now,
                        ClusterEvent::IsrAcknowledged {
                            broker: me,
                            tp: sent.tp.clone(),
                            isr,
                            partition_epoch,
                        },
                    );
                    record_hw_freeze(&events, me, &sent.tp, r, frozen_before, min_isr, now);
                } else if after == AfterAlterPartition::Retry {
                    events.record(
                        now,
                        ClusterEvent::AlterPartitionRetry {
                            broker: me,
                            tp: sent.tp.clone(),
                            proposed_isr: sent.new_isr.clone(),
                        },
                    );
                }
                after
            };
            if after != AfterAlterPartition::Retry {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(
                ALTER_PARTITION_RETRY_BACKOFF_MS,
            ))
            .await;
            let still_pending = h
                .state
                .borrow()
                .replicas
                .get(&sent.tp)
                .is_some_and(|r| r.is_pending(&sent));
            if !still_pending {
                return;
            }
        }
    });
}
