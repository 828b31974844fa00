//! The transactional producer (Kafka's KafkaProducer with a transactional.id
//! and its TransactionManager): `init_transactions`, `begin_transaction`,
//! `send`, `send_offsets_to_transaction`, `commit_transaction`,
//! `abort_transaction`.
//!
//! Sends are awaited one at a time (one record per batch, so at most one
//! request in flight per partition), which keeps each partition's sequence
//! numbers resolved; retries, the coordinator lookup and the error classes
//! follow Kafka's client:
//! - fatal: PRODUCER_FENCED / INVALID_PRODUCER_EPOCH and other refusals the
//!   producer cannot recover from: the producer is closed, every later call
//!   fails, and the application starts a new producer with the same id;
//! - abortable: a send failed or its outcome is unknown: the transaction can
//!   only be aborted;
//! - retriable: retried here until `delivery.timeout.ms` runs out.
use crate::batch::{Record, RecordBatch};
use crate::config::{Acks, ProducerConfig};
use crate::error_code::ErrorCode;
use crate::group::protocol::{GroupError, GroupRequest, GroupResponse};
use crate::ids::{
    broker_host, deadline_after_ms, next_bootstrap, BrokerId, ProducerId, TopicPartition,
    BROKER_PORT,
};
use crate::metadata::MetadataImage;
use crate::protocol::{Request, Response};
use crate::rpc::Channel;
use crate::txn::protocol::{TxnError, TxnRequest, TxnResponse};
use crate::txn::state::TxnResult;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::time::Instant;

/// Kafka's classes of transactional errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnErrorClass {
    /// The producer is closed (fenced, or a refusal it cannot recover from).
    Fatal,
    /// The transaction must be aborted.
    Abortable,
    /// Gave up retrying; whether it took effect is unknown.
    Retriable,
}

/// A failed transactional call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnClientError {
    pub class: TxnErrorClass,
    /// Kafka's error name, or TIMEOUT.
    pub error: String,
    /// For a commit: certainly not committed (the coordinator refused the
    /// only EndTxn that reached it, or none was sent). For a send: certainly
    /// not written.
    pub definitely_not_done: bool,
}

impl TxnClientError {
    fn new(class: TxnErrorClass, error: impl Into<String>, definitely_not_done: bool) -> Self {
        Self {
            class,
            error: error.into(),
            definitely_not_done,
        }
    }
}

impl std::fmt::Display for TxnClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error)
    }
}

/// Where the producer is in its transaction life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Ready,
    InTransaction,
    /// A send failed: only abort is allowed.
    AbortableError,
    Fatal,
}

pub struct TransactionalProducer {
    config: ProducerConfig,
    transactional_id: String,
    brokers: u32,
    next_bootstrap: BrokerId,
    metadata: MetadataImage,
    channels: BTreeMap<BrokerId, Channel>,
    coordinator: Option<BrokerId>,
    producer_id: ProducerId,
    epoch: i16,
    sequences: BTreeMap<TopicPartition, i32>,
    /// Partitions added to the open transaction.
    added: BTreeSet<TopicPartition>,
    phase: Phase,
    /// A send of this transaction may have been written without an answer:
    /// after the abort the epoch is bumped (KIP-360) so sequences restart.
    unresolved_send: bool,
}

/// Result of one attempt at a request, before retries.
enum Attempt<T> {
    Done(T),
    Retry,
    Fail(TxnClientError),
}

impl TransactionalProducer {
    /// A producer for `config.transactional_id` (the configuration must have
    /// been validated), bootstrapping from brokers 1..=`brokers`. Call
    /// `init_transactions` first.
    pub fn new(config: ProducerConfig, brokers: u32) -> Self {
        let transactional_id = config
            .transactional_id
            .clone()
            .expect("a transactional producer needs transactional.id");
        Self {
            config,
            transactional_id,
            brokers,
            next_bootstrap: 0,
            metadata: MetadataImage::default(),
            channels: BTreeMap::new(),
            coordinator: None,
            producer_id: -1,
            epoch: -1,
            sequences: BTreeMap::new(),
            added: BTreeSet::new(),
            phase: Phase::Uninitialized,
            unresolved_send: false,
        }
    }

    /// The producer id and epoch in use (-1 before `init_transactions`).
    pub fn producer_id_and_epoch(&self) -> (i64, i16) {
        (self.producer_id, self.epoch)
    }

    /// Has the producer been closed by a fatal error?
    pub fn is_fatal(&self) -> bool {
        self.phase == Phase::Fatal
    }

    fn fatal(&mut self, error: impl Into<String>) -> TxnClientError {
        self.phase = Phase::Fatal;
        TxnClientError::new(TxnErrorClass::Fatal, error, true)
    }

    fn check_phase(&self, allowed: &[Phase], call: &str) -> Result<(), TxnClientError> {
        if self.phase == Phase::Fatal {
            return Err(TxnClientError::new(
                TxnErrorClass::Fatal,
                "PRODUCER_CLOSED",
                true,
            ));
        }
        if allowed.contains(&self.phase) {
            Ok(())
        } else {
            Err(TxnClientError::new(
                TxnErrorClass::Fatal,
                format!("ILLEGAL_STATE: {call} in {:?}", self.phase),
                true,
            ))
        }
    }

    fn channel(&mut self, broker: BrokerId) -> &mut Channel {
        self.channels
            .entry(broker)
            .or_insert_with(|| Channel::new(broker_host(broker), BROKER_PORT))
    }

    /// Any broker, round robin, for lookups.
    fn any_broker(&mut self) -> Option<BrokerId> {
        next_bootstrap(&mut self.next_bootstrap, self.brokers)
    }

    async fn refresh_metadata(&mut self) {
        let Some(b) = self.any_broker() else { return };
        let timeout = self.config.request_timeout_ms;
        if let Ok(Response::Metadata(m)) = self.channel(b).call(&Request::Metadata, timeout).await {
            self.metadata = m;
        }
    }

    async fn backoff(&self) {
        tokio::time::sleep(Duration::from_millis(self.config.retry_backoff_ms)).await;
    }

    /// A transaction request to the coordinator, looked up when unknown or moved.
    async fn call_coordinator(&mut self, req: TxnRequest) -> Result<TxnResponse, TxnError> {
        let timeout = self.config.request_timeout_ms;
        let coordinator = match self.coordinator {
            Some(c) => c,
            None => {
                let b = self.any_broker().ok_or(TxnError::CoordinatorNotAvailable)?;
                let find = Request::Txn(TxnRequest::FindCoordinator {
                    transactional_id: self.transactional_id.clone(),
                });
                match self.channel(b).call(&find, timeout).await {
                    Ok(Response::Txn(TxnResponse::FindCoordinator(Ok(c)))) => {
                        self.coordinator = Some(c);
                        c
                    }
                    _ => return Err(TxnError::CoordinatorNotAvailable),
                }
            }
        };
        match self
            .channel(coordinator)
            .call(&Request::Txn(req), timeout)
            .await
        {
            Ok(Response::Txn(r)) => Ok(r),
            _ => {
                self.coordinator = None;
                Err(TxnError::Storage(ErrorCode::RequestTimedOut))
            }
        }
    }

    /// Classify a coordinator error the way Kafka's TransactionManager does.
    fn on_txn_error<T>(&mut self, e: TxnError) -> Attempt<T> {
        if e.coordinator_moved() {
            self.coordinator = None;
        }
        if e.is_retriable() {
            Attempt::Retry
        } else {
            Attempt::Fail(self.fatal(e.kafka_name()))
        }
    }

    /// Retry `attempt` until it is done, fails, or `delivery.timeout.ms` runs out.
    async fn retrying<T>(
        &mut self,
        mut attempt: impl AsyncFnMut(&mut Self) -> Attempt<T>,
    ) -> Result<T, TxnClientError> {
        let deadline = deadline_after_ms(self.config.delivery_timeout_ms);
        loop {
            match attempt(self).await {
                Attempt::Done(t) => return Ok(t),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry if Instant::now() >= deadline => {
                    return Err(TxnClientError::new(
                        TxnErrorClass::Retriable,
                        "TIMEOUT",
                        false,
                    ))
                }
                Attempt::Retry => self.backoff().await,
            }
        }
    }

    /// `initTransactions()`: find the coordinator, get the producer id and a
    /// bumped epoch; an earlier producer with this id is fenced and its open
    /// transaction aborted.
    pub async fn init_transactions(&mut self) -> Result<(), TxnClientError> {
        self.check_phase(&[Phase::Uninitialized], "init_transactions")?;
        let (pid, epoch) = self.init_producer_id().await?;
        self.producer_id = pid;
        self.epoch = epoch;
        self.sequences.clear();
        self.phase = Phase::Ready;
        Ok(())
    }

    async fn init_producer_id(&mut self) -> Result<(ProducerId, i16), TxnClientError> {
        self.retrying(async |p: &mut Self| {
            let req = TxnRequest::InitProducerId {
                transactional_id: p.transactional_id.clone(),
                timeout_ms: p.config.transaction_timeout_ms,
            };
            match p.call_coordinator(req).await {
                Ok(TxnResponse::InitProducerId(Ok(pe))) => Attempt::Done(pe),
                Ok(TxnResponse::InitProducerId(Err(e))) | Err(e) => p.on_txn_error(e),
                Ok(_) => Attempt::Retry,
            }
        })
        .await
    }

    /// `beginTransaction()`: local only.
    pub fn begin_transaction(&mut self) -> Result<(), TxnClientError> {
        self.check_phase(&[Phase::Ready], "begin_transaction")?;
        self.phase = Phase::InTransaction;
        self.added.clear();
        self.unresolved_send = false;
        Ok(())
    }

    async fn add_partition(&mut self, tp: &TopicPartition) -> Result<(), TxnClientError> {
        if self.added.contains(tp) {
            return Ok(());
        }
        self.retrying(async |p: &mut Self| {
            let req = TxnRequest::AddPartitions {
                transactional_id: p.transactional_id.clone(),
                producer_id: p.producer_id,
                producer_epoch: p.epoch,
                partitions: vec![tp.clone()],
            };
            match p.call_coordinator(req).await {
                Ok(TxnResponse::AddPartitions(Ok(()))) => Attempt::Done(()),
                Ok(TxnResponse::AddPartitions(Err(e))) | Err(e) => p.on_txn_error(e),
                Ok(_) => Attempt::Retry,
            }
        })
        .await?;
        self.added.insert(tp.clone());
        Ok(())
    }

    /// Send one record inside the open transaction; resolves to its offset.
    /// A failure makes the transaction abortable (or the producer fatal).
    pub async fn send(
        &mut self,
        tp: TopicPartition,
        record: Record,
    ) -> Result<i64, TxnClientError> {
        self.check_phase(&[Phase::InTransaction], "send")?;
        let result = self.send_inner(&tp, record).await;
        if let Err(e) = &result {
            if e.class != TxnErrorClass::Fatal {
                self.phase = Phase::AbortableError;
                if !e.definitely_not_done {
                    self.unresolved_send = true;
                }
            }
        }
        result
    }

    async fn send_inner(
        &mut self,
        tp: &TopicPartition,
        record: Record,
    ) -> Result<i64, TxnClientError> {
        if let Err(e) = self.add_partition(tp).await {
            // Not added: nothing of this record was sent.
            return Err(TxnClientError {
                definitely_not_done: true,
                ..e
            });
        }
        let sequence = *self.sequences.get(tp).unwrap_or(&0);
        let mut batch = RecordBatch::new(vec![record]);
        batch.producer_id = self.producer_id;
        batch.producer_epoch = self.epoch;
        batch.base_sequence = sequence;
        batch.is_transactional = true;
        let mut maybe_written = false;
        let outcome = self
            .retrying(async |p: &mut Self| {
                let Some((leader, _)) = p.metadata.leader(tp) else {
                    p.refresh_metadata().await;
                    return Attempt::Retry;
                };
                let req = Request::Produce {
                    tp: tp.clone(),
                    acks: Acks::All,
                    timeout_ms: p.config.request_timeout_ms,
                    batch: batch.clone(),
                    transactional_id: Some(p.transactional_id.clone()),
                };
                let timeout = p.config.request_timeout_ms;
                match p.channel(leader).call(&req, timeout).await {
                    Ok(Response::Produce { result: Ok(offset) }) => Attempt::Done(offset),
                    Ok(Response::Produce { result: Err(e) }) => {
                        if !e.proves_not_written() {
                            maybe_written = true;
                        }
                        match e {
                            ErrorCode::InvalidProducerEpoch => {
                                Attempt::Fail(p.fatal("INVALID_PRODUCER_EPOCH"))
                            }
                            ErrorCode::InvalidTxnState | ErrorCode::OutOfOrderSequenceNumber => {
                                Attempt::Fail(TxnClientError::new(
                                    TxnErrorClass::Abortable,
                                    e.kafka_name(),
                                    !maybe_written,
                                ))
                            }
                            _ => {
                                p.refresh_metadata().await;
                                Attempt::Retry
                            }
                        }
                    }
                    _ => {
                        maybe_written = true;
                        p.refresh_metadata().await;
                        Attempt::Retry
                    }
                }
            })
            .await;
        match outcome {
            Ok(offset) => {
                self.sequences.insert(tp.clone(), sequence.wrapping_add(1));
                Ok(offset)
            }
            Err(e) if e.class == TxnErrorClass::Retriable => Err(TxnClientError::new(
                TxnErrorClass::Abortable,
                e.error,
                !maybe_written,
            )),
            Err(e) => Err(e),
        }
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: add the group's
    /// offsets partition to the transaction, then commit the offsets through
    /// the group coordinator, pending until the transaction's marker lands.
    pub async fn send_offsets_to_transaction(
        &mut self,
        group: &str,
        member_id: &str,
        generation: i32,
        offsets: Vec<(TopicPartition, i64)>,
    ) -> Result<(), TxnClientError> {
        self.check_phase(&[Phase::InTransaction], "send_offsets_to_transaction")?;
        let result = self
            .send_offsets_inner(group, member_id, generation, offsets)
            .await;
        if let Err(e) = &result {
            if e.class != TxnErrorClass::Fatal {
                self.phase = Phase::AbortableError;
            }
        }
        result
    }

    async fn send_offsets_inner(
        &mut self,
        group: &str,
        member_id: &str,
        generation: i32,
        offsets: Vec<(TopicPartition, i64)>,
    ) -> Result<(), TxnClientError> {
        self.retrying(async |p: &mut Self| {
            let req = TxnRequest::AddOffsets {
                transactional_id: p.transactional_id.clone(),
                producer_id: p.producer_id,
                producer_epoch: p.epoch,
                group: group.to_string(),
            };
            match p.call_coordinator(req).await {
                Ok(TxnResponse::AddOffsets(Ok(()))) => Attempt::Done(()),
                Ok(TxnResponse::AddOffsets(Err(e))) | Err(e) => p.on_txn_error(e),
                Ok(_) => Attempt::Retry,
            }
        })
        .await?;
        let mut group_coordinator: Option<BrokerId> = None;
        self.retrying(async |p: &mut Self| {
            let timeout = p.config.request_timeout_ms;
            let c = match group_coordinator {
                Some(c) => c,
                None => {
                    let Some(b) = p.any_broker() else {
                        return Attempt::Retry;
                    };
                    let find = Request::Group(GroupRequest::FindCoordinator {
                        group: group.to_string(),
                    });
                    match p.channel(b).call(&find, timeout).await {
                        Ok(Response::Group(GroupResponse::FindCoordinator(Ok(c)))) => {
                            group_coordinator = Some(c);
                            c
                        }
                        _ => return Attempt::Retry,
                    }
                }
            };
            let req = Request::Group(GroupRequest::TxnOffsetCommit {
                group: group.to_string(),
                producer_id: p.producer_id,
                producer_epoch: p.epoch,
                member_id: member_id.to_string(),
                generation,
                offsets: offsets.clone(),
                timeout_ms: timeout,
            });
            match p.channel(c).call(&req, timeout).await {
                Ok(Response::Group(GroupResponse::TxnOffsetCommit(Ok(())))) => Attempt::Done(()),
                Ok(Response::Group(GroupResponse::TxnOffsetCommit(Err(e)))) => {
                    if e.coordinator_moved() || e == GroupError::CoordinatorLoadInProgress {
                        group_coordinator = None;
                        Attempt::Retry
                    } else if e.needs_rejoin() {
                        // KIP-447: a member that lost its partitions must abort.
                        Attempt::Fail(TxnClientError::new(
                            TxnErrorClass::Abortable,
                            e.kafka_name(),
                            true,
                        ))
                    } else {
                        Attempt::Retry
                    }
                }
                _ => {
                    group_coordinator = None;
                    Attempt::Retry
                }
            }
        })
        .await
    }

    /// `commitTransaction()`. Fails abortable if a send of this transaction
    /// failed (abort it then); an EndTxn whose answer never came leaves the
    /// outcome unknown (`definitely_not_done` false).
    pub async fn commit_transaction(&mut self) -> Result<(), TxnClientError> {
        if self.phase == Phase::AbortableError {
            return Err(TxnClientError::new(
                TxnErrorClass::Abortable,
                "TRANSACTION_ABORTABLE: a send failed",
                true,
            ));
        }
        self.check_phase(&[Phase::InTransaction], "commit_transaction")?;
        self.end(TxnResult::Commit).await
    }

    /// `abortTransaction()`.
    pub async fn abort_transaction(&mut self) -> Result<(), TxnClientError> {
        self.check_phase(
            &[Phase::InTransaction, Phase::AbortableError],
            "abort_transaction",
        )?;
        self.end(TxnResult::Abort).await?;
        if self.unresolved_send {
            // KIP-360: a send of the aborted transaction may still land with
            // its sequence; bump the epoch so sequences start over.
            let (pid, epoch) = self.init_producer_id().await?;
            self.producer_id = pid;
            self.epoch = epoch;
            self.sequences.clear();
            self.unresolved_send = false;
        }
        Ok(())
    }

    async fn end(&mut self, result: TxnResult) -> Result<(), TxnClientError> {
        if self.added.is_empty() {
            // Nothing was added: Kafka completes the transaction locally.
            self.phase = Phase::Ready;
            return Ok(());
        }
        let mut sent = 0u32;
        let outcome = self
            .retrying(async |p: &mut Self| {
                let req = TxnRequest::EndTxn {
                    transactional_id: p.transactional_id.clone(),
                    producer_id: p.producer_id,
                    producer_epoch: p.epoch,
                    result,
                };
                sent += 1;
                match p.call_coordinator(req).await {
                    Ok(TxnResponse::EndTxn(Ok(epoch))) => Attempt::Done(epoch),
                    Ok(TxnResponse::EndTxn(Err(e))) => {
                        let only_attempt = sent == 1;
                        match p.on_txn_error(e) {
                            Attempt::Fail(mut err) => {
                                // Refused on the only EndTxn that reached the
                                // coordinator: this transaction did not end
                                // the way we asked.
                                err.definitely_not_done = only_attempt;
                                Attempt::Fail(err)
                            }
                            other => other,
                        }
                    }
                    Err(e) => p.on_txn_error(e),
                    Ok(_) => Attempt::Retry,
                }
            })
            .await;
        match outcome {
            Ok(epoch) => {
                if epoch != self.epoch {
                    // Transaction version 2: the epoch was bumped at EndTxn.
                    self.epoch = epoch;
                    self.sequences.clear();
                }
                self.phase = Phase::Ready;
                self.added.clear();
                Ok(())
            }
            Err(e) if e.class == TxnErrorClass::Retriable => {
                // Kafka's commitTransaction times out and may be called again;
                // the outcome is unknown, and this model treats the producer as
                // unusable (the application starts a new one).
                self.phase = Phase::Fatal;
                Err(TxnClientError::new(TxnErrorClass::Fatal, e.error, false))
            }
            Err(e) => Err(e),
        }
    }
}
