//! ISR bookkeeping on a partition leader: the ISR as the controller confirmed
//! it plus the AlterPartition in flight (KIP-497's maximal ISR), each
//! follower's progress, and the decisions to shrink (lagging past
//! `replica.lag.time.max.ms`) or expand (caught up to the high watermark).
use crate::ids::{BrokerId, TopicPartition};
use std::collections::BTreeMap;

/// An AlterPartition the leader sent and has not had answered: Kafka's
/// `PendingExpandIsr` / `PendingShrinkIsr` (Partition.scala).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingChange {
    /// Adding one caught-up follower. It counts for the HW and acks=all at
    /// once: the controller may commit it and elect it before we hear back.
    Expand { joining: BrokerId },
    /// Dropping lagging followers. They keep counting until the controller
    /// confirms: a shrink that fails must not have let the HW pass them.
    Shrink { leaving: Vec<BrokerId> },
}

/// A leader's ISR (Kafka's `PartitionState`): the last ISR the controller
/// confirmed, at which partition epoch, and the change in flight, if any.
/// At most one AlterPartition per partition is in flight, as in Kafka.
#[derive(Clone, Debug)]
pub struct IsrState {
    tp: TopicPartition,
    leader: BrokerId,
    replicas: Vec<BrokerId>,
    committed: Vec<BrokerId>,
    partition_epoch: i32,
    pending: Option<PendingChange>,
}

impl IsrState {
    pub fn new(
        tp: TopicPartition,
        leader: BrokerId,
        replicas: Vec<BrokerId>,
        committed: Vec<BrokerId>,
        partition_epoch: i32,
    ) -> Self {
        let s = Self {
            tp,
            leader,
            replicas,
            committed,
            partition_epoch,
            pending: None,
        };
        s.check();
        s
    }

    pub fn leader(&self) -> BrokerId {
        self.leader
    }

    /// The ISR the controller confirmed (Kafka's `partitionState.isr`): what
    /// NOT_ENOUGH_REPLICAS and the min.insync HW freeze count, and what a
    /// shrink or expansion starts from.
    pub fn committed(&self) -> &[BrokerId] {
        &self.committed
    }

    /// KIP-497's maximal ISR: the confirmed ISR plus a proposed addition; a
    /// proposed removal does not count until confirmed. The HW and acks=all
    /// wait for every member, so the HW never passes a replica the
    /// controller may already have put in the ISR and may elect.
    pub fn maximal(&self) -> Vec<BrokerId> {
        let joining = match &self.pending {
            Some(PendingChange::Expand { joining }) => Some(*joining),
            _ => None,
        };
        self.replicas
            .iter()
            .copied()
            .filter(|b| self.committed.contains(b) || Some(*b) == joining)
            .collect()
    }

    pub fn pending(&self) -> Option<&PendingChange> {
        self.pending.as_ref()
    }

    /// Kafka's `isInflight`: no new proposal until this one is answered or
    /// new metadata replaces it.
    pub fn in_flight(&self) -> bool {
        self.pending.is_some()
    }

    /// The partition epoch of the confirmed ISR: AlterPartition's
    /// compare-and-set token.
    pub fn partition_epoch(&self) -> i32 {
        self.partition_epoch
    }

    /// Kafka proposes again only once the last AlterPartition is answered.
    fn assert_none_in_flight(&self) {
        assert!(
            !self.in_flight(),
            "{}: one AlterPartition in flight per partition, not a second ({:?} pending)",
            self.tp,
            self.pending
        );
    }

    /// Kafka's prepareIsrExpand: returns the ISR to send.
    pub fn propose_expand(&mut self, joining: BrokerId) -> Vec<BrokerId> {
        self.assert_none_in_flight();
        assert!(
            !self.committed.contains(&joining),
            "{}: only a replica outside the ISR {:?} can join it, not {joining}",
            self.tp,
            self.committed
        );
        self.pending = Some(PendingChange::Expand { joining });
        self.check();
        self.maximal()
    }

    /// Kafka's prepareIsrShrink: returns the ISR to send.
    pub fn propose_shrink(&mut self, leaving: Vec<BrokerId>) -> Vec<BrokerId> {
        self.assert_none_in_flight();
        assert!(
            !leaving.is_empty() && leaving.iter().all(|b| self.committed.contains(b)),
            "{}: a shrink removes ISR members, not {leaving:?} from {:?}",
            self.tp,
            self.committed
        );
        let new_isr = self
            .committed
            .iter()
            .copied()
            .filter(|b| !leaving.contains(b))
            .collect();
        self.pending = Some(PendingChange::Shrink { leaving });
        self.check();
        new_isr
    }

    /// The controller confirmed an ISR, in an AlterPartition answer or in
    /// metadata at our leader epoch: it becomes the committed state and
    /// whatever was pending is over (Kafka's CommittedPartitionState).
    pub fn commit(&mut self, isr: Vec<BrokerId>, partition_epoch: i32) {
        assert!(
            partition_epoch >= self.partition_epoch,
            "{}: partition epochs never go back, from {} to {partition_epoch}",
            self.tp,
            self.partition_epoch
        );
        self.committed = isr;
        self.partition_epoch = partition_epoch;
        self.pending = None;
        self.check();
    }

    fn check(&self) {
        assert!(
            self.committed.iter().all(|b| self.replicas.contains(b)),
            "{}: the ISR {:?} lies within the replicas {:?}",
            self.tp,
            self.committed,
            self.replicas
        );
        assert!(
            self.committed.contains(&self.leader),
            "{}: the leader {} is in its own ISR {:?}",
            self.tp,
            self.leader,
            self.committed
        );
        let maximal = self.maximal();
        assert!(
            self.committed.iter().all(|b| maximal.contains(b)),
            "{}: the maximal ISR {maximal:?} contains the confirmed ISR {:?} (KIP-497)",
            self.tp,
            self.committed
        );
        if let Some(PendingChange::Shrink { leaving }) = &self.pending {
            assert!(
                !leaving.contains(&self.leader),
                "{}: a leader never proposes to leave its own ISR",
                self.tp
            );
        }
    }
}

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

/// The high watermark a leader may move to: the smallest LEO over the maximal
/// ISR (Kafka's maybeIncrementLeaderHW). `None` while the confirmed ISR is
/// below `min.insync.replicas` (Kafka ≥ 3.7 freezes it, `isUnderMinIsr`).
pub fn high_watermark(
    isr: &IsrState,
    leader_leo: i64,
    followers: &BTreeMap<BrokerId, FollowerProgress>,
    min_insync_replicas: u32,
) -> Option<i64> {
    if (isr.committed().len() as u32) < min_insync_replicas {
        return None;
    }
    let mut hw = leader_leo;
    for b in isr.maximal().iter().filter(|&&b| b != isr.leader) {
        hw = hw.min(followers.get(b).map_or(-1, |f| f.log_end_offset));
    }
    Some(hw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isr(committed: Vec<BrokerId>) -> IsrState {
        IsrState::new(TopicPartition::new("t", 0), 1, vec![1, 2, 3], committed, 0)
    }

    #[test]
    fn hw_is_min_isr_leo_and_frozen_below_min_isr() {
        let mut f = BTreeMap::new();
        let mut p = FollowerProgress::new(0);
        p.on_fetch(5, 10, 1);
        f.insert(2, p);
        assert_eq!(high_watermark(&isr(vec![1, 2]), 10, &f, 2), Some(5));
        assert_eq!(high_watermark(&isr(vec![1]), 10, &f, 2), None);
        assert_eq!(high_watermark(&isr(vec![1, 3]), 10, &f, 1), Some(-1));
    }

    #[test]
    fn a_proposed_addition_holds_the_hw_a_proposed_removal_still_does() {
        let mut f = BTreeMap::new();
        let mut two = FollowerProgress::new(0);
        two.on_fetch(10, 10, 1);
        f.insert(2, two);
        let mut three = FollowerProgress::new(0);
        three.on_fetch(4, 10, 1);
        f.insert(3, three);
        let mut s = isr(vec![1, 2]);
        assert_eq!(high_watermark(&s, 10, &f, 2), Some(10));
        assert_eq!(s.propose_expand(3), vec![1, 2, 3]);
        assert_eq!(s.committed(), &[1, 2]);
        assert_eq!(high_watermark(&s, 10, &f, 2), Some(4), "3 may be elected");
        s.commit(vec![1, 2, 3], 1);
        assert_eq!(s.propose_shrink(vec![3]), vec![1, 2]);
        assert_eq!(s.maximal(), vec![1, 2, 3], "not out until confirmed");
        assert_eq!(high_watermark(&s, 10, &f, 2), Some(4));
        s.commit(vec![1, 2], 2);
        assert_eq!(high_watermark(&s, 10, &f, 2), Some(10));
    }

    #[test]
    #[should_panic(expected = "one AlterPartition in flight per partition")]
    fn a_second_proposal_while_one_is_in_flight_is_a_bug() {
        let mut s = isr(vec![1, 2]);
        s.propose_expand(3);
        s.propose_shrink(vec![2]);
    }

    #[test]
    #[should_panic(expected = "partition epochs never go back")]
    fn an_older_partition_epoch_is_a_bug() {
        let mut s = isr(vec![1, 2]);
        s.commit(vec![1, 2, 3], 3);
        s.commit(vec![1, 2], 2);
    }

    #[test]
    #[should_panic(expected = "is in its own ISR")]
    fn a_leader_outside_its_isr_is_a_bug() {
        isr(vec![2, 3]);
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
