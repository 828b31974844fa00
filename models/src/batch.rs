//! Record batches: the unit of append, replication and idempotence.
use crate::ids::{ProducerId, NO_PRODUCER_ID, NO_SEQUENCE};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: Option<Vec<u8>>,
    pub value: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlMarker {
    Commit,
    Abort,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordBatch {
    /// Assigned by the leader on append; ignored in a produce request.
    pub base_offset: i64,
    pub leader_epoch: i32,
    pub producer_id: ProducerId,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub is_transactional: bool,
    pub control: Option<ControlMarker>,
    /// A marker's transaction-coordinator epoch (Kafka's EndTransactionMarker
    /// `coordinatorEpoch`): a marker from an older coordinator is fenced.
    /// -1 on every other batch.
    pub coordinator_epoch: i32,
    pub records: Vec<Record>,
}

impl RecordBatch {
    pub fn new(records: Vec<Record>) -> Self {
        Self {
            base_offset: 0,
            leader_epoch: -1,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: -1,
            base_sequence: NO_SEQUENCE,
            is_transactional: false,
            control: None,
            coordinator_epoch: -1,
            records,
        }
    }

    pub fn record_count(&self) -> i64 {
        self.records.len().max(1) as i64
    }

    pub fn last_offset(&self) -> i64 {
        self.base_offset + self.record_count() - 1
    }

    /// The offset right after this batch.
    pub fn next_offset(&self) -> i64 {
        self.base_offset + self.record_count()
    }

    pub fn last_sequence(&self) -> i32 {
        self.base_sequence + self.record_count() as i32 - 1
    }

    pub fn has_producer_id(&self) -> bool {
        self.producer_id != NO_PRODUCER_ID
    }
}
