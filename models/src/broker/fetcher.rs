//! A follower's fetch loop for one partition: pull from the leader, truncate where
//! the logs diverge, append, and take the leader's HW (capped at our own LEO).
use super::{flush_if_due, BrokerHandle};
use crate::events::{ClusterEvent, EventLog, TruncationReason};
use crate::ids::{broker_host, now_ms, BrokerId, TopicPartition, BROKER_PORT};
use crate::leader_epoch::UNDEFINED_EPOCH;
use crate::protocol::{FollowerFetch, Request, Response};
use crate::rpc::Channel;
use std::time::Duration;

const MAX_BATCHES_PER_FETCH: u32 = 64;

pub async fn follow(h: BrokerHandle, tp: TopicPartition, leader: BrokerId, generation: u64) {
    let mut channel = Channel::new(broker_host(leader), BROKER_PORT);
    let (backoff_ms, wait_ms, timeout_ms) = {
        let c = &h.state.borrow().config;
        (
            c.replica_fetch_backoff_ms,
            c.replica_fetch_wait_max_ms,
            c.controller_request_timeout_ms,
        )
    };
    loop {
        let req = {
            let b = h.state.borrow();
            let Some(r) = b.replicas.get(&tp).filter(|r| r.generation() == generation) else {
                return;
            };
            let disk = b.disk.borrow();
            let log = disk.log(&tp);
            Request::Fetch {
                tp: tp.clone(),
                fetch_offset: log.map_or(0, |l| l.log_end_offset()),
                replica: Some(FollowerFetch {
                    replica_id: b.id,
                    leader_epoch: r.leader_epoch(),
                    last_fetched_epoch: log.and_then(|l| l.last_batch_epoch()),
                }),
                max_batches: MAX_BATCHES_PER_FETCH,
                max_wait_ms: wait_ms,
            }
        };
        let resp = channel.call(&req, timeout_ms.saturating_add(wait_ms)).await;
        // The leader long-polls, so only errors need a backoff here.
        let ok = match resp {
            Ok(Response::Fetch { result: Ok(data) }) => {
                apply(&h, &tp, generation, data);
                true
            }
            _ => false,
        };
        if !ok {
            tokio::time::sleep(Duration::from_millis(backoff_ms)).await;
        }
    }
}

/// Apply one fetch response.
fn apply(h: &BrokerHandle, tp: &TopicPartition, generation: u64, data: crate::protocol::FetchData) {
    let mut guard = h.state.borrow_mut();
    let b = &mut *guard;
    let topic = b.topics.get(&tp.topic).cloned();
    let Some(r) = b
        .replicas
        .get_mut(tp)
        .filter(|r| r.generation() == generation)
    else {
        return;
    };
    let mut disk = b.disk.borrow_mut();
    let log = disk.log_mut(tp);
    if let Some((epoch, end)) = data.diverging {
        let leo = log.log_end_offset();
        let truncate_to = if epoch == UNDEFINED_EPOCH {
            end.min(leo)
        } else {
            // Truncate to the end of the largest epoch both logs agree on (KIP-279).
            let (our_epoch, our_end) = log.epochs.end_offset_for(epoch, leo);
            if our_epoch == epoch {
                end.min(our_end)
            } else {
                our_end.min(end)
            }
        };
        log.truncate_to(truncate_to.max(0));
        record_truncation(&b.events, b.id, tp, leo, log.log_end_offset(), epoch);
        r.clamp_hw(log);
        return;
    }
    for batch in data.batches {
        if batch.base_offset == log.log_end_offset() {
            log.append_as_follower(batch);
        }
    }
    flush_if_due(log, topic.as_ref(), now_ms());
    r.follow_leader_hw(data.high_watermark, log);
}

/// A divergence answer that cut the log: by the leader's epoch cache
/// (KIP-101/279), or pre-KIP-101 to the leader's log end.
fn record_truncation(
    events: &EventLog,
    me: BrokerId,
    tp: &TopicPartition,
    from_offset: i64,
    to_offset: i64,
    leader_epoch: i32,
) {
    if to_offset >= from_offset {
        return;
    }
    let reason = if leader_epoch == UNDEFINED_EPOCH {
        TruncationReason::LeaderLogEnd
    } else {
        TruncationReason::LeaderEpoch
    };
    events.record(
        now_ms(),
        ClusterEvent::Truncation {
            broker: me,
            tp: tp.clone(),
            from_offset,
            to_offset,
            reason,
        },
    );
}
