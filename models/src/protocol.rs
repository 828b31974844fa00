//! Requests and responses between hosts. The shapes follow Kafka's APIs; the wire
//! encoding does not (see `wire`).
use crate::batch::RecordBatch;
use crate::config::Acks;
use crate::ids::{BrokerId, ProducerId, TopicPartition};
use crate::metadata::{MetadataImage, PartitionState};
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
    /// AlterPartition lost its compare-and-set on the partition epoch.
    InvalidUpdateVersion,
    StaleBrokerEpoch,
    /// The broker has not been registered with the controller since it started.
    BrokerNotAvailable,
}

impl ErrorCode {
    /// Errors after which the producer may retry (Kafka's RetriableException).
    pub fn is_retriable(self) -> bool {
        !matches!(self, ErrorCode::InvalidProducerEpoch)
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
            ErrorCode::InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            ErrorCode::StaleBrokerEpoch => "STALE_BROKER_EPOCH",
            ErrorCode::BrokerNotAvailable => "BROKER_NOT_AVAILABLE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    Earliest,
    Latest,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    Produce {
        tp: TopicPartition,
        acks: Acks,
        timeout_ms: u64,
        batch: RecordBatch,
    },
    Fetch {
        tp: TopicPartition,
        fetch_offset: i64,
        /// Set for follower fetches; consumers leave it empty.
        replica: Option<FollowerFetch>,
        max_batches: u32,
        max_wait_ms: u64,
    },
    ListOffsets {
        tp: TopicPartition,
        spec: OffsetSpec,
    },
    Metadata,
    InitProducerId,
    /// Consumer group APIs, served by the group's coordinator (`group::protocol`).
    Group(crate::group::protocol::GroupRequest),
    BrokerHeartbeat {
        broker: BrokerId,
        incarnation: u64,
        known_version: u64,
    },
    AlterPartition {
        broker: BrokerId,
        incarnation: u64,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerFetch {
    pub replica_id: BrokerId,
    /// The leader epoch the follower believes current (KIP-320 fencing).
    pub leader_epoch: i32,
    /// Epoch of the follower's last batch, for divergence detection (KIP-101/279/595).
    pub last_fetched_epoch: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Produce {
        result: Result<i64, ErrorCode>,
    },
    Fetch {
        result: Result<FetchData, ErrorCode>,
    },
    ListOffsets {
        result: Result<i64, ErrorCode>,
    },
    Metadata(MetadataImage),
    InitProducerId {
        result: Result<(ProducerId, i16), ErrorCode>,
    },
    Group(crate::group::protocol::GroupResponse),
    BrokerHeartbeat {
        image: Option<MetadataImage>,
    },
    AlterPartition {
        result: Result<PartitionState, ErrorCode>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchData {
    pub high_watermark: i64,
    pub log_end_offset: i64,
    pub batches: Vec<RecordBatch>,
    /// The leader's (epoch, end offset) where the follower's log diverges.
    pub diverging: Option<(i32, i64)>,
}
