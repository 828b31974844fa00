//! Kafka's RecordAccumulator: per-partition queues of batches, filled up to
//! `batch.size`, sent when full or after `linger.ms`, re-enqueued on retry.
use super::batch::{PendingRecord, ProducerBatch};
use crate::ids::TopicPartition;
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
    /// within a session and stays right across a producer id reset).
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
                    || now_ms >= b.created_ms + linger_ms)
        })
    }

    /// The next time something queued becomes sendable or expires.
    pub fn next_deadline_ms(&self, linger_ms: u64, delivery_timeout_ms: u64) -> Option<u64> {
        self.queues
            .values()
            .flat_map(|q| q.front())
            .map(|b| {
                (b.created_ms + linger_ms)
                    .max(b.retry_after_ms)
                    .min(b.created_ms + delivery_timeout_ms)
            })
            .min()
    }

    /// Remove queued batches past `delivery.timeout.ms`.
    pub fn expired(&mut self, now_ms: u64, delivery_timeout_ms: u64) -> Vec<ProducerBatch> {
        let mut out = Vec::new();
        for q in self.queues.values_mut() {
            while q
                .front()
                .is_some_and(|b| now_ms >= b.created_ms + delivery_timeout_ms)
            {
                out.push(q.pop_front().expect("checked"));
            }
        }
        out
    }
}
