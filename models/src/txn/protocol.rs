//! The transaction APIs (Kafka's FindCoordinator with key type TRANSACTION,
//! InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, and the
//! leader's verification of KIP-890 part 1), carried inside the broker
//! protocol as `Request::Txn` / `Response::Txn`.
use super::state::TxnResult;
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, ProducerId, TopicPartition};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TxnRequest {
    FindCoordinator {
        transactional_id: String,
    },
    InitProducerId {
        transactional_id: String,
        timeout_ms: u64,
    },
    AddPartitions {
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
    },
    /// Adds the group's `__consumer_offsets` partition to the transaction.
    AddOffsets {
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: i16,
        group: String,
    },
    EndTxn {
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: i16,
        result: TxnResult,
    },
    /// KIP-890 part 1, from a partition leader: is `tp` in this producer's
    /// open transaction?
    VerifyPartition {
        transactional_id: String,
        producer_id: ProducerId,
        producer_epoch: i16,
        tp: TopicPartition,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TxnResponse {
    FindCoordinator(Result<BrokerId, TxnError>),
    /// The producer id and epoch to use.
    InitProducerId(Result<(ProducerId, i16), TxnError>),
    AddPartitions(Result<(), TxnError>),
    AddOffsets(Result<(), TxnError>),
    /// The epoch the producer continues with (bumped under version 2).
    EndTxn(Result<i16, TxnError>),
    VerifyPartition(Result<(), TxnError>),
}

/// Kafka's error codes for the transaction APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnError {
    CoordinatorNotAvailable,
    NotCoordinator,
    CoordinatorLoadInProgress,
    /// The previous transaction is still being ended, or a state write is in
    /// flight: retry.
    ConcurrentTransactions,
    /// A newer producer with this transactional.id exists: fatal.
    ProducerFenced,
    /// An epoch newer than the coordinator's (a coordinator that lost state).
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    InvalidTxnState,
    /// The producer's transaction.timeout.ms exceeds transaction.max.timeout.ms.
    InvalidTransactionTimeout,
    /// Writing the state to `__transaction_state` failed.
    Storage(ErrorCode),
}

impl TxnError {
    pub fn kafka_name(self) -> &'static str {
        match self {
            TxnError::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            TxnError::NotCoordinator => "NOT_COORDINATOR",
            TxnError::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            TxnError::ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            TxnError::ProducerFenced => "PRODUCER_FENCED",
            TxnError::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            TxnError::InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            TxnError::InvalidTxnState => "INVALID_TXN_STATE",
            TxnError::InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            TxnError::Storage(e) => e.kafka_name(),
        }
    }

    /// The client should look the coordinator up again.
    pub fn coordinator_moved(self) -> bool {
        matches!(
            self,
            TxnError::NotCoordinator | TxnError::CoordinatorNotAvailable
        )
    }

    /// Kafka's client retries these (RetriableException, or handled as such by
    /// the TransactionManager).
    pub fn is_retriable(self) -> bool {
        match self {
            TxnError::CoordinatorNotAvailable
            | TxnError::NotCoordinator
            | TxnError::CoordinatorLoadInProgress
            | TxnError::ConcurrentTransactions => true,
            TxnError::Storage(e) => e.is_retriable(),
            _ => false,
        }
    }
}

impl std::fmt::Display for TxnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kafka_name())
    }
}
