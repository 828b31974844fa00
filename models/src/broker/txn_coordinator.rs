//! The transaction coordinator on a broker: it serves the transaction APIs for
//! every transactional.id whose `__transaction_state` partition this broker
//! leads (Kafka's TransactionCoordinator and TransactionStateManager). Every
//! state change is written to that partition with acks=all before it takes
//! effect, so the PrepareCommit record is the commit point; a broker that
//! becomes the partition's leader loads the states from its log and finishes
//! what a Prepare state left (Kafka's loadTransactionsForTxnTopicPartition),
//! as it does the markers (TransactionMarkerChannelManager): sent to the
//! leader of every partition in the transaction, retried across leader
//! changes until written, then Complete* is written.
//!
//! The state machine (`txn::state`) knows nothing of brokers.
use super::{allocate_producer_id, produce, BrokerHandle};
use crate::batch::ControlMarker;
use crate::config::Acks;
use crate::error_code::ErrorCode;
use crate::events::ClusterEvent;
use crate::ids::{broker_host, now_ms, BrokerId, TopicPartition, BROKER_PORT};
use crate::internal_topics::TRANSACTION_STATE_TOPIC;
use crate::protocol::{Request, Response};
use crate::rpc::Channel;
use crate::txn::log::{read_states, state_batch};
use crate::txn::protocol::{TxnError, TxnRequest, TxnResponse};
use crate::txn::state::{EndOutcome, InitOutcome, TxnMetadata, TxnResult, TxnState};
use crate::txn::state_partition;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a state write may wait for replication (Kafka's
/// `transaction.state.log` appends use the request timeout).
const STORE_TIMEOUT_MS: u64 = 5_000;

/// How long a marker request may take before it is sent again.
const MARKER_TIMEOUT_MS: u64 = 1_000;

/// Pause between rounds of marker retries (Kafka's marker channel backs off
/// by retry.backoff.ms).
const MARKER_BACKOFF_MS: u64 = 50;

#[derive(Debug)]
struct Entry {
    tp: TopicPartition,
    /// The state partition's leader epoch this state belongs to.
    leader_epoch: i32,
    /// Unique per entry on this broker: a task working for an entry stops
    /// when it was replaced (the coordinator moved away and back).
    id: u64,
    meta: TxnMetadata,
    /// A state write is in flight (Kafka's pendingState): other requests get
    /// CONCURRENT_TRANSACTIONS.
    pending: bool,
}

/// Every transactional.id this broker coordinates. Lost when it restarts.
#[derive(Debug, Default)]
pub struct TxnCoordinator {
    txns: BTreeMap<String, Entry>,
    /// Per state partition, the leader epoch whose log was loaded.
    loaded: BTreeMap<TopicPartition, i32>,
    next_entry: u64,
}

/// Does this broker coordinate `transactional_id` now? Returns the state
/// partition and its leader epoch, after loading the partition's states if
/// this leadership has not yet.
fn leadership(h: &BrokerHandle, transactional_id: &str) -> Result<(TopicPartition, i32), TxnError> {
    let (tp, epoch) = {
        let b = h.state.borrow();
        let n = b
            .topics
            .get(TRANSACTION_STATE_TOPIC)
            .map(|t| t.partitions)
            .ok_or(TxnError::CoordinatorNotAvailable)?;
        let tp = state_partition(transactional_id, n);
        let r = b.replicas.get(&tp).ok_or(TxnError::NotCoordinator)?;
        if !r.is_leader() {
            return Err(TxnError::NotCoordinator);
        }
        let disk = b.disk.borrow();
        let epoch_start = disk.log(&tp).map_or(0, |log| r.current_epoch_start(log));
        // Loading: until the HW reaches this leadership's start, a state
        // acknowledged before the move may not be visible yet.
        if r.high_watermark() < epoch_start {
            return Err(TxnError::CoordinatorLoadInProgress);
        }
        (tp, r.leader_epoch())
    };
    load(h, &tp, epoch);
    Ok((tp, epoch))
}

/// Load every state of `tp` below the HW, once per leadership, and finish the
/// transactions it finds being ended.
fn load(h: &BrokerHandle, tp: &TopicPartition, epoch: i32) {
    if h.txns.borrow().loaded.get(tp) == Some(&epoch) {
        return;
    }
    let (states, me) = {
        let b = h.state.borrow();
        let hw = b.replicas.get(tp).map_or(0, |r| r.high_watermark());
        let disk = b.disk.borrow();
        let states = disk
            .log(tp)
            .map(|log| read_states(log, hw))
            .unwrap_or_default();
        (states, b.id)
    };
    let now = now_ms();
    let mut resume = Vec::new();
    {
        let mut c = h.txns.borrow_mut();
        let c = &mut *c;
        c.loaded.insert(tp.clone(), epoch);
        // States of this partition from an earlier leadership are stale.
        c.txns.retain(|_, e| e.tp != *tp || e.leader_epoch == epoch);
        for (id, meta) in states {
            h.state.borrow().events.record(
                now,
                ClusterEvent::TxnLoaded {
                    broker: me,
                    transactional_id: id.clone(),
                    producer_epoch: meta.producer_epoch,
                    state: meta.state.name().to_string(),
                },
            );
            c.next_entry += 1;
            if meta.state.is_preparing() {
                resume.push((id.clone(), c.next_entry, meta.clone()));
            }
            c.txns.insert(
                id,
                Entry {
                    tp: tp.clone(),
                    leader_epoch: epoch,
                    id: c.next_entry,
                    meta,
                    pending: false,
                },
            );
        }
    }
    for (id, entry, meta) in resume {
        tokio::task::spawn_local(complete_transaction(h.clone(), id, entry, meta));
    }
}

/// A transactional id's current state here: its entry id, the state, and
/// whether a state write is in flight.
type Current = (u64, TxnMetadata, bool);

/// The current state of `transactional_id` here, if any.
fn current(
    h: &BrokerHandle,
    transactional_id: &str,
) -> Result<(TopicPartition, Option<Current>), TxnError> {
    let (tp, _) = leadership(h, transactional_id)?;
    let c = h.txns.borrow();
    Ok((
        tp,
        c.txns
            .get(transactional_id)
            .map(|e| (e.id, e.meta.clone(), e.pending)),
    ))
}

/// Write `next` to the state log (acks=all), then make it current if the entry
/// is still `entry` (0: create it). The in-memory state changes only after the
/// write, as Kafka completes a pending transition only in the append callback.
async fn transition(
    h: &BrokerHandle,
    tp: &TopicPartition,
    entry: u64,
    next: TxnMetadata,
) -> Result<u64, TxnError> {
    let id = next.transactional_id.clone();
    let epoch = {
        let b = h.state.borrow();
        b.replicas
            .get(tp)
            .filter(|r| r.is_leader())
            .map(|r| r.leader_epoch())
            .ok_or(TxnError::NotCoordinator)?
    };
    let entry = {
        let mut c = h.txns.borrow_mut();
        let c = &mut *c;
        match c.txns.get_mut(&id) {
            Some(e) if e.id == entry => {
                if e.pending {
                    return Err(TxnError::ConcurrentTransactions);
                }
                // Ending a transaction ends all of it: the Prepare state names
                // every partition of the current Ongoing state (Kafka's
                // prepareAbortOrCommit keeps topicPartitions), else a partition
                // gets no marker and the transaction is torn.
                assert!(
                    !(e.meta.state == TxnState::Ongoing
                        && next.state.is_preparing()
                        && next.partitions != e.meta.partitions),
                    "{id}: {} with partitions {:?} built from a stale state; the open transaction has {:?}",
                    next.state.name(),
                    next.partitions,
                    e.meta.partitions
                );
                e.pending = true;
                entry
            }
            Some(_) => return Err(TxnError::ConcurrentTransactions),
            None if entry == 0 => {
                // A new id: its entry exists (pending) from the first write on.
                c.next_entry += 1;
                c.txns.insert(
                    id.clone(),
                    Entry {
                        tp: tp.clone(),
                        leader_epoch: epoch,
                        id: c.next_entry,
                        meta: next.clone(),
                        pending: true,
                    },
                );
                c.next_entry
            }
            None => return Err(TxnError::NotCoordinator),
        }
    };
    if next.state == TxnState::PrepareEpochFence {
        record_state(h, &next);
    }
    let written = produce::handle(
        h,
        tp.clone(),
        Acks::All,
        STORE_TIMEOUT_MS,
        state_batch(&next.as_logged()),
    )
    .await;
    let mut c = h.txns.borrow_mut();
    let Some(e) = c.txns.get_mut(&id).filter(|e| e.id == entry) else {
        return Err(TxnError::NotCoordinator);
    };
    e.pending = false;
    match written {
        Some(Response::Produce { result: Ok(_) }) => {
            e.meta = next.as_logged();
            drop(c);
            record_state(h, &next.as_logged());
            Ok(entry)
        }
        Some(Response::Produce {
            result: Err(ErrorCode::NotLeaderOrFollower),
        }) => Err(TxnError::NotCoordinator),
        Some(Response::Produce { result: Err(e) }) => Err(TxnError::Storage(e)),
        _ => Err(TxnError::Storage(ErrorCode::RequestTimedOut)),
    }
}

fn record_state(h: &BrokerHandle, m: &TxnMetadata) {
    let b = h.state.borrow();
    b.events.record(
        now_ms(),
        ClusterEvent::TxnStateChanged {
            broker: b.id,
            transactional_id: m.transactional_id.clone(),
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            state: m.state.name().to_string(),
            partitions: m.partitions.iter().cloned().collect(),
        },
    );
}

fn record_fenced(h: &BrokerHandle, m: &TxnMetadata, epoch: i16, error: TxnError) {
    if error != TxnError::ProducerFenced {
        return;
    }
    let b = h.state.borrow();
    b.events.record(
        now_ms(),
        ClusterEvent::ProducerFenced {
            broker: b.id,
            transactional_id: m.transactional_id.clone(),
            producer_epoch: epoch,
            current_epoch: m.producer_epoch,
        },
    );
}

pub async fn handle(h: &BrokerHandle, req: TxnRequest) -> TxnResponse {
    match req {
        TxnRequest::FindCoordinator { transactional_id } => {
            let b = h.state.borrow();
            let found = b
                .topics
                .get(TRANSACTION_STATE_TOPIC)
                .map(|t| state_partition(&transactional_id, t.partitions))
                .and_then(|tp| b.image.leader(&tp))
                .map(|(leader, _)| leader)
                .ok_or(TxnError::CoordinatorNotAvailable);
            TxnResponse::FindCoordinator(found)
        }
        TxnRequest::InitProducerId {
            transactional_id,
            timeout_ms,
        } => TxnResponse::InitProducerId(init_producer_id(h, &transactional_id, timeout_ms).await),
        TxnRequest::AddPartitions {
            transactional_id,
            producer_id,
            producer_epoch,
            partitions,
        } => TxnResponse::AddPartitions(
            add_partitions(
                h,
                &transactional_id,
                producer_id,
                producer_epoch,
                &partitions,
            )
            .await,
        ),
        TxnRequest::AddOffsets {
            transactional_id,
            producer_id,
            producer_epoch,
            group,
        } => {
            let offsets_tp = {
                let b = h.state.borrow();
                b.topics
                    .get(crate::group::OFFSETS_TOPIC)
                    .map(|t| crate::group::offsets_partition(&group, t.partitions))
            };
            TxnResponse::AddOffsets(match offsets_tp {
                None => Err(TxnError::CoordinatorNotAvailable),
                Some(tp) => {
                    add_partitions(h, &transactional_id, producer_id, producer_epoch, &[tp]).await
                }
            })
        }
        TxnRequest::EndTxn {
            transactional_id,
            producer_id,
            producer_epoch,
            result,
        } => TxnResponse::EndTxn(
            end_txn(h, &transactional_id, producer_id, producer_epoch, result).await,
        ),
        TxnRequest::VerifyPartition {
            transactional_id,
            producer_id,
            producer_epoch,
            tp,
        } => TxnResponse::VerifyPartition(verify(
            h,
            &transactional_id,
            producer_id,
            producer_epoch,
            &tp,
        )),
    }
}

async fn init_producer_id(
    h: &BrokerHandle,
    transactional_id: &str,
    timeout_ms: u64,
) -> Result<(i64, i16), TxnError> {
    if timeout_ms > h.state.borrow().config.transaction_max_timeout_ms {
        return Err(TxnError::InvalidTransactionTimeout);
    }
    let (tp, found) = current(h, transactional_id)?;
    let fresh_pid = allocate_producer_id(h);
    let (entry, meta) = match found {
        Some((_, _, true)) => return Err(TxnError::ConcurrentTransactions),
        Some((entry, meta, false)) => (entry, meta),
        None => {
            // First use of this id: epoch 0 on a new producer id (Kafka starts
            // at -1 and bumps once).
            let m = TxnMetadata::new(transactional_id, fresh_pid, timeout_ms);
            transition(h, &tp, 0, m.clone()).await?;
            return Ok((m.producer_id, m.producer_epoch));
        }
    };
    match meta.init_producer_id(timeout_ms, fresh_pid)? {
        InitOutcome::Ready(next) => {
            transition(h, &tp, entry, next.clone()).await?;
            Ok((next.producer_id, next.producer_epoch))
        }
        InitOutcome::FenceAndAbort(next) => {
            let entry = transition(h, &tp, entry, next.clone()).await?;
            tokio::task::spawn_local(complete_transaction(
                h.clone(),
                transactional_id.to_string(),
                entry,
                next.as_logged(),
            ));
            Err(TxnError::ConcurrentTransactions)
        }
    }
}

async fn add_partitions(
    h: &BrokerHandle,
    transactional_id: &str,
    producer_id: i64,
    producer_epoch: i16,
    partitions: &[TopicPartition],
) -> Result<(), TxnError> {
    let (tp, found) = current(h, transactional_id)?;
    let Some((entry, meta, pending)) = found else {
        return Err(TxnError::InvalidProducerIdMapping);
    };
    if pending {
        return Err(TxnError::ConcurrentTransactions);
    }
    let next = meta
        .add_partitions(producer_id, producer_epoch, partitions, now_ms())
        .inspect_err(|&e| record_fenced(h, &meta, producer_epoch, e))?;
    if let Some(next) = next {
        transition(h, &tp, entry, next).await?;
    }
    Ok(())
}

async fn end_txn(
    h: &BrokerHandle,
    transactional_id: &str,
    producer_id: i64,
    producer_epoch: i16,
    result: TxnResult,
) -> Result<i16, TxnError> {
    let bump = !h.state.borrow().config.legacy_transaction_v1;
    let (tp, found) = current(h, transactional_id)?;
    let Some((entry, meta, pending)) = found else {
        return Err(TxnError::InvalidProducerIdMapping);
    };
    if pending {
        return Err(TxnError::ConcurrentTransactions);
    }
    match meta
        .end_txn(producer_id, producer_epoch, result, bump)
        .inspect_err(|&e| record_fenced(h, &meta, producer_epoch, e))?
    {
        EndOutcome::AlreadyDone { producer_epoch } => Ok(producer_epoch),
        EndOutcome::Prepare(next) => {
            // Written acks=all: for a commit, this is the commit point.
            let entry = transition(h, &tp, entry, next.clone()).await?;
            tokio::task::spawn_local(complete_transaction(
                h.clone(),
                transactional_id.to_string(),
                entry,
                next.clone(),
            ));
            Ok(next.producer_epoch)
        }
    }
}

fn verify(
    h: &BrokerHandle,
    transactional_id: &str,
    producer_id: i64,
    producer_epoch: i16,
    tp: &TopicPartition,
) -> Result<(), TxnError> {
    let (_, found) = current(h, transactional_id)?;
    let Some((_, meta, _)) = found else {
        return Err(TxnError::InvalidProducerIdMapping);
    };
    meta.verify_partition(producer_id, producer_epoch, tp)
        .inspect_err(|&e| record_fenced(h, &meta, producer_epoch, e))
}

/// Is `entry` still this broker's current state for `transactional_id`?
fn still_current(h: &BrokerHandle, transactional_id: &str, entry: u64) -> bool {
    h.txns
        .borrow()
        .txns
        .get(transactional_id)
        .is_some_and(|e| e.id == entry)
}

/// Write the markers of an ending transaction to every partition in it, until
/// each is written (or this broker stops coordinating the id: the next
/// coordinator loads the Prepare state and starts over), then write Complete*.
async fn complete_transaction(
    h: BrokerHandle,
    transactional_id: String,
    entry: u64,
    meta: TxnMetadata,
) {
    let marker = match meta.marker_result() {
        Some(TxnResult::Commit) => ControlMarker::Commit,
        Some(TxnResult::Abort) => ControlMarker::Abort,
        None => return,
    };
    let Some(coordinator_epoch) = h
        .txns
        .borrow()
        .txns
        .get(&transactional_id)
        .filter(|e| e.id == entry)
        .map(|e| e.leader_epoch)
    else {
        return;
    };
    let mut remaining: Vec<TopicPartition> = meta.partitions.iter().cloned().collect();
    let mut channels: BTreeMap<BrokerId, Channel> = BTreeMap::new();
    loop {
        if !still_current(&h, &transactional_id, entry) {
            return;
        }
        let mut left = Vec::new();
        for tp in remaining {
            let (leader, me) = {
                let b = h.state.borrow();
                (b.image.leader(&tp).map(|(l, _)| l), b.id)
            };
            let written = match leader {
                None => Err(ErrorCode::NotLeaderOrFollower),
                Some(l) if l == me => {
                    produce::write_marker(
                        &h,
                        tp.clone(),
                        meta.producer_id,
                        meta.producer_epoch,
                        marker,
                        coordinator_epoch,
                        MARKER_TIMEOUT_MS,
                    )
                    .await
                }
                Some(l) => {
                    let ch = channels
                        .entry(l)
                        .or_insert_with(|| Channel::new(broker_host(l), BROKER_PORT));
                    let req = Request::WriteTxnMarker {
                        tp: tp.clone(),
                        producer_id: meta.producer_id,
                        producer_epoch: meta.producer_epoch,
                        marker,
                        coordinator_epoch,
                        timeout_ms: MARKER_TIMEOUT_MS,
                    };
                    match ch.call(&req, MARKER_TIMEOUT_MS).await {
                        Ok(Response::WriteTxnMarker { result }) => result,
                        _ => Err(ErrorCode::RequestTimedOut),
                    }
                }
            };
            match written {
                Ok(_) => {}
                // A newer epoch already wrote a marker here: Kafka's marker
                // channel drops the request, this transaction is over there.
                Err(ErrorCode::InvalidProducerEpoch) => {}
                // A newer coordinator took over this producer's markers:
                // this one is a zombie and stops (Kafka drops its requests).
                Err(ErrorCode::TransactionCoordinatorFenced) => return,
                Err(_) => left.push(tp),
            }
        }
        remaining = left;
        if remaining.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(MARKER_BACKOFF_MS)).await;
    }
    let complete = meta.completed();
    loop {
        let Ok((tp, _)) = leadership(&h, &transactional_id) else {
            return;
        };
        match transition(&h, &tp, entry, complete.clone()).await {
            Ok(_) => return,
            Err(TxnError::NotCoordinator) => return,
            Err(_) => tokio::time::sleep(Duration::from_millis(MARKER_BACKOFF_MS)).await,
        }
        if !still_current(&h, &transactional_id, entry) {
            return;
        }
    }
}

/// Abort transactions open past their timeout (Kafka's
/// abortTimedOutTransactions, every
/// `transaction.abort.timed.out.transaction.cleanup.interval.ms`), and load the
/// state partitions this broker newly leads so their Prepare states finish.
pub async fn tick_loop(h: BrokerHandle) {
    let interval_ms = h
        .state
        .borrow()
        .config
        .transaction_abort_timed_out_transaction_cleanup_interval_ms;
    loop {
        tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        let led: Vec<TopicPartition> = {
            let b = h.state.borrow();
            b.replicas
                .iter()
                .filter(|(tp, r)| tp.topic == TRANSACTION_STATE_TOPIC && r.is_leader())
                .map(|(tp, _)| tp.clone())
                .collect()
        };
        for tp in led {
            let epoch = {
                let b = h.state.borrow();
                let r = &b.replicas[&tp];
                let disk = b.disk.borrow();
                let start = disk.log(&tp).map_or(0, |log| r.current_epoch_start(log));
                (r.high_watermark() >= start).then_some(r.leader_epoch())
            };
            if let Some(epoch) = epoch {
                load(&h, &tp, epoch);
            }
        }
        let candidates: Vec<String> = {
            let now = now_ms();
            let c = h.txns.borrow();
            c.txns
                .iter()
                .filter(|(_, e)| !e.pending && e.meta.abort_if_timed_out(now).is_some())
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in candidates {
            // Each abort's write is awaited, and meanwhile the other ids'
            // requests go on (an AddPartitions completes, adding a partition),
            // so the abort is decided from the state as it is now, not from
            // a copy taken before the loop: Kafka's abortTimedOutTransactions
            // re-reads the metadata under its lock, skips an id whose
            // pendingState is set, and aborts the metadata's topicPartitions
            // as of its last completed transition. An abort built from a
            // stale copy would write markers to fewer partitions than the
            // transaction wrote to, tearing it.
            let Some((tp, entry, next)) = timed_out_abort(&h, &id) else {
                continue;
            };
            if let Ok(entry) = transition(&h, &tp, entry, next.clone()).await {
                tokio::task::spawn_local(complete_transaction(h.clone(), id, entry, next));
            }
        }
    }
}

/// The abort of `transactional_id`'s open transaction if it is past its
/// timeout now and no state write of it is in flight, computed from the
/// current state (the caller writes it without an await in between).
fn timed_out_abort(
    h: &BrokerHandle,
    transactional_id: &str,
) -> Option<(TopicPartition, u64, TxnMetadata)> {
    let (tp, found) = current(h, transactional_id).ok()?;
    let (entry, meta, pending) = found?;
    if pending {
        return None;
    }
    let next = meta.abort_if_timed_out(now_ms())?;
    Some((tp, entry, next))
}
