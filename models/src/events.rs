//! The cluster's own account of what happened (elections, ISR changes,
//! fencing, truncations, power loss, HW freezes, group coordinators, and the
//! consumers' own truncation findings when they are given the log), stamped
//! with simulated time. It is an observer's record for explaining a run, never
//! an input to the checker, and recording must not change what a run does: no
//! awaits, no randomness, nothing the simulation reads back.
use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

/// One event at `at_ms` of simulated time (one line of `events.jsonl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedEvent {
    pub at_ms: u64,
    #[serde(flatten)]
    pub event: ClusterEvent,
}

/// Why the controller elected a leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElectionReason {
    /// The previous leader was fenced (session expired, or it restarted).
    LeaderFenced,
    /// The partition had no leader; a replica's broker came back.
    BrokerUnfenced,
}

/// Why the controller fenced a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FenceReason {
    /// No heartbeat for `broker.session.timeout.ms`.
    SessionExpired,
    /// A new incarnation registered: the old one is fenced first (KIP-841/903).
    Restarted,
    /// A new incarnation registered without having shut down cleanly
    /// (`kafka.version` 4.1, KIP-966): as `restarted`, and the broker also
    /// leaves every ISR (the last member too) and every ELR.
    UncleanShutdown,
}

/// Why the controller's ISR changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IsrCause {
    /// The leader's AlterPartition (compare-and-set on the partition epoch).
    AlterPartition,
    /// The controller removed a fenced broker.
    BrokerFenced,
    /// An election from the ELR made the new leader the whole ISR (KIP-966).
    Election,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IsrChangeKind {
    Expand,
    Shrink,
}

/// Why a replica cut its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TruncationReason {
    /// The leader's epoch cache says the logs diverge here (KIP-101/279).
    LeaderEpoch,
    /// Pre-KIP-101: the follower was past the leader's log end.
    LeaderLogEnd,
    /// Pre-KIP-101 (`logjam.legacy.hw.truncation`): a new follower cuts to its
    /// own high watermark.
    HighWatermarkOnBecomingFollower,
}

/// A partition's offsets on one broker: `[from, to)` dropped, or kept up to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRange {
    pub tp: TopicPartition,
    pub from: i64,
    pub to: i64,
}

/// A broker's log end offset for one partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerOffset {
    pub broker: BrokerId,
    pub log_end_offset: i64,
}

/// What a consumer did about a position the new leader's log truncated
/// (KIP-320).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TruncationAction {
    /// Continued from the first offset known to diverge.
    ResetToDivergence,
    /// The leader knew no epoch at or before the position's: reset as
    /// `auto.offset.reset` says.
    ResetPerPolicy,
    /// `auto.offset.reset=none`: the poll failed with LogTruncation.
    Raised,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClusterEvent {
    /// The controller chose a leader.
    Election {
        tp: TopicPartition,
        leader: BrokerId,
        leader_epoch: i32,
        /// Not from the ISR (`unclean.leader.election.enable`).
        unclean: bool,
        /// From the eligible leader replicas, the ISR being empty (KIP-966):
        /// clean, the new leader holds every committed record.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        from_elr: bool,
        /// The ELR before the election (4.1 only).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elr_before: Vec<BrokerId>,
        reason: ElectionReason,
        isr_before: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        /// Unclean only: the new leader's log end, against the log ends of
        /// the ISR it replaced (read off the disks by the observer, not
        /// known to the controller): what it lacked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leader_log_end_offset: Option<i64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        isr_before_log_end_offsets: Vec<BrokerOffset>,
    },
    /// The partition lost its leader and no replica may lead.
    PartitionOffline {
        tp: TopicPartition,
        leader_epoch: i32,
        isr: Vec<BrokerId>,
        /// The eligible leader replicas, none of them live (4.1 only).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elr: Vec<BrokerId>,
    },
    /// A leader sent AlterPartition (its pending, KIP-497 state).
    IsrProposed {
        broker: BrokerId,
        tp: TopicPartition,
        change: IsrChangeKind,
        members: Vec<BrokerId>,
        proposed_isr: Vec<BrokerId>,
        /// The compare-and-set token: the epoch of the ISR the leader knows.
        partition_epoch: i32,
    },
    /// The controller changed a partition's ISR.
    IsrCommitted {
        tp: TopicPartition,
        leader: Option<BrokerId>,
        old_isr: Vec<BrokerId>,
        new_isr: Vec<BrokerId>,
        partition_epoch: i32,
        cause: IsrCause,
    },
    /// The controller changed a partition's eligible leader replicas or last
    /// known ELR (KIP-966, `kafka.version` 4.1), with the ISR they go with.
    ElrChanged {
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        old_elr: Vec<BrokerId>,
        elr: Vec<BrokerId>,
        last_known_elr: Vec<BrokerId>,
        partition_epoch: i32,
        cause: IsrCause,
    },
    /// The controller refused an AlterPartition.
    IsrRejected {
        broker: BrokerId,
        tp: TopicPartition,
        proposed_isr: Vec<BrokerId>,
        error: String,
    },
    /// The leader heard the controller's answer: its pending change is over.
    IsrAcknowledged {
        broker: BrokerId,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        partition_epoch: i32,
    },
    /// An AlterPartition got no answer: the leader sends it again.
    AlterPartitionRetry {
        broker: BrokerId,
        tp: TopicPartition,
        proposed_isr: Vec<BrokerId>,
    },
    BrokerFenced {
        broker: BrokerId,
        reason: FenceReason,
    },
    BrokerUnfenced {
        broker: BrokerId,
        incarnation: u64,
    },
    /// A replica cut its log from `from_offset` to `to_offset`.
    Truncation {
        broker: BrokerId,
        tp: TopicPartition,
        from_offset: i64,
        to_offset: i64,
        reason: TruncationReason,
    },
    /// Power loss: the process died and every unflushed batch is gone.
    PowerLoss {
        broker: BrokerId,
        /// Per partition, the offsets dropped (only partitions that lost some).
        dropped: Vec<PartitionRange>,
    },
    /// The process died; the page cache survives, memory (roles, pending
    /// AlterPartitions, group membership) does not.
    BrokerCrashed {
        broker: BrokerId,
        /// Per partition, the log kept: `[0, to)`, `from` = the fsynced end (the
        /// kernel may have written back more, see `Disk::lose_power`).
        kept: Vec<PartitionRange>,
    },
    BrokerRestarted {
        broker: BrokerId,
        kept: Vec<PartitionRange>,
    },
    /// The leader's confirmed ISR fell below `min.insync.replicas`: its HW
    /// stops (Kafka ≥ 3.7, `isUnderMinIsr`).
    HwFrozen {
        broker: BrokerId,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        min_insync_replicas: u32,
        high_watermark: i64,
    },
    HwUnfrozen {
        broker: BrokerId,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        high_watermark: i64,
    },
    /// This broker became leader of a `__consumer_offsets` partition: it
    /// coordinates that partition's groups.
    CoordinatorLoaded {
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: i32,
    },
    CoordinatorUnloaded {
        broker: BrokerId,
        tp: TopicPartition,
    },
    /// A new coordinator loaded the group's latest GroupMetadata record from
    /// its offsets log: these members carry on in this generation.
    GroupLoaded {
        broker: BrokerId,
        group: String,
        generation: i32,
        members: Vec<String>,
    },
    /// A rebalance completed: a new generation with these members.
    GroupRebalanced {
        broker: BrokerId,
        group: String,
        generation: i32,
        members: Vec<String>,
    },
    /// A group coordinator answered an OffsetFetch with require_stable
    /// UNSTABLE_OFFSET_COMMIT for these partitions: a transactional offset
    /// commit for each is pending (KIP-447), so the asking member waits.
    OffsetFetchUnstable {
        broker: BrokerId,
        group: String,
        partitions: Vec<TopicPartition>,
    },
    /// A consumer validated its position after a leader change
    /// (OffsetsForLeaderEpoch, KIP-320) and found it truncated: the leader's
    /// log ends the position's epoch at `end_offset`, below `position`.
    /// Recorded by the client, when it is given the log.
    ConsumerTruncationDetected {
        client: String,
        tp: TopicPartition,
        position: i64,
        position_epoch: i32,
        leader_epoch: i32,
        end_epoch: i32,
        end_offset: i64,
        action: TruncationAction,
    },
    /// A consumer's fetch at `position` was answered OFFSET_OUT_OF_RANGE: it
    /// resets as `auto.offset.reset` says (the pre-KIP-320 consumer's only
    /// sign of a truncation past its position).
    ConsumerOffsetOutOfRange {
        client: String,
        tp: TopicPartition,
        position: i64,
    },
    /// A transaction coordinator moved a transactional.id to a new state
    /// (written to `__transaction_state`; PrepareEpochFence is in memory only).
    TxnStateChanged {
        broker: BrokerId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        /// Kafka's state name: Empty, Ongoing, PrepareCommit, PrepareAbort,
        /// CompleteCommit, CompleteAbort, PrepareEpochFence.
        state: String,
        partitions: Vec<TopicPartition>,
    },
    /// A new transaction coordinator loaded a transactional.id's state from its
    /// `__transaction_state` log.
    TxnLoaded {
        broker: BrokerId,
        transactional_id: String,
        producer_epoch: i16,
        state: String,
    },
    /// A partition leader appended a transaction marker (control batch).
    TxnMarkerWritten {
        broker: BrokerId,
        tp: TopicPartition,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        offset: i64,
    },
    /// A request of an older producer epoch was refused: the producer is fenced.
    ProducerFenced {
        broker: BrokerId,
        transactional_id: String,
        producer_epoch: i16,
        current_epoch: i16,
    },
}

/// The shared event log: one simulation runs on one thread, so an
/// `Rc<RefCell<..>>` cloned into the controller and every broker.
#[derive(Clone, Debug, Default)]
pub struct EventLog(Rc<RefCell<Vec<TimedEvent>>>);

impl EventLog {
    pub fn record(&self, at_ms: u64, event: ClusterEvent) {
        self.0.borrow_mut().push(TimedEvent { at_ms, event });
    }

    /// Every event so far, in the order recorded (which is time order).
    pub fn snapshot(&self) -> Vec<TimedEvent> {
        self.0.borrow().clone()
    }
}
