//! The produce path on a partition leader: acks 0, 1 and all, the min.insync check
//! before the append, idempotent de-duplication, and the wait for the HW; and
//! transaction markers (control batches) a coordinator writes, acks=all.
use super::{flush_if_due, BrokerHandle};
use crate::batch::{ControlMarker, RecordBatch};
use crate::config::Acks;
use crate::error_code::ErrorCode;
use crate::events::ClusterEvent;
use crate::ids::{deadline_after_ms, now_ms, ProducerId, TopicPartition};
use crate::producer_state::{SequenceCheck, SequenceError};
use crate::protocol::Response;

pub async fn handle(
    h: &BrokerHandle,
    tp: TopicPartition,
    acks: Acks,
    timeout_ms: u64,
    batch: RecordBatch,
) -> Option<Response> {
    handle_from(h, tp, acks, timeout_ms, batch, Origin::Client).await
}

/// Who wrote a batch (Kafka's AppendOrigin): a coordinator's own transactional
/// offset commits carry the producer's id and epoch but no sequence, and are
/// not sequence-checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Client,
    Coordinator,
}

pub async fn handle_from(
    h: &BrokerHandle,
    tp: TopicPartition,
    acks: Acks,
    timeout_ms: u64,
    batch: RecordBatch,
    origin: Origin,
) -> Option<Response> {
    let appended = append(h, &tp, acks, batch, origin);
    let reply = |result| Some(Response::Produce { result });
    let (base_offset, next_offset, epoch) = match appended {
        Err(e) => {
            return if acks == Acks::Zero {
                None
            } else {
                reply(Err(e))
            }
        }
        Ok(a) => a,
    };
    match acks {
        Acks::Zero => None,
        Acks::One => reply(Ok(base_offset)),
        Acks::All => reply(
            wait_for_hw(h, &tp, next_offset, epoch, timeout_ms)
                .await
                .map(|()| base_offset),
        ),
    }
}

/// WriteTxnMarkers for one partition (Kafka appends it with acks=-1): a
/// control batch ending `producer_id`'s transaction here. Refused if a newer
/// epoch of the producer has written here already.
pub async fn write_marker(
    h: &BrokerHandle,
    tp: TopicPartition,
    producer_id: ProducerId,
    producer_epoch: i16,
    marker: ControlMarker,
    coordinator_epoch: i32,
    timeout_ms: u64,
) -> Result<i64, ErrorCode> {
    {
        let b = h.state.borrow();
        let disk = b.disk.borrow();
        if let Some(log) = disk.log(&tp) {
            log.producers()
                .check_marker(producer_id, producer_epoch, coordinator_epoch)
                .map_err(|e| match e {
                    SequenceError::CoordinatorFenced => ErrorCode::TransactionCoordinatorFenced,
                    _ => ErrorCode::InvalidProducerEpoch,
                })?;
        }
    }
    let mut batch = RecordBatch::new(Vec::new());
    batch.producer_id = producer_id;
    batch.producer_epoch = producer_epoch;
    batch.is_transactional = true;
    batch.control = Some(marker);
    batch.coordinator_epoch = coordinator_epoch;
    let (offset, next, epoch) = append(h, &tp, Acks::All, batch, Origin::Coordinator)?;
    {
        let b = h.state.borrow();
        b.events.record(
            now_ms(),
            ClusterEvent::TxnMarkerWritten {
                broker: b.id,
                tp: tp.clone(),
                producer_id,
                producer_epoch,
                commit: marker == ControlMarker::Commit,
                offset,
            },
        );
    }
    wait_for_hw(h, &tp, next, epoch, timeout_ms)
        .await
        .map(|()| offset)
}

/// Append on the leader. Returns (base offset, next offset, leader epoch).
fn append(
    h: &BrokerHandle,
    tp: &TopicPartition,
    acks: Acks,
    batch: RecordBatch,
    origin: Origin,
) -> Result<(i64, i64, i32), ErrorCode> {
    let mut guard = h.state.borrow_mut();
    let b = &mut *guard;
    let min_isr = b.min_insync_replicas(tp);
    let topic = b.topics.get(&tp.topic).cloned();
    let replica = b
        .replicas
        .get_mut(tp)
        .ok_or(ErrorCode::UnknownTopicOrPartition)?;
    let epoch = replica.leader_epoch();
    // Kafka's appendRecordsToLeader counts the confirmed ISR here.
    let isr_len = replica
        .isr()
        .ok_or(ErrorCode::NotLeaderOrFollower)?
        .committed()
        .len() as u32;
    if acks == Acks::All && isr_len < min_isr {
        return Err(ErrorCode::NotEnoughReplicas);
    }
    let mut disk = b.disk.borrow_mut();
    let log = disk.log_mut(tp);
    let checked = match origin {
        Origin::Client => log.producers().check(&batch),
        Origin::Coordinator => log
            .producers()
            .check_marker(
                batch.producer_id,
                batch.producer_epoch,
                // A transactional offset commit carries no coordinator
                // epoch: only its producer epoch is checked.
                if batch.control.is_some() {
                    batch.coordinator_epoch
                } else {
                    i32::MAX
                },
            )
            .map(|()| SequenceCheck::Append),
    };
    let (base, next) = match checked {
        Err(SequenceError::OutOfOrderSequence) => return Err(ErrorCode::OutOfOrderSequenceNumber),
        Err(SequenceError::InvalidProducerEpoch) => return Err(ErrorCode::InvalidProducerEpoch),
        Err(SequenceError::CoordinatorFenced) => {
            return Err(ErrorCode::TransactionCoordinatorFenced)
        }
        // A retry of a batch we already have: answer with its original offset.
        Ok(SequenceCheck::Duplicate { base_offset }) => {
            (base_offset, base_offset + batch.record_count())
        }
        Ok(SequenceCheck::Append) => {
            let appended = log.append_as_leader(batch, epoch);
            let range = (appended.base_offset, appended.next_offset());
            flush_if_due(log, topic.as_ref(), now_ms());
            range
        }
    };
    replica.advance_hw(log, min_isr);
    // New records for parked follower fetches, maybe a new HW for acks=all.
    replica.progress().notify_waiters();
    Ok((base, next, epoch))
}

/// acks=all: wait until the HW passes the batch. Kafka's answer if the ISR shrank
/// below the minimum by then is NOT_ENOUGH_REPLICAS_AFTER_APPEND: the record is in
/// the log and may well be committed, but the producer is told it failed.
async fn wait_for_hw(
    h: &BrokerHandle,
    tp: &TopicPartition,
    required_offset: i64,
    epoch: i32,
    timeout_ms: u64,
) -> Result<(), ErrorCode> {
    let deadline = deadline_after_ms(timeout_ms);
    let progress = h
        .state
        .borrow()
        .replicas
        .get(tp)
        .map(|r| r.progress().clone())
        .ok_or(ErrorCode::UnknownTopicOrPartition)?;
    loop {
        let notified = progress.notified();
        {
            let mut b = h.state.borrow_mut();
            let min_isr = b.min_insync_replicas(tp);
            let r = b
                .replicas
                .get_mut(tp)
                .ok_or(ErrorCode::UnknownTopicOrPartition)?;
            if r.leader_epoch() != epoch || !r.is_leader() {
                return Err(ErrorCode::NotLeaderOrFollower);
            }
            if r.high_watermark() >= required_offset {
                // Kafka's checkEnoughReplicasReachOffset counts the maximal ISR.
                let isr_len = r.isr().map_or(0, |isr| isr.maximal().len()) as u32;
                return if isr_len < min_isr {
                    Err(ErrorCode::NotEnoughReplicasAfterAppend)
                } else {
                    Ok(())
                };
            }
        }
        tokio::select! {
            biased;
            _ = notified => {}
            _ = tokio::time::sleep_until(deadline) => return Err(ErrorCode::RequestTimedOut),
        }
    }
}
