//! One partition's replica on a broker: its role, high watermark and epochs, the
//! role changes the controller's metadata causes, and, on a leader, the ISR
//! changes it proposes (KIP-497: the maximal ISR while one is in flight).
//! Pure: the broker's tasks do the talking, this decides.
use super::isr::{self, FollowerProgress, IsrState, PendingChange};
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
    /// Following the leader that `RoleChange::BecameFollower` named.
    Follower,
}

#[derive(Debug)]
pub struct LeaderState {
    isr: IsrState,
    followers: BTreeMap<BrokerId, FollowerProgress>,
}

/// The fields are private so that the rules hold by construction: the HW
/// only moves through methods that keep it at or below the LEO, epochs only
/// through `apply` and the AlterPartition answer, which never lower them.
#[derive(Debug)]
pub struct Replica {
    tp: TopicPartition,
    role: Role,
    high_watermark: i64,
    leader_epoch: i32,
    partition_epoch: i32,
    /// Bumped on every role change so stale fetcher tasks stop.
    generation: u64,
    /// Wakes what waits on this partition (acks=all produces, long-polling
    /// fetches) when its log, HW, ISR or role changes. One per partition, so a
    /// write to one partition does not wake every waiter on the broker.
    progress: Rc<Notify>,
}

/// What the broker must do after applying a partition's new state.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleChange {
    None,
    BecameLeader,
    BecameFollower { leader: BrokerId },
    WentOffline,
}

/// An ISR change a leader decided on, to send as AlterPartition. The pending
/// state it created stays on the leader until the controller answers it or
/// newer metadata replaces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterPartitionProposal {
    pub tp: TopicPartition,
    pub leader_epoch: i32,
    /// The compare-and-set token: the partition epoch of the confirmed ISR.
    pub partition_epoch: i32,
    pub new_isr: Vec<BrokerId>,
    change: PendingChange,
    generation: u64,
}

impl AlterPartitionProposal {
    /// What the proposal changes (for the event log).
    pub fn change(&self) -> &PendingChange {
        &self.change
    }
}

/// What came back for an AlterPartition.
#[derive(Debug)]
pub enum AlterPartitionAnswer<'a> {
    /// The controller applied it (or found the ISR already so).
    Accepted(&'a PartitionState),
    /// The controller refused it: a stale partition or leader epoch, or a
    /// fenced broker. Our view is out of date.
    Refused,
    /// Timeout or lost connection: it may or may not have been applied.
    NoAnswer,
}

/// What the leader does next about its AlterPartition.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterAlterPartition {
    /// The confirmed ISR changed: the HW may move, waiters re-check.
    Committed,
    /// Send the same request again (Kafka's AlterPartitionManager retries
    /// until the controller answers).
    Retry,
    /// Keep the pending state until metadata arrives (Kafka's
    /// handleAlterPartitionError for INVALID_UPDATE_VERSION,
    /// FENCED_LEADER_EPOCH...: "awaiting the latest metadata").
    AwaitMetadata,
    /// The partition's state moved on since the request was sent (a new
    /// role, or metadata confirmed another ISR): the answer is out of date.
    Stale,
}

/// A fetch from a replica that is not a follower of this partition here.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAFollower;

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

    pub fn high_watermark(&self) -> i64 {
        self.high_watermark
    }

    pub fn leader_epoch(&self) -> i32 {
        self.leader_epoch
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn progress(&self) -> &Rc<Notify> {
        &self.progress
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// The leader's ISR state; `None` unless leading.
    pub fn isr(&self) -> Option<&IsrState> {
        match &self.role {
            Role::Leader(l) => Some(&l.isr),
            _ => None,
        }
    }

    fn leader_state_mut(&mut self) -> Option<&mut LeaderState> {
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
                // Newer metadata at our leader epoch replaces any pending
                // change (Kafka's makeLeader sets a CommittedPartitionState).
                if let Some(l) = self.leader_state_mut() {
                    l.isr.commit(state.isr.clone(), state.partition_epoch);
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
                // A new leadership starts from the confirmed ISR, nothing pending.
                self.role = Role::Leader(LeaderState {
                    isr: IsrState::new(
                        self.tp.clone(),
                        me,
                        state.replicas.clone(),
                        state.isr.clone(),
                        state.partition_epoch,
                    ),
                    followers,
                });
                RoleChange::BecameLeader
            }
            Some(l) => {
                if legacy_hw_truncation {
                    // Pre-KIP-101: a new follower truncates to its own high watermark.
                    log.truncate_to(self.high_watermark);
                }
                self.role = Role::Follower;
                self.clamp_hw(log);
                RoleChange::BecameFollower { leader: l }
            }
            None => {
                self.role = Role::Offline;
                RoleChange::WentOffline
            }
        }
    }

    /// A follower's fetch at `fetch_offset` (its LEO) reached this leader:
    /// record its progress, and propose adding it to the ISR if it caught up
    /// (Kafka's maybeExpandIsr: not while another change is in flight). The
    /// caller then recomputes the HW and sends the proposal.
    pub fn record_follower_fetch(
        &mut self,
        follower: BrokerId,
        fetch_offset: i64,
        log: &PartitionLog,
        now_ms: u64,
    ) -> Result<Option<AlterPartitionProposal>, NotAFollower> {
        let leo = log.log_end_offset();
        let epoch_start = self.current_epoch_start(log);
        let hw = self.high_watermark;
        let l = self.leader_state_mut().ok_or(NotAFollower)?;
        let progress = l.followers.get_mut(&follower).ok_or(NotAFollower)?;
        progress.on_fetch(fetch_offset, leo, now_ms);
        let joins = !l.isr.in_flight()
            && !l.isr.committed().contains(&follower)
            && isr::may_join(progress, hw, epoch_start);
        if !joins {
            return Ok(None);
        }
        let new_isr = l.isr.propose_expand(follower);
        Ok(Some(self.proposal(new_isr)))
    }

    /// Kafka's maybeShrinkIsr: drop confirmed ISR members that lagged past
    /// `replica.lag.time.max.ms`, not while another change is in flight.
    pub fn maybe_shrink_isr(
        &mut self,
        now_ms: u64,
        lag_max_ms: u64,
    ) -> Option<AlterPartitionProposal> {
        let l = self.leader_state_mut()?;
        if l.isr.in_flight() {
            return None;
        }
        let out = isr::lagging(
            l.isr.committed(),
            l.isr.leader(),
            &l.followers,
            now_ms,
            lag_max_ms,
        );
        if out.is_empty() {
            return None;
        }
        let new_isr = l.isr.propose_shrink(out);
        Some(self.proposal(new_isr))
    }

    fn proposal(&self, new_isr: Vec<BrokerId>) -> AlterPartitionProposal {
        let isr = self.isr().expect("only a leader proposes");
        AlterPartitionProposal {
            tp: self.tp.clone(),
            leader_epoch: self.leader_epoch,
            partition_epoch: isr.partition_epoch(),
            new_isr,
            change: isr.pending().expect("just proposed").clone(),
            generation: self.generation,
        }
    }

    /// Is this proposal still the one pending here? Only then is its answer
    /// ours to apply, or a retry ours to send (Kafka compares
    /// `partitionState != proposedIsrState`).
    pub fn is_pending(&self, sent: &AlterPartitionProposal) -> bool {
        self.generation == sent.generation
            && self.isr().is_some_and(|isr| {
                isr.pending() == Some(&sent.change) && isr.partition_epoch() == sent.partition_epoch
            })
    }

    /// Kafka's handleAlterPartitionUpdate / handleAlterPartitionError. The
    /// caller recomputes the HW after `Committed`.
    pub fn on_alter_partition_answer(
        &mut self,
        sent: &AlterPartitionProposal,
        answer: AlterPartitionAnswer<'_>,
    ) -> AfterAlterPartition {
        if !self.is_pending(sent) {
            return AfterAlterPartition::Stale;
        }
        match answer {
            AlterPartitionAnswer::NoAnswer => AfterAlterPartition::Retry,
            AlterPartitionAnswer::Refused => AfterAlterPartition::AwaitMetadata,
            // An answer for another leadership, or older than what we know:
            // keep the pending state until metadata sorts it out.
            AlterPartitionAnswer::Accepted(state)
                if state.leader_epoch != self.leader_epoch
                    || state.partition_epoch < self.partition_epoch =>
            {
                AfterAlterPartition::AwaitMetadata
            }
            AlterPartitionAnswer::Accepted(state) => {
                self.partition_epoch = state.partition_epoch;
                let l = self.leader_state_mut().expect("pending implies leader");
                l.isr.commit(state.isr.clone(), state.partition_epoch);
                AfterAlterPartition::Committed
            }
        }
    }

    /// Recompute the leader's HW over the maximal ISR; true if it moved. A
    /// leader's HW never goes back.
    pub fn advance_hw(&mut self, log: &PartitionLog, min_insync_replicas: u32) -> bool {
        let leo = log.log_end_offset();
        let Role::Leader(l) = &self.role else {
            return false;
        };
        let Some(hw) = isr::high_watermark(&l.isr, leo, &l.followers, min_insync_replicas) else {
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
            elr: Vec::new(),
            last_known_elr: Vec::new(),
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
        assert!(!r.advance_hw(&log, 1), "followers have not fetched");
        let mut shrunk = state(1, 0, vec![1]);
        shrunk.partition_epoch = 1;
        assert_eq!(r.apply(1, &shrunk, &mut log, false, 0), RoleChange::None);
        assert!(r.advance_hw(&log, 1), "the leader alone is the ISR");
        assert_eq!(r.high_watermark(), 3);
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

    #[test]
    fn a_pending_expansion_holds_the_hw_until_answered_or_replaced_by_metadata() {
        let mut r = Replica::new(TopicPartition::new("t", 0), 0);
        let mut log = log_of(3);
        r.apply(1, &state(1, 0, vec![1, 2]), &mut log, false, 0);
        assert_eq!(r.record_follower_fetch(2, 3, &log, 1), Ok(None));
        assert!(r.advance_hw(&log, 2));
        let sent = r
            .record_follower_fetch(3, 3, &log, 2)
            .expect("a follower")
            .expect("caught up to the HW: proposes to join");
        assert_eq!(sent.new_isr, vec![1, 2, 3]);
        log.append_as_leader(
            RecordBatch::new(vec![Record {
                key: None,
                value: vec![9],
            }]),
            0,
        );
        assert_eq!(r.record_follower_fetch(2, 4, &log, 3), Ok(None));
        assert!(!r.advance_hw(&log, 2), "the HW waits for the joining 3");
        assert_eq!(
            r.on_alter_partition_answer(&sent, AlterPartitionAnswer::NoAnswer),
            AfterAlterPartition::Retry
        );
        assert_eq!(
            r.on_alter_partition_answer(&sent, AlterPartitionAnswer::Refused),
            AfterAlterPartition::AwaitMetadata
        );
        assert_eq!(r.isr().map(IsrState::maximal), Some(vec![1, 2, 3]));
        let mut expanded = state(1, 0, vec![1, 2, 3]);
        expanded.partition_epoch = 1;
        assert_eq!(r.apply(1, &expanded, &mut log, false, 4), RoleChange::None);
        assert!(
            !r.isr().is_some_and(IsrState::in_flight),
            "metadata replaced it"
        );
        assert_eq!(
            r.on_alter_partition_answer(&sent, AlterPartitionAnswer::Accepted(&expanded)),
            AfterAlterPartition::Stale
        );
    }
}
