//! Transaction states as records of `__transaction_state`, keyed by
//! transactional.id: the last record of a key below the high watermark is the
//! state a new coordinator loads (Kafka's TransactionStateManager reads the
//! partition the same way when it becomes the leader).
use super::state::TxnMetadata;
use crate::batch::{Record, RecordBatch};
use crate::log::PartitionLog;
use std::collections::BTreeMap;

/// One state record.
pub fn state_batch(metadata: &TxnMetadata) -> RecordBatch {
    RecordBatch::new(vec![Record {
        key: Some(metadata.transactional_id.as_bytes().to_vec()),
        value: postcard::to_stdvec(metadata).expect("transaction states always encode"),
    }])
}

/// Every transactional.id's latest state below `upto` (the high watermark).
/// Records that do not decode are skipped: a bad record must not take the
/// coordinator down.
pub fn read_states(log: &PartitionLog, upto: i64) -> BTreeMap<String, TxnMetadata> {
    let mut out = BTreeMap::new();
    for batch in log.read(0, upto, usize::MAX) {
        for record in &batch.records {
            if let Ok(m) = postcard::from_bytes::<TxnMetadata>(&record.value) {
                out.insert(m.transactional_id.clone(), m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::txn::state::TxnState;

    #[test]
    fn the_latest_state_below_the_hw_wins() {
        let mut log = PartitionLog::default();
        let mut m = TxnMetadata::new("a", 1, 100);
        log.append_as_leader(state_batch(&m), 0);
        log.append_as_leader(state_batch(&TxnMetadata::new("b", 2, 100)), 0);
        m.state = TxnState::PrepareCommit;
        log.append_as_leader(state_batch(&m), 0);
        let all = read_states(&log, log.log_end_offset());
        assert_eq!(all["a"].state, TxnState::PrepareCommit);
        assert_eq!(all["b"].producer_id, 2);
        assert_eq!(read_states(&log, 2)["a"].state, TxnState::Empty);
    }
}
