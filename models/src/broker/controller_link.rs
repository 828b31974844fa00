//! The broker's side of the controller: heartbeats that bring back metadata, role
//! changes from that metadata, and ISR change proposals.
use super::replica::{Replica, RoleChange};
use super::{fetcher, BrokerHandle};
use crate::ids::{deadline_after_ms, now_ms, BrokerId, TopicPartition};
use crate::ids::{CONTROLLER_HOST, CONTROLLER_PORT};
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
            if let RoleChange::BecameFollower { leader } =
                replica.apply(me, state, log, legacy, now)
            {
                to_follow.push((tp.clone(), leader, replica.generation));
            }
            let min_isr = b
                .topics
                .get(&tp.topic)
                .map_or(b.config.min_insync_replicas, |t| t.min_insync_replicas);
            replica.advance_hw(me, log, min_isr);
            // Waiters re-check: the role, ISR or HW may have changed.
            to_wake.push(replica.progress.clone());
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

/// Ask the controller to change a partition's ISR (at most one request in flight
/// per partition). The answer, or later metadata, updates the leader's view.
pub fn propose_isr(h: &BrokerHandle, tp: TopicPartition, new_isr: Vec<BrokerId>) {
    let req = {
        let mut b = h.state.borrow_mut();
        let (me, incarnation) = (b.id, b.incarnation);
        let Some(r) = b.replicas.get_mut(&tp) else {
            return;
        };
        let (leader_epoch, partition_epoch) = (r.leader_epoch, r.partition_epoch);
        let Some(l) = r.leader_state() else { return };
        if l.alter_in_flight || l.isr == new_isr {
            return;
        }
        l.alter_in_flight = true;
        Request::AlterPartition {
            broker: me,
            incarnation,
            tp: tp.clone(),
            leader_epoch,
            partition_epoch,
            new_isr,
        }
    };
    let h = h.clone();
    tokio::task::spawn_local(async move {
        let timeout_ms = h.state.borrow().config.controller_request_timeout_ms;
        let resp = h.controller.lock().await.call(&req, timeout_ms).await;
        let mut b = h.state.borrow_mut();
        let me = b.id;
        let min_isr = b.min_insync_replicas(&tp);
        let disk = b.disk.clone();
        let Some(r) = b.replicas.get_mut(&tp) else {
            return;
        };
        let epoch = r.leader_epoch;
        if let Some(l) = r.leader_state() {
            l.alter_in_flight = false;
        }
        if let Ok(Response::AlterPartition { result: Ok(state) }) = resp {
            if state.leader_epoch == epoch && state.partition_epoch > r.partition_epoch {
                r.partition_epoch = state.partition_epoch;
                if let Some(l) = r.leader_state() {
                    l.isr = state.isr;
                }
                let disk = disk.borrow();
                if let Some(log) = disk.log(&tp) {
                    r.advance_hw(me, log, min_isr);
                }
            }
        }
        r.progress.notify_waiters();
    });
}
