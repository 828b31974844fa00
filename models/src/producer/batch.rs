//! A producer-side batch: records waiting for one produce request, with what the
//! producer knows about whether any attempt may have been written.
use crate::batch::{Record, RecordBatch};
use crate::ids::{ProducerId, TopicPartition, NO_SEQUENCE};
use tokio::sync::oneshot;

/// The outcome the application sees for one record.
pub type SendOutcome = Result<Option<i64>, SendError>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendError {
    /// Kafka's error name, or TIMEOUT / DISCONNECTED for network failures.
    pub error: String,
    /// True only when no attempt can have been written: a `fail` in the history.
    /// Otherwise the outcome is unknown (`info`).
    pub definitely_failed: bool,
}

pub struct PendingRecord {
    pub record: Record,
    pub reply: oneshot::Sender<SendOutcome>,
}

pub struct ProducerBatch {
    /// Creation order within the producer: a partition's batches are numbered
    /// in this order, so it is also their sequence order.
    pub id: u64,
    pub tp: TopicPartition,
    pub records: Vec<PendingRecord>,
    pub size_bytes: u64,
    pub created_ms: u64,
    pub attempts: u32,
    pub retry_after_ms: u64,
    pub base_sequence: i32,
    /// The producer id and epoch `base_sequence` belongs to: a sequence is only
    /// meaningful within one idempotence session.
    pub sequenced_by: Option<(ProducerId, i16)>,
    /// Some attempt had an unknown outcome (timeout, disconnect, an error after append).
    pub maybe_written: bool,
    /// The error of the last failed attempt: what the batch fails with if it
    /// cannot be retried.
    pub last_error: Option<&'static str>,
}

impl ProducerBatch {
    pub fn new(id: u64, tp: TopicPartition, now_ms: u64) -> Self {
        Self {
            id,
            tp,
            records: Vec::new(),
            size_bytes: 0,
            created_ms: now_ms,
            attempts: 0,
            retry_after_ms: 0,
            base_sequence: NO_SEQUENCE,
            sequenced_by: None,
            maybe_written: false,
            last_error: None,
        }
    }

    pub fn to_wire(&self, producer: Option<(ProducerId, i16)>) -> RecordBatch {
        let mut b = RecordBatch::new(self.records.iter().map(|r| r.record.clone()).collect());
        if let Some((pid, epoch)) = producer {
            b.producer_id = pid;
            b.producer_epoch = epoch;
            b.base_sequence = self.base_sequence;
        }
        b
    }

    pub fn complete(self, base_offset: Option<i64>) {
        for (i, r) in self.records.into_iter().enumerate() {
            let _ = r.reply.send(Ok(base_offset.map(|o| o + i as i64)));
        }
    }

    pub fn fail(self, error: &str) {
        let err = SendError {
            error: error.to_string(),
            definitely_failed: !self.maybe_written,
        };
        for r in self.records {
            let _ = r.reply.send(Err(err.clone()));
        }
    }
}
