//! One partition's replica on a broker: its role, high watermark and epochs, and
//! the role changes the controller's metadata causes.
use super::isr::{self, FollowerProgress};
use crate::ids::{BrokerId, TopicPartition};
use crate::log::PartitionLog;
use crate::metadata::PartitionState;
use std::collections::BTreeMap;

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
        if state.leader_epoch < self.leader_epoch {
            return RoleChange::None;
        }
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
            debug_assert!(self.high_watermark <= leo, "HW above LEO");
            return true;
        }
        false
    }

    /// Keep the invariant HW ≤ LEO after a truncation.
    pub fn clamp_hw(&mut self, log: &PartitionLog) {
        self.high_watermark = self.high_watermark.min(log.log_end_offset());
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
