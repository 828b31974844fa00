//! The broker's idempotence table: per producer id, its epoch and the last five
//! batches' sequence ranges, so a retried batch is answered with its original offset.
use crate::batch::RecordBatch;
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
    recent: VecDeque<BatchMeta>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStateTable {
    producers: BTreeMap<ProducerId, ProducerEntry>,
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

    /// Called for every appended batch, on leaders and followers alike, so that a
    /// new leader already knows every producer's sequence.
    pub fn update(&mut self, batch: &RecordBatch) {
        if !batch.has_producer_id() || batch.control.is_some() {
            return;
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
