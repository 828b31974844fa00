//! Kafka's RecordAccumulator: per-partition queues of batches, filled up to
//! `batch.size`, sent when full or after `linger.ms`, re-enqueued on retry.
use super::batch::{PendingRecord, ProducerBatch};
use crate::ids::{TopicPartition, NO_SEQUENCE};
use std::collections::{BTreeMap, VecDeque};

#[derive(Default)]
pub struct Accumulator {
    pub queues: BTreeMap<TopicPartition, VecDeque<ProducerBatch>>,
    next_batch_id: u64,
}

impl Accumulator {
    pub fn append(&mut self, tp: TopicPartition, rec: PendingRecord, batch_size: u64, now_ms: u64) {
        let size = 8 + rec.record.value.len() as u64;
        let q = self.queues.entry(tp.clone()).or_default();
        let fits = q.back().is_some_and(|b| {
            b.attempts == 0 && (b.size_bytes + size <= batch_size || b.records.is_empty())
        });
        if !fits {
            self.next_batch_id += 1;
            q.push_back(ProducerBatch::new(self.next_batch_id, tp, now_ms));
        }
        let b = q.back_mut().expect("ensured above");
        b.size_bytes += size;
        b.records.push(rec);
    }

    /// Put a failed batch back. Without idempotence Kafka puts it at the front of
    /// the queue, so two batches failing in a row come back in reverse order:
    /// one of the ways a retried batch lands after a later one. With idempotence
    /// it goes back in sequence order (creation order, which is the same thing
    /// within a session).
    pub fn reenqueue(&mut self, batch: ProducerBatch, in_sequence_order: bool) {
        let q = self.queues.entry(batch.tp.clone()).or_default();
        if in_sequence_order {
            let at = q.iter().position(|b| b.id > batch.id).unwrap_or(q.len());
            q.insert(at, batch);
        } else {
            q.push_front(batch);
        }
    }

    /// Is the front batch of this queue ready to send at `now_ms`?
    pub fn ready(
        q: &VecDeque<ProducerBatch>,
        now_ms: u64,
        linger_ms: u64,
        batch_size: u64,
    ) -> bool {
        q.front().is_some_and(|b| {
            b.retry_after_ms <= now_ms
                && (b.attempts > 0
                    || q.len() > 1
                    || b.size_bytes >= batch_size
                    || now_ms >= b.created_ms.saturating_add(linger_ms))
        })
    }

    /// The next time something queued becomes sendable or expires.
    pub fn next_deadline_ms(&self, linger_ms: u64, delivery_timeout_ms: u64) -> Option<u64> {
        self.queues
            .values()
            .flat_map(|q| q.front())
            .map(|b| {
                b.created_ms
                    .saturating_add(linger_ms)
                    .max(b.retry_after_ms)
                    .min(b.created_ms.saturating_add(delivery_timeout_ms))
            })
            .min()
    }

    /// Remove queued batches past `delivery.timeout.ms`.
    pub fn expired(&mut self, now_ms: u64, delivery_timeout_ms: u64) -> Vec<ProducerBatch> {
        let mut out = Vec::new();
        for q in self.queues.values_mut() {
            while q
                .front()
                .is_some_and(|b| now_ms >= b.created_ms.saturating_add(delivery_timeout_ms))
            {
                out.push(q.pop_front().expect("checked"));
            }
        }
        out
    }

    /// Remove every batch that has a sequence number (it was sent before), in
    /// queue order: an idempotence session ended and they cannot be resent.
    pub fn take_sequenced(&mut self) -> Vec<ProducerBatch> {
        let mut out = Vec::new();
        for q in self.queues.values_mut() {
            let (sent, never_sent): (VecDeque<_>, VecDeque<_>) = std::mem::take(q)
                .into_iter()
                .partition(|b| b.base_sequence != NO_SEQUENCE);
            *q = never_sent;
            out.extend(sent);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Record;

    fn record() -> PendingRecord {
        let (reply, _) = tokio::sync::oneshot::channel();
        PendingRecord {
            record: Record {
                key: None,
                value: vec![0],
            },
            reply,
        }
    }

    #[test]
    fn timers_saturate_instead_of_overflowing() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        acc.append(tp.clone(), record(), 16_384, 5);
        let (linger_ms, delivery_timeout_ms) = (u64::MAX, u64::MAX);
        assert!(!Accumulator::ready(&acc.queues[&tp], 10, linger_ms, 16_384));
        assert_eq!(
            acc.next_deadline_ms(linger_ms, delivery_timeout_ms),
            Some(u64::MAX)
        );
        assert!(acc.expired(u64::MAX - 1, delivery_timeout_ms).is_empty());
    }

    #[test]
    fn take_sequenced_keeps_batches_never_sent() {
        let mut acc = Accumulator::default();
        let tp = TopicPartition::new("t", 0);
        acc.append(tp.clone(), record(), 0, 0);
        acc.append(tp.clone(), record(), 0, 0);
        acc.queues.get_mut(&tp).expect("queued")[0].base_sequence = 0;
        let taken: Vec<u64> = acc.take_sequenced().iter().map(|b| b.id).collect();
        assert_eq!(taken, vec![1]);
        let left: Vec<u64> = acc.queues[&tp].iter().map(|b| b.id).collect();
        assert_eq!(left, vec![2]);
    }
}
