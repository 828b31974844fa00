//! ISR bookkeeping on a partition leader: each follower's progress, and the
//! decisions to shrink (lagging past `replica.lag.time.max.ms`) or expand
//! (caught up to the high watermark).
use crate::ids::BrokerId;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct FollowerProgress {
    /// The follower's log end offset as its last fetch told; -1 until it fetched
    /// in this leader epoch (so it cannot hold the HW back or forward by guesswork).
    pub log_end_offset: i64,
    /// Kafka's lastCaughtUpTimeMs.
    pub last_caught_up_ms: u64,
    last_fetch_ms: u64,
    leader_leo_at_last_fetch: i64,
}

impl FollowerProgress {
    pub fn new(now_ms: u64) -> Self {
        Self {
            log_end_offset: -1,
            last_caught_up_ms: now_ms,
            last_fetch_ms: now_ms,
            leader_leo_at_last_fetch: -1,
        }
    }

    /// Kafka's Replica.updateFetchState: caught up now if it fetched from the
    /// leader's end; caught up as of the previous fetch if it reached the end
    /// that the previous fetch saw.
    pub fn on_fetch(&mut self, fetch_offset: i64, leader_leo: i64, now_ms: u64) {
        if fetch_offset >= leader_leo {
            self.last_caught_up_ms = now_ms;
        } else if fetch_offset >= self.leader_leo_at_last_fetch {
            self.last_caught_up_ms = self.last_caught_up_ms.max(self.last_fetch_ms);
        }
        self.log_end_offset = fetch_offset;
        self.last_fetch_ms = now_ms;
        self.leader_leo_at_last_fetch = leader_leo;
    }
}

/// ISR members (other than the leader) that have lagged too long.
pub fn lagging(
    isr: &[BrokerId],
    leader: BrokerId,
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    now_ms: u64,
    lag_max_ms: u64,
) -> Vec<BrokerId> {
    isr.iter()
        .copied()
        .filter(|&b| b != leader)
        .filter(|b| {
            followers
                .get(b)
                .is_none_or(|f| now_ms.saturating_sub(f.last_caught_up_ms) > lag_max_ms)
        })
        .collect()
}

/// May this out-of-sync follower join the ISR? It must have every record up to the
/// HW and at least the start of the current leader epoch.
pub fn may_join(
    progress: &FollowerProgress,
    high_watermark: i64,
    current_epoch_start: i64,
) -> bool {
    progress.log_end_offset >= high_watermark && progress.log_end_offset >= current_epoch_start
}

/// The high watermark a leader may move to: the smallest LEO over the ISR.
/// `None` while the ISR is below `min.insync.replicas` (Kafka ≥ 3.7 freezes it).
pub fn high_watermark(
    isr: &[BrokerId],
    leader: BrokerId,
    leader_leo: i64,
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    min_insync_replicas: u32,
) -> Option<i64> {
    if (isr.len() as u32) < min_insync_replicas {
        return None;
    }
    let mut hw = leader_leo;
    for b in isr.iter().filter(|&&b| b != leader) {
        hw = hw.min(followers.get(b).map_or(-1, |f| f.log_end_offset));
    }
    Some(hw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hw_is_min_isr_leo_and_frozen_below_min_isr() {
        let mut f = BTreeMap::new();
        let mut p = FollowerProgress::new(0);
        p.on_fetch(5, 10, 1);
        f.insert(2, p);
        assert_eq!(high_watermark(&[1, 2], 1, 10, &f, 2), Some(5));
        assert_eq!(high_watermark(&[1], 1, 10, &f, 2), None);
        assert_eq!(high_watermark(&[1, 3], 1, 10, &f, 1), Some(-1));
    }

    #[test]
    fn lagging_follower_is_dropped() {
        let mut f = BTreeMap::new();
        f.insert(2, FollowerProgress::new(0));
        let mut fresh = FollowerProgress::new(0);
        fresh.on_fetch(10, 10, 900);
        f.insert(3, fresh);
        assert_eq!(lagging(&[1, 2, 3], 1, &f, 1000, 500), vec![2]);
    }
}
