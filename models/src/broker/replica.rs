//! One partition's replica on a broker: its role, high watermark and epochs, and
//! the role changes the controller's metadata causes.
use super::isr::{self, FollowerProgress};
use crate::ids::{BrokerId, TopicPartition};
use crate::log::PartitionLog;
use crate::metadata::PartitionState;
use std::collections::BTreeMap;
use std::rc::Rc;
use tokio::sync::Notify;

#[derive(Debug)]
pub enum Role {
    /// Not told anything yet since start, or the partition is offline.
    Offline,
    Leader(LeaderState),
    Follower {
        leader: BrokerId,
    },
}

#[derive(Debug)]
pub struct LeaderState {
    pub isr: Vec<BrokerId>,
    pub followers: BTreeMap<BrokerId, FollowerProgress>,
    /// An AlterPartition is outstanding; at most one at a time, as in Kafka.
    pub alter_in_flight: bool,
}

#[derive(Debug)]
pub struct Replica {
    pub tp: TopicPartition,
    pub role: Role,
    pub high_watermark: i64,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    /// Bumped on every role change so stale fetcher tasks stop.
    pub generation: u64,
    /// Wakes what waits on this partition (acks=all produces, long-polling
    /// fetches) when its log, HW, ISR or role changes. One per partition, so a
    /// write to one partition does not wake every waiter on the broker.
    pub progress: Rc<Notify>,
}

/// What the broker must do after applying a partition's new state.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleChange {
    None,
    BecameLeader,
    BecameFollower { leader: BrokerId },
    WentOffline,
}

impl Replica {
    pub fn new(tp: TopicPartition, high_watermark: i64) -> Self {
        Self {
            tp,
            role: Role::Offline,
            high_watermark,
            leader_epoch: -1,
            partition_epoch: -1,
            generation: 0,
            progress: Rc::default(),
        }
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    pub fn leader_state(&mut self) -> Option<&mut LeaderState> {
        match &mut self.role {
            Role::Leader(l) => Some(l),
            _ => None,
        }
    }

    /// Apply the controller's view of this partition.
    pub fn apply(
        &mut self,
        me: BrokerId,
        state: &PartitionState,
        log: &mut PartitionLog,
        legacy_hw_truncation: bool,
        now_ms: u64,
    ) -> RoleChange {
        // Images come only from the controller, which never lowers an epoch, one
        // heartbeat answer at a time and only if newer than the last (apply_image).
        assert!(
            state.leader_epoch >= self.leader_epoch,
            "{}: metadata went back from leader epoch {} to {}",
            self.tp,
            self.leader_epoch,
            state.leader_epoch
        );
        if state.leader_epoch == self.leader_epoch {
            if state.partition_epoch > self.partition_epoch {
                self.partition_epoch = state.partition_epoch;
                if let Role::Leader(l) = &mut self.role {
                    l.isr = state.isr.clone();
                }
            }
            return RoleChange::None;
        }
        self.leader_epoch = state.leader_epoch;
        self.partition_epoch = state.partition_epoch;
        self.generation += 1;
        match state.leader {
            Some(l) if l == me => {
                // The new epoch starts at our log end: KIP-101's epoch boundary.
                log.epochs.assign(state.leader_epoch, log.log_end_offset());
                let followers = state
                    .replicas
                    .iter()
                    .filter(|&&b| b != me)
                    .map(|&b| (b, FollowerProgress::new(now_ms)))
                    .collect();
                self.role = Role::Leader(LeaderState {
                    isr: state.isr.clone(),
                    followers,
                    alter_in_flight: false,
                });
                RoleChange::BecameLeader
            }
            Some(l) => {
                if legacy_hw_truncation {
                    // Pre-KIP-101: a new follower truncates to its own high watermark.
                    log.truncate_to(self.high_watermark);
                }
                self.role = Role::Follower { leader: l };
                self.clamp_hw(log);
                RoleChange::BecameFollower { leader: l }
            }
            None => {
                self.role = Role::Offline;
                RoleChange::WentOffline
            }
        }
    }

    /// Recompute the leader's HW; true if it moved.
    pub fn advance_hw(
        &mut self,
        me: BrokerId,
        log: &PartitionLog,
        min_insync_replicas: u32,
    ) -> bool {
        let leo = log.log_end_offset();
        let Role::Leader(l) = &self.role else {
            return false;
        };
        let Some(hw) = isr::high_watermark(&l.isr, me, leo, &l.followers, min_insync_replicas)
        else {
            return false;
        };
        if hw > self.high_watermark {
            self.high_watermark = hw;
            self.assert_hw_within(log);
            return true;
        }
        false
    }

    /// A follower takes the leader's HW, capped at its own log end, and only
    /// moves it forward (Kafka's maybeUpdateHighWatermark) unless its log end
    /// is lower now.
    pub fn follow_leader_hw(&mut self, leader_hw: i64, log: &PartitionLog) {
        let leo = log.log_end_offset();
        self.high_watermark = leader_hw.min(leo).max(self.high_watermark.min(leo));
        self.assert_hw_within(log);
    }

    /// Keep the invariant HW ≤ LEO after a truncation.
    pub fn clamp_hw(&mut self, log: &PartitionLog) {
        self.high_watermark = self.high_watermark.min(log.log_end_offset());
        self.assert_hw_within(log);
    }

    /// HW ≤ LEO: a consumer must never be offered offsets the log lacks.
    fn assert_hw_within(&self, log: &PartitionLog) {
        let leo = log.log_end_offset();
        assert!(
            self.high_watermark <= leo,
            "{}: HW {} above LEO {leo}",
            self.tp,
            self.high_watermark
        );
    }

    /// Where the current leader epoch starts in the log.
    pub fn current_epoch_start(&self, log: &PartitionLog) -> i64 {
        log.epochs
            .entries()
            .iter()
            .rev()
            .find(|&&(e, _)| e == self.leader_epoch)
            .map_or(0, |&(_, start)| start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{Record, RecordBatch};

    fn state(leader: BrokerId, leader_epoch: i32, isr: Vec<BrokerId>) -> PartitionState {
        PartitionState {
            replicas: vec![1, 2, 3],
            leader: Some(leader),
            leader_epoch,
            isr,
            partition_epoch: leader_epoch,
        }
    }

    fn log_of(records: usize) -> PartitionLog {
        let mut log = PartitionLog::default();
        let batch = RecordBatch::new(
            (0..records)
                .map(|i| Record {
                    key: None,
                    value: vec![i as u8],
                })
                .collect(),
        );
        log.append_as_leader(batch, 0);
        log
    }

    #[test]
    #[should_panic(expected = "metadata went back from leader epoch 2 to 1")]
    fn an_older_leader_epoch_is_a_bug_not_an_update() {
        let mut r = Replica::new(TopicPartition::new("t", 0), 0);
        let mut log = PartitionLog::default();
        r.apply(2, &state(1, 2, vec![1, 2]), &mut log, false, 0);
        r.apply(2, &state(1, 1, vec![1, 2]), &mut log, false, 0);
    }

    #[test]
    fn an_isr_change_at_the_same_epoch_reaches_the_leader() {
        let mut r = Replica::new(TopicPartition::new("t", 0), 0);
        let mut log = log_of(3);
        let change = r.apply(1, &state(1, 0, vec![1, 2, 3]), &mut log, false, 0);
        assert_eq!(change, RoleChange::BecameLeader);
        assert!(!r.advance_hw(1, &log, 1), "followers have not fetched");
        let mut shrunk = state(1, 0, vec![1]);
        shrunk.partition_epoch = 1;
        assert_eq!(r.apply(1, &shrunk, &mut log, false, 0), RoleChange::None);
        assert!(r.advance_hw(1, &log, 1), "the leader alone is the ISR");
        assert_eq!(r.high_watermark, 3);
    }

    #[test]
    fn a_follower_hw_is_capped_at_its_log_end_and_only_moves_forward() {
        let mut r = Replica::new(TopicPartition::new("t", 0), 0);
        let log = log_of(3);
        r.follow_leader_hw(10, &log);
        assert_eq!(r.high_watermark, 3, "capped at the follower's LEO");
        r.follow_leader_hw(1, &log);
        assert_eq!(r.high_watermark, 3, "a stale answer does not move it back");
    }
}
