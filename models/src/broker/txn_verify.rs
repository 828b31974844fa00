//! KIP-890 part 1 on a partition leader: before the first transactional write
//! of a producer to a partition where it has no open transaction, ask the
//! transactional.id's coordinator whether the partition is in the producer's
//! open transaction. A late write of an ended transaction is refused instead of
//! opening a transaction no coordinator knows about (a hanging transaction).
//! Off under `logjam.legacy.transaction.v1`.
use super::{txn_coordinator, BrokerHandle};
use crate::batch::RecordBatch;
use crate::error_code::ErrorCode;
use crate::ids::{broker_host, TopicPartition, BROKER_PORT};
use crate::internal_topics::TRANSACTION_STATE_TOPIC;
use crate::protocol::{Request, Response};
use crate::rpc::Channel;
use crate::txn::protocol::{TxnError, TxnRequest, TxnResponse};
use crate::txn::state_partition;

/// How long the leader waits for the coordinator's answer.
const VERIFY_TIMEOUT_MS: u64 = 1_000;

/// Is this write allowed to open a transaction here? `Ok` when no check is
/// needed (not transactional, legacy protocol, or a transaction already open).
pub async fn verify(
    h: &BrokerHandle,
    tp: &TopicPartition,
    batch: &RecordBatch,
    transactional_id: Option<&str>,
) -> Result<(), ErrorCode> {
    let Some(transactional_id) = transactional_id else {
        return Ok(());
    };
    let coordinator = {
        let b = h.state.borrow();
        if !batch.is_transactional || b.config.legacy_transaction_v1 {
            return Ok(());
        }
        let disk = b.disk.borrow();
        let open = disk
            .log(tp)
            .is_some_and(|log| log.producers().has_open_transaction(batch.producer_id));
        if open {
            return Ok(());
        }
        let state_tp = b
            .topics
            .get(TRANSACTION_STATE_TOPIC)
            .map(|t| state_partition(transactional_id, t.partitions));
        let leader = state_tp.and_then(|s| b.image.leader(&s)).map(|(l, _)| l);
        leader.map(|l| (l, l == b.id))
    };
    let req = TxnRequest::VerifyPartition {
        transactional_id: transactional_id.to_string(),
        producer_id: batch.producer_id,
        producer_epoch: batch.producer_epoch,
        tp: tp.clone(),
    };
    let answer = match coordinator {
        None => Err(TxnError::CoordinatorNotAvailable),
        Some((_, true)) => match txn_coordinator::handle(h, req).await {
            TxnResponse::VerifyPartition(r) => r,
            _ => Err(TxnError::CoordinatorNotAvailable),
        },
        Some((leader, false)) => {
            let mut ch = Channel::new(broker_host(leader), BROKER_PORT);
            match ch.call(&Request::Txn(req), VERIFY_TIMEOUT_MS).await {
                Ok(Response::Txn(TxnResponse::VerifyPartition(r))) => r,
                _ => Err(TxnError::CoordinatorNotAvailable),
            }
        }
    };
    answer.map_err(|e| match e {
        TxnError::ProducerFenced | TxnError::InvalidProducerEpoch => {
            ErrorCode::InvalidProducerEpoch
        }
        TxnError::InvalidTxnState | TxnError::InvalidProducerIdMapping => {
            ErrorCode::InvalidTxnState
        }
        // KIP-890: coordinator trouble is answered with a retriable error
        // that proves the record was not written.
        _ => ErrorCode::NotEnoughReplicas,
    })
}
