//! Requests and responses between hosts. The shapes follow Kafka's APIs; the wire
//! encoding does not (see `wire`).
use crate::batch::{ControlMarker, RecordBatch};
use crate::config::{Acks, IsolationLevel};
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, ProducerId, TopicPartition};
use crate::metadata::{MetadataImage, PartitionState};
use crate::producer_state::AbortedTxn;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    Earliest,
    Latest,
}

/// A ListOffsets answer: the offset, and for `Latest` the partition's
/// current leader epoch (KIP-320's ListOffsets v4 field, Kafka's
/// Partition.fetchOffsetForTimestamp: `Optional.of(leaderEpoch)`). `None` for
/// `Earliest` (Kafka would give the epoch of the log start's batch; nothing
/// here uses it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedOffset {
    pub offset: i64,
    pub leader_epoch: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    Produce {
        tp: TopicPartition,
        acks: Acks,
        timeout_ms: u64,
        batch: RecordBatch,
        /// Set by a transactional producer (Kafka's ProduceRequest carries it),
        /// so the leader can verify the partition with the coordinator (KIP-890).
        transactional_id: Option<String>,
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
        /// Latest under read_committed is the last stable offset, under
        /// read_uncommitted the high watermark (KIP-98's ListOffsets v2).
        isolation: IsolationLevel,
    },
    Metadata,
    InitProducerId,
    /// Consumer group APIs, served by the group's coordinator (`group::protocol`).
    Group(crate::group::protocol::GroupRequest),
    /// Transaction APIs, served by the transactional.id's coordinator (`txn::protocol`).
    Txn(crate::txn::protocol::TxnRequest),
    /// From a transaction coordinator to a partition leader: append this marker
    /// (a control batch) for the producer's transaction.
    WriteTxnMarker {
        tp: TopicPartition,
        producer_id: ProducerId,
        producer_epoch: i16,
        marker: ControlMarker,
        /// The sender's leader epoch of the transactional id's state
        /// partition: markers of an older coordinator are fenced.
        coordinator_epoch: i32,
        timeout_ms: u64,
    },
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
    /// A consumer's fetch of every partition this broker leads for it, as
    /// Kafka's consumer sends one FetchRequest per node
    /// (AbstractFetch.prepareFetchRequests). Answered partition by partition,
    /// in request order.
    ConsumerFetch {
        partitions: Vec<PartitionFetch>,
    },
    /// A consumer validating its position after a leader change (KIP-320):
    /// where does `leader_epoch` (the epoch of the last record it consumed)
    /// end on the leader's log? Kafka's OffsetsForLeaderEpoch, one partition.
    OffsetsForLeaderEpoch {
        tp: TopicPartition,
        /// The leader epoch the consumer believes current, fenced as a fetch's.
        current_leader_epoch: Option<i32>,
        leader_epoch: i32,
    },
}

/// One partition of a [`Request::ConsumerFetch`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionFetch {
    pub tp: TopicPartition,
    pub fetch_offset: i64,
    pub max_batches: u32,
    /// The leader epoch the consumer believes current (KIP-320): an older one
    /// is answered FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH.
    /// `None` from a client without epoch validation.
    pub current_leader_epoch: Option<i32>,
    /// read_committed reads below the last stable offset only.
    pub isolation: IsolationLevel,
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
        result: Result<ListedOffset, ErrorCode>,
    },
    Metadata(MetadataImage),
    InitProducerId {
        result: Result<(ProducerId, i16), ErrorCode>,
    },
    Group(crate::group::protocol::GroupResponse),
    Txn(crate::txn::protocol::TxnResponse),
    /// The marker's offset.
    WriteTxnMarker {
        result: Result<i64, ErrorCode>,
    },
    BrokerHeartbeat {
        image: Option<MetadataImage>,
    },
    AlterPartition {
        /// Boxed: with KIP-966's ELR fields the state would make every
        /// response (and every producer event holding one) as large.
        result: Result<Box<PartitionState>, ErrorCode>,
    },
    /// Each partition of a [`Request::ConsumerFetch`], in request order.
    ConsumerFetch {
        partitions: Vec<(TopicPartition, Result<FetchData, ErrorCode>)>,
    },
    /// The largest epoch at most the requested one and where it ends on the
    /// leader's log (UNDEFINED_EPOCH, UNDEFINED_OFFSET: no such epoch).
    OffsetsForLeaderEpoch {
        result: Result<(i32, i64), ErrorCode>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchData {
    pub high_watermark: i64,
    pub log_end_offset: i64,
    pub batches: Vec<RecordBatch>,
    /// The leader's (epoch, end offset) where the follower's log diverges.
    pub diverging: Option<(i32, i64)>,
    pub last_stable_offset: i64,
    /// read_committed: the aborted transactions with records in the range
    /// returned, whose records the consumer drops.
    pub aborted: Vec<AbortedTxn>,
}
