//! The group APIs (Kafka's FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup, OffsetCommit, OffsetFetch), carried inside the broker protocol
//! as `Request::Group` / `Response::Group`.
use crate::config::AssignmentStrategy;
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GroupRequest {
    FindCoordinator {
        group: String,
    },
    JoinGroup {
        group: String,
        /// `None` on a first join: the coordinator hands out an id.
        member_id: Option<String>,
        client_id: String,
        topics: Vec<String>,
        /// Partitions the member still owns (cooperative protocol; empty when eager).
        owned: Vec<TopicPartition>,
        session_timeout_ms: u64,
        /// `max.poll.interval.ms`: how long the coordinator waits for members to rejoin.
        rebalance_timeout_ms: u64,
        strategy: AssignmentStrategy,
    },
    SyncGroup {
        group: String,
        member_id: String,
        generation: i32,
    },
    Heartbeat {
        group: String,
        member_id: String,
        generation: i32,
    },
    LeaveGroup {
        group: String,
        member_id: String,
    },
    OffsetCommit {
        group: String,
        member_id: String,
        generation: i32,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        /// How long the coordinator waits for the commit to replicate.
        timeout_ms: u64,
    },
    OffsetFetch {
        group: String,
        partitions: Vec<TopicPartition>,
        /// KIP-447's require_stable: a partition with a transactional offset
        /// commit still pending is answered UNSTABLE_OFFSET_COMMIT instead of
        /// its older committed offset, so the new owner waits for the
        /// transaction to end rather than start from a stale offset.
        require_stable: bool,
    },
    /// KIP-447: offsets committed inside a transaction, fenced by the
    /// consumer's generation and member id like a plain commit; pending until
    /// the transaction's marker lands.
    TxnOffsetCommit {
        group: String,
        producer_id: crate::ids::ProducerId,
        producer_epoch: i16,
        member_id: String,
        generation: i32,
        offsets: Vec<(TopicPartition, i64)>,
        timeout_ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub generation: i32,
    pub member_id: String,
    pub leader: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GroupResponse {
    FindCoordinator(Result<BrokerId, GroupError>),
    JoinGroup(Result<Joined, GroupError>),
    SyncGroup(Result<Vec<TopicPartition>, GroupError>),
    Heartbeat(Result<(), GroupError>),
    LeaveGroup(Result<(), GroupError>),
    OffsetCommit(Result<(), GroupError>),
    TxnOffsetCommit(Result<(), GroupError>),
    /// Per requested partition: its committed offset (`None` if there is
    /// none), or its own error (UNSTABLE_OFFSET_COMMIT), as Kafka's
    /// OffsetFetchResponse carries an error code per partition.
    OffsetFetch(Result<Vec<FetchedOffset>, GroupError>),
}

/// One partition of an OffsetFetch answer.
pub type FetchedOffset = (TopicPartition, Result<Option<CommittedOffset>, GroupError>);

/// A committed offset (the next offset to read) with the leader epoch of the
/// record before it: OffsetCommit's committedLeaderEpoch (KIP-320), so a
/// consumer that starts from it can validate it against the current leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedOffset {
    pub offset: i64,
    /// `None`: committed without an epoch (nothing to validate).
    pub leader_epoch: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupError {
    /// No live leader for the group's offsets partition.
    CoordinatorNotAvailable,
    /// This broker does not lead the group's offsets partition (any more).
    NotCoordinator,
    /// Newly coordinator; the offsets log is not yet committed up to the
    /// start of this leadership.
    CoordinatorLoadInProgress,
    /// The request's generation is not the group's current one.
    IllegalGeneration,
    /// The member is not (or no longer) in the group.
    UnknownMemberId,
    /// The group is rebalancing: rejoin.
    RebalanceInProgress,
    /// Appending the commit to the offsets log failed (the log's own error).
    Storage(ErrorCode),
    /// OffsetFetch with require_stable, per partition: a transactional offset
    /// commit for it is pending (retriable: ask again once it has ended).
    UnstableOffsetCommit,
}

impl GroupError {
    pub fn kafka_name(self) -> &'static str {
        match self {
            GroupError::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            GroupError::NotCoordinator => "NOT_COORDINATOR",
            GroupError::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            GroupError::IllegalGeneration => "ILLEGAL_GENERATION",
            GroupError::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            GroupError::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            GroupError::UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
            GroupError::Storage(e) => e.kafka_name(),
        }
    }

    /// For a commit: the offsets were certainly not written. A storage error
    /// after the append (a timeout waiting for replication, leadership lost
    /// meanwhile, NOT_ENOUGH_REPLICAS_AFTER_APPEND) leaves it unknown.
    pub fn proves_not_committed(self) -> bool {
        match self {
            GroupError::Storage(e) => e.proves_not_written(),
            _ => true,
        }
    }

    /// The member must rejoin the group before committing again.
    pub fn needs_rejoin(self) -> bool {
        matches!(
            self,
            GroupError::IllegalGeneration
                | GroupError::UnknownMemberId
                | GroupError::RebalanceInProgress
        )
    }

    /// The client should look the coordinator up again.
    pub fn coordinator_moved(self) -> bool {
        matches!(
            self,
            GroupError::NotCoordinator | GroupError::CoordinatorNotAvailable
        )
    }
}

impl std::fmt::Display for GroupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kafka_name())
    }
}
