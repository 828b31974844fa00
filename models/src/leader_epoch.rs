//! The leader-epoch cache (KIP-101/279): for each leader epoch, the first offset
//! written in it. Lets a follower find where its log diverges from the leader's.

/// Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.
pub const UNDEFINED_EPOCH: i32 = -1;
pub const UNDEFINED_OFFSET: i64 = -1;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaderEpochCache {
    /// (epoch, start_offset), both strictly increasing.
    entries: Vec<(i32, i64)>,
}

impl LeaderEpochCache {
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.0)
    }

    pub fn entries(&self) -> &[(i32, i64)] {
        &self.entries
    }

    /// Record that `epoch` starts at `start_offset`. Entries that this one
    /// contradicts (a later start for an older epoch) are dropped, as Kafka does.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) {
        if let Some(&(last_epoch, _)) = self.entries.last() {
            if epoch == last_epoch {
                return;
            }
            assert!(
                epoch > last_epoch,
                "leader epoch went back: {epoch} after {last_epoch}"
            );
        }
        self.entries.retain(|&(_, start)| start < start_offset);
        self.entries.push((epoch, start_offset));
    }

    /// Kafka's `endOffsetFor`: the largest epoch <= `requested` and the offset where
    /// it ends (the next epoch's start, or the log end for the latest epoch).
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> (i32, i64) {
        match self.entries.iter().rposition(|&(e, _)| e <= requested) {
            None => (UNDEFINED_EPOCH, UNDEFINED_OFFSET),
            Some(i) if i + 1 == self.entries.len() => (self.entries[i].0, log_end_offset),
            Some(i) => (self.entries[i].0, self.entries[i + 1].1),
        }
    }

    /// After the log is truncated to `log_end_offset`, forget epochs starting at or after it.
    pub fn truncate_from_end(&mut self, log_end_offset: i64) {
        self.entries.retain(|&(_, start)| start < log_end_offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_offset_is_next_epoch_start_or_log_end() {
        let mut c = LeaderEpochCache::default();
        c.assign(1, 0);
        c.assign(3, 10);
        assert_eq!(c.end_offset_for(1, 20), (1, 10));
        assert_eq!(c.end_offset_for(2, 20), (1, 10));
        assert_eq!(c.end_offset_for(3, 20), (3, 20));
        assert_eq!(c.end_offset_for(0, 20), (UNDEFINED_EPOCH, UNDEFINED_OFFSET));
        c.truncate_from_end(10);
        assert_eq!(c.latest_epoch(), Some(1));
    }

    #[test]
    #[should_panic(expected = "leader epoch went back")]
    fn epoch_never_goes_back() {
        let mut c = LeaderEpochCache::default();
        c.assign(3, 0);
        c.assign(2, 5);
    }
}
