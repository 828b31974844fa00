//! Kafka's error codes, as the brokers, the controller and the group
//! coordinator answer them. A file of its own because both the cluster
//! protocol (`protocol`) and the group protocol (`group::protocol`) carry it.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    NotLeaderOrFollower,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    RequestTimedOut,
    OutOfOrderSequenceNumber,
    InvalidProducerEpoch,
    UnknownTopicOrPartition,
    OffsetOutOfRange,
    FencedLeaderEpoch,
    /// The request's current leader epoch is newer than the broker's (KIP-320):
    /// the broker has not yet heard of the leader change the client has.
    UnknownLeaderEpoch,
    /// AlterPartition lost its compare-and-set on the partition epoch.
    InvalidUpdateVersion,
    StaleBrokerEpoch,
    /// The broker has not been registered with the controller since it started.
    BrokerNotAvailable,
    /// KIP-890: the coordinator says the partition is not in the producer's
    /// open transaction; the write is refused (abortable for the producer).
    InvalidTxnState,
    /// A transaction marker from a coordinator older than one whose marker
    /// this producer already has here.
    TransactionCoordinatorFenced,
}

impl ErrorCode {
    /// Errors after which the producer may retry (Kafka's RetriableException).
    pub fn is_retriable(self) -> bool {
        !matches!(
            self,
            ErrorCode::InvalidProducerEpoch | ErrorCode::InvalidTxnState
        )
    }

    /// Errors returned only when the record was certainly not appended. Not
    /// NOT_LEADER_OR_FOLLOWER: a leader that loses leadership while an acks=all
    /// produce waits for replication answers with it too, after the append, and
    /// the record may be committed on the new leader.
    pub fn proves_not_written(self) -> bool {
        matches!(
            self,
            ErrorCode::NotEnoughReplicas
                | ErrorCode::OutOfOrderSequenceNumber
                | ErrorCode::InvalidProducerEpoch
                | ErrorCode::UnknownTopicOrPartition
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::BrokerNotAvailable
                | ErrorCode::InvalidTxnState
        )
    }

    /// Kafka's name for it.
    pub fn kafka_name(self) -> &'static str {
        match self {
            ErrorCode::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            ErrorCode::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            ErrorCode::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            ErrorCode::RequestTimedOut => "REQUEST_TIMED_OUT",
            ErrorCode::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            ErrorCode::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            ErrorCode::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            ErrorCode::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            ErrorCode::UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            ErrorCode::InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            ErrorCode::StaleBrokerEpoch => "STALE_BROKER_EPOCH",
            ErrorCode::BrokerNotAvailable => "BROKER_NOT_AVAILABLE",
            ErrorCode::InvalidTxnState => "INVALID_TXN_STATE",
            ErrorCode::TransactionCoordinatorFenced => "TRANSACTION_COORDINATOR_FENCED",
        }
    }
}
