//! One replica's partition log as it sits on a broker's disk: batches in offset
//! order, how many of them are flushed, and the state derived from the log (the
//! leader-epoch cache and the idempotence table).
use crate::batch::RecordBatch;
use crate::leader_epoch::LeaderEpochCache;
use crate::producer_state::ProducerStateTable;

#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    batches: Vec<RecordBatch>,
    /// When each batch reached the page cache (simulated ms), parallel to
    /// `batches`: the kernel writes dirty pages back once they are old enough.
    appended_ms: Vec<u64>,
    /// Batches `[0, flushed_batches)` are durable; the rest live only in the page cache.
    flushed_batches: usize,
    unflushed_records: u64,
    last_flush_ms: u64,
    /// Kafka fsyncs its leader-epoch checkpoint on every change, so it survives a
    /// power loss; entries past the recovered log end are dropped on recovery.
    pub epochs: LeaderEpochCache,
    producers: ProducerStateTable,
}

impl PartitionLog {
    pub fn log_end_offset(&self) -> i64 {
        self.batches.last().map_or(0, RecordBatch::next_offset)
    }

    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    pub fn producers(&self) -> &ProducerStateTable {
        &self.producers
    }

    /// The leader epoch of the last batch, what a follower sends as `last_fetched_epoch`.
    pub fn last_batch_epoch(&self) -> Option<i32> {
        self.batches.last().map(|b| b.leader_epoch)
    }

    /// Append as leader: offsets and epoch are assigned here.
    pub fn append_as_leader(&mut self, mut batch: RecordBatch, leader_epoch: i32) -> &RecordBatch {
        batch.base_offset = self.log_end_offset();
        batch.leader_epoch = leader_epoch;
        self.append(batch)
    }

    /// Append as follower: the batch keeps the leader's offsets and epoch.
    pub fn append_as_follower(&mut self, batch: RecordBatch) -> &RecordBatch {
        assert_eq!(
            batch.base_offset,
            self.log_end_offset(),
            "follower append must be contiguous"
        );
        self.append(batch)
    }

    fn append(&mut self, batch: RecordBatch) -> &RecordBatch {
        // Offsets are contiguous: nothing is appended below (or past) the log
        // end offset. (Followers check this in `append_as_follower` too,
        // naming themselves; leaders assign it.)
        assert_eq!(
            batch.base_offset,
            self.log_end_offset(),
            "append must start at the log end offset"
        );
        if batch.leader_epoch >= 0
            && self
                .epochs
                .latest_epoch()
                .is_none_or(|e| e < batch.leader_epoch)
        {
            self.epochs.assign(batch.leader_epoch, batch.base_offset);
        }
        self.producers.update(&batch);
        self.unflushed_records += batch.record_count() as u64;
        self.batches.push(batch);
        self.appended_ms.push(crate::ids::now_ms());
        self.assert_flushed_prefix();
        self.batches.last().expect("just pushed")
    }

    /// The flushed batches are a prefix of the log.
    fn assert_flushed_prefix(&self) {
        assert_eq!(
            self.appended_ms.len(),
            self.batches.len(),
            "every batch has its page-cache time"
        );
        assert!(
            self.flushed_batches <= self.batches.len(),
            "flushed batches ({}) must be a prefix of the log ({} batches)",
            self.flushed_batches,
            self.batches.len()
        );
    }

    /// Remove every batch that holds an offset >= `offset` (whole batches, as Kafka
    /// truncates segments at batch boundaries). The log does not know the HW,
    /// and Kafka allows truncating below it (a follower of an unclean leader,
    /// or pre-KIP-101 truncation to the HW checkpoint, which power loss may
    /// leave past the log end), so nothing here forbids that.
    pub fn truncate_to(&mut self, offset: i64) {
        let keep = self.batches.partition_point(|b| b.last_offset() < offset);
        if keep == self.batches.len() {
            return;
        }
        self.batches.truncate(keep);
        self.appended_ms.truncate(keep);
        self.flushed_batches = self.flushed_batches.min(keep);
        self.after_shrink();
    }

    /// Batches with records at or after `from_offset` and below `max_offset`
    /// (exclusive), at most `max_batches` of them.
    pub fn read(&self, from_offset: i64, max_offset: i64, max_batches: usize) -> Vec<RecordBatch> {
        let start = self
            .batches
            .partition_point(|b| b.last_offset() < from_offset);
        self.batches[start..]
            .iter()
            .take_while(|b| b.last_offset() < max_offset)
            .take(max_batches)
            .cloned()
            .collect()
    }

    pub fn unflushed_records(&self) -> u64 {
        self.unflushed_records
    }

    pub fn last_flush_ms(&self) -> u64 {
        self.last_flush_ms
    }

    pub fn flush(&mut self, now_ms: u64) {
        self.flushed_batches = self.batches.len();
        self.unflushed_records = 0;
        self.last_flush_ms = now_ms;
    }

    /// Power loss at `now_ms`: the page cache is gone. What survives is what
    /// was fsynced and what the kernel had already written back on its own:
    /// Linux's flusher writes a dirty page once it is older than
    /// `vm.dirty_expire_centisecs` (30 s by default), `writeback_age_ms` here.
    pub fn lose_unflushed(&mut self, now_ms: u64, writeback_age_ms: u64) {
        let written_back = self
            .appended_ms
            .partition_point(|&at| at.saturating_add(writeback_age_ms) <= now_ms);
        self.flushed_batches = self.flushed_batches.max(written_back);
        self.batches.truncate(self.flushed_batches);
        self.appended_ms.truncate(self.flushed_batches);
        self.after_shrink();
    }

    fn after_shrink(&mut self) {
        self.assert_flushed_prefix();
        let leo = self.log_end_offset();
        self.epochs.truncate_from_end(leo);
        self.producers = ProducerStateTable::rebuild(&self.batches);
        self.unflushed_records = self.batches[self.flushed_batches..]
            .iter()
            .map(|b| b.record_count() as u64)
            .sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Record;

    fn batch(n: usize) -> RecordBatch {
        RecordBatch::new(
            (0..n)
                .map(|i| Record {
                    key: None,
                    value: vec![i as u8],
                })
                .collect(),
        )
    }

    #[test]
    fn power_loss_keeps_only_flushed_batches() {
        let mut log = PartitionLog::default();
        log.append_as_leader(batch(2), 1);
        log.flush(10);
        log.append_as_leader(batch(3), 2);
        assert_eq!(log.log_end_offset(), 5);
        log.lose_unflushed(10, 30_000);
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(log.epochs.latest_epoch(), Some(1));
    }

    /// Outside a simulation every batch reaches the page cache at 0 ms.
    #[test]
    fn power_loss_keeps_what_the_kernel_wrote_back() {
        let mut log = PartitionLog::default();
        log.append_as_leader(batch(2), 1);
        log.append_as_leader(batch(3), 2);
        log.lose_unflushed(29_999, 30_000);
        assert_eq!(
            log.log_end_offset(),
            0,
            "younger than the write-back age: gone"
        );
        log.append_as_leader(batch(2), 1);
        log.lose_unflushed(30_000, 30_000);
        assert_eq!(log.log_end_offset(), 2, "old enough: written back, kept");
        log.append_as_leader(batch(1), 1);
        log.lose_unflushed(30_000, 30_000);
        assert_eq!(
            log.log_end_offset(),
            3,
            "what was written back stays flushed"
        );
    }

    #[test]
    fn truncation_removes_whole_batches() {
        let mut log = PartitionLog::default();
        log.append_as_leader(batch(2), 1);
        log.append_as_leader(batch(3), 1);
        log.truncate_to(3);
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(log.read(0, i64::MAX, 10).len(), 1);
    }
}
