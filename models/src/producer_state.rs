//! The broker's producer-state table: per producer id, its epoch and the last
//! five batches' sequence ranges, so a retried batch is answered with its
//! original offset; and, for transactions (Kafka's ProducerStateManager), the
//! first offset of each producer's open transaction on this partition (which
//! gives the last stable offset) and the aborted-transaction index. All of it
//! is derived from the log, so a new leader, a restarted broker or one that
//! lost power rebuilds it from what its log holds.
use crate::batch::{ControlMarker, RecordBatch};
use crate::ids::ProducerId;
use std::collections::{BTreeMap, VecDeque};

/// Kafka keeps the metadata of the last 5 batches per producer (hence in-flight ≤ 5).
pub const DUPLICATE_WINDOW: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
struct BatchMeta {
    first_seq: i32,
    last_seq: i32,
    base_offset: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ProducerEntry {
    epoch: i16,
    /// The newest transaction coordinator epoch of this producer's markers here.
    coordinator_epoch: i32,
    recent: VecDeque<BatchMeta>,
}

/// One entry of the aborted-transaction index (Kafka's `AbortedTxn`): the
/// records of `producer_id` from `first_offset` up to the ABORT marker at
/// `last_offset` belong to an aborted transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AbortedTxn {
    pub producer_id: ProducerId,
    pub first_offset: i64,
    pub last_offset: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStateTable {
    producers: BTreeMap<ProducerId, ProducerEntry>,
    /// The first offset of each producer's open transaction here.
    open_transactions: BTreeMap<ProducerId, i64>,
    /// Aborted transactions, in marker order.
    aborted: Vec<AbortedTxn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceCheck {
    /// The batch is new and in order: append it.
    Append,
    /// The batch was already appended at this base offset: answer without appending.
    Duplicate { base_offset: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceError {
    OutOfOrderSequence,
    InvalidProducerEpoch,
    /// A marker from a transaction coordinator older than one that already
    /// wrote a marker for this producer (Kafka's
    /// TRANSACTION_COORDINATOR_FENCED): a zombie coordinator.
    CoordinatorFenced,
}

impl ProducerStateTable {
    pub fn check(&self, batch: &RecordBatch) -> Result<SequenceCheck, SequenceError> {
        if !batch.has_producer_id() {
            return Ok(SequenceCheck::Append);
        }
        let Some(entry) = self.producers.get(&batch.producer_id) else {
            // Unknown producer (new, or its state was lost with the log): accept.
            return Ok(SequenceCheck::Append);
        };
        if batch.producer_epoch < entry.epoch {
            return Err(SequenceError::InvalidProducerEpoch);
        }
        if batch.producer_epoch > entry.epoch {
            // A bumped epoch restarts sequences at 0.
            return if batch.base_sequence == 0 {
                Ok(SequenceCheck::Append)
            } else {
                Err(SequenceError::OutOfOrderSequence)
            };
        }
        if let Some(dup) = entry
            .recent
            .iter()
            .find(|m| m.first_seq == batch.base_sequence && m.last_seq == batch.last_sequence())
        {
            return Ok(SequenceCheck::Duplicate {
                base_offset: dup.base_offset,
            });
        }
        match entry.recent.back() {
            Some(last) if batch.base_sequence != last.last_seq.wrapping_add(1) => {
                Err(SequenceError::OutOfOrderSequence)
            }
            _ => Ok(SequenceCheck::Append),
        }
    }

    /// A transaction marker of `epoch` for `producer_id` (WriteTxnMarkers)
    /// from the coordinator of `coordinator_epoch`: Kafka refuses one older
    /// than the producer's epoch here, or from an older coordinator
    /// (ProducerAppendInfo.appendEndTxnMarker).
    pub fn check_marker(
        &self,
        producer_id: ProducerId,
        epoch: i16,
        coordinator_epoch: i32,
    ) -> Result<(), SequenceError> {
        match self.producers.get(&producer_id) {
            Some(entry) if epoch < entry.epoch => Err(SequenceError::InvalidProducerEpoch),
            Some(entry) if coordinator_epoch < entry.coordinator_epoch => {
                Err(SequenceError::CoordinatorFenced)
            }
            _ => Ok(()),
        }
    }

    /// Does `producer_id` have a transaction open on this partition?
    pub fn has_open_transaction(&self, producer_id: ProducerId) -> bool {
        self.open_transactions.contains_key(&producer_id)
    }

    /// The first offset of the oldest open transaction: the last stable offset
    /// is this or the high watermark, whichever is lower.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.open_transactions.values().copied().min()
    }

    /// The aborted transactions with records in `[from, to)`, what a
    /// read_committed fetch of that range returns beside the records.
    pub fn aborted_in(&self, from: i64, to: i64) -> Vec<AbortedTxn> {
        self.aborted
            .iter()
            .filter(|a| a.last_offset >= from && a.first_offset < to)
            .copied()
            .collect()
    }

    /// A marker: the producer's open transaction here ends (an ABORT enters
    /// the index), and the producer's epoch becomes the marker's, so a write of
    /// an older epoch is fenced from now on.
    fn complete_transaction(&mut self, batch: &RecordBatch, marker: ControlMarker) {
        let entry = self.producers.entry(batch.producer_id).or_default();
        if batch.producer_epoch > entry.epoch {
            entry.epoch = batch.producer_epoch;
            entry.recent.clear();
        }
        entry.coordinator_epoch = entry.coordinator_epoch.max(batch.coordinator_epoch);
        if let Some(first_offset) = self.open_transactions.remove(&batch.producer_id) {
            if marker == ControlMarker::Abort {
                self.aborted.push(AbortedTxn {
                    producer_id: batch.producer_id,
                    first_offset,
                    last_offset: batch.base_offset,
                });
            }
        }
    }

    /// Called for every appended batch, on leaders and followers alike, so that a
    /// new leader already knows every producer's sequence and open transaction.
    pub fn update(&mut self, batch: &RecordBatch) {
        if !batch.has_producer_id() {
            return;
        }
        if let Some(marker) = batch.control {
            self.complete_transaction(batch, marker);
            return;
        }
        if batch.is_transactional {
            self.open_transactions
                .entry(batch.producer_id)
                .or_insert(batch.base_offset);
        }
        let entry = self.producers.entry(batch.producer_id).or_default();
        if batch.producer_epoch != entry.epoch {
            entry.epoch = batch.producer_epoch;
            entry.recent.clear();
        }
        entry.recent.push_back(BatchMeta {
            first_seq: batch.base_sequence,
            last_seq: batch.last_sequence(),
            base_offset: batch.base_offset,
        });
        if entry.recent.len() > DUPLICATE_WINDOW {
            entry.recent.pop_front();
        }
    }

    pub fn rebuild<'a>(batches: impl IntoIterator<Item = &'a RecordBatch>) -> Self {
        let mut table = Self::default();
        for b in batches {
            table.update(b);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Record;

    fn txn_batch(pid: ProducerId, epoch: i16, seq: i32, at: i64) -> RecordBatch {
        let mut b = RecordBatch::new(vec![Record {
            key: None,
            value: vec![1],
        }]);
        b.producer_id = pid;
        b.producer_epoch = epoch;
        b.base_sequence = seq;
        b.is_transactional = true;
        b.base_offset = at;
        b
    }

    fn marker(pid: ProducerId, epoch: i16, m: ControlMarker, at: i64) -> RecordBatch {
        let mut b = RecordBatch::new(Vec::new());
        b.producer_id = pid;
        b.producer_epoch = epoch;
        b.is_transactional = true;
        b.control = Some(m);
        b.base_offset = at;
        b
    }

    #[test]
    fn open_transactions_hold_the_lso_and_aborts_enter_the_index() {
        let mut t = ProducerStateTable::default();
        t.update(&txn_batch(1, 0, 0, 0));
        t.update(&txn_batch(2, 0, 0, 1));
        t.update(&txn_batch(1, 0, 1, 2));
        assert_eq!(t.first_unstable_offset(), Some(0));
        t.update(&marker(1, 0, ControlMarker::Abort, 3));
        assert_eq!(t.first_unstable_offset(), Some(1));
        assert!(!t.has_open_transaction(1));
        t.update(&marker(2, 0, ControlMarker::Commit, 4));
        assert_eq!(t.first_unstable_offset(), None);
        let aborted = AbortedTxn {
            producer_id: 1,
            first_offset: 0,
            last_offset: 3,
        };
        assert_eq!(t.aborted_in(0, 5), vec![aborted]);
        assert_eq!(t.aborted_in(4, 9), vec![]);
        // Rebuilt from the same batches, the same state.
        let rebuilt = ProducerStateTable::rebuild(&[
            txn_batch(1, 0, 0, 0),
            txn_batch(2, 0, 0, 1),
            txn_batch(1, 0, 1, 2),
            marker(1, 0, ControlMarker::Abort, 3),
            marker(2, 0, ControlMarker::Commit, 4),
        ]);
        assert_eq!(rebuilt, t);
    }

    #[test]
    fn a_marker_with_a_bumped_epoch_fences_the_old_one() {
        let mut t = ProducerStateTable::default();
        t.update(&txn_batch(1, 0, 0, 0));
        assert_eq!(t.check_marker(1, 0, 0), Ok(()));
        t.update(&marker(1, 1, ControlMarker::Commit, 1));
        assert_eq!(
            t.check_marker(1, 0, 0),
            Err(SequenceError::InvalidProducerEpoch)
        );
        assert_eq!(
            t.check(&txn_batch(1, 0, 1, 0)),
            Err(SequenceError::InvalidProducerEpoch)
        );
        assert_eq!(t.check(&txn_batch(1, 1, 0, 0)), Ok(SequenceCheck::Append));
        // A marker from an older coordinator (a zombie) is fenced.
        let mut m = marker(1, 1, ControlMarker::Commit, 2);
        m.coordinator_epoch = 4;
        t.update(&m);
        assert_eq!(
            t.check_marker(1, 1, 3),
            Err(SequenceError::CoordinatorFenced)
        );
        assert_eq!(t.check_marker(1, 1, 4), Ok(()));
    }
}
