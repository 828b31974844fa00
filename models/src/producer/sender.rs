//! The sender task. All network calls run in spawned tasks (one per broker
//! connection for produce requests, see `link`) that report back as events, so
//! a slow or partitioned broker never blocks the loop.
use super::accumulator::Accumulator;
use super::batch::ProducerBatch;
use super::event::Event;
use super::link::BrokerLink;
use crate::config::{Acks, ProducerConfig};
use crate::error_code::ErrorCode;
use crate::ids::{
    broker_host, next_bootstrap, now_ms, BrokerId, ProducerId, TopicPartition, BROKER_PORT,
    NO_SEQUENCE,
};
use crate::metadata::MetadataImage;
use crate::protocol::{Request, Response};
use crate::rpc::{Channel, RpcError};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

struct Sender {
    config: ProducerConfig,
    idempotent: bool,
    brokers: u32,
    accumulator: Rc<RefCell<Accumulator>>,
    links: BTreeMap<BrokerId, BrokerLink>,
    in_flight: BTreeMap<BrokerId, u32>,
    in_flight_by_partition: BTreeMap<TopicPartition, u32>,
    /// Idempotent partitions retrying a batch: one request at a time until it lands.
    recovering: BTreeSet<TopicPartition>,
    metadata: MetadataImage,
    metadata_stale: bool,
    metadata_in_flight: bool,
    metadata_refreshed_ms: u64,
    next_bootstrap: u32,
    producer_id: Option<(ProducerId, i16)>,
    producer_id_in_flight: bool,
    /// Per partition: the epoch its sequences belong to, the next one, the last
    /// acknowledged one, an unresolved one (Kafka's `TxnPartitionMap`).
    sequences: BTreeMap<TopicPartition, PartitionSequences>,
    /// Partitions waiting for an epoch bump that renumbers their batches from
    /// 0 (Kafka's `partitionsToRewriteSequences`, set by
    /// `requestEpochBumpForPartition`). Applied once no request of the
    /// partition is in flight, so every batch that is renumbered is in hand.
    epoch_bump_for: BTreeSet<TopicPartition>,
    events: mpsc::UnboundedSender<Event>,
}

/// One partition's sequence numbers within an idempotence session (Kafka's
/// `TxnPartitionEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PartitionSequences {
    /// The producer id and epoch this partition's sequences belong to. Other
    /// partitions may still be on an older epoch of the same producer id: an
    /// epoch bump (KIP-360) renumbers only the partitions that asked for it.
    session: (ProducerId, i16),
    /// The sequence of the next batch numbered for this partition.
    next: i32,
    /// The last sequence acknowledged, -1 before any (Kafka's
    /// `NO_LAST_ACKED_SEQUENCE_NUMBER`).
    last_acked: i32,
    /// A batch that may have been written expired: the sequence after it
    /// (Kafka's `partitionsWithUnresolvedSequences`). Until it resolves no new
    /// batch is numbered for the partition.
    unresolved: Option<i32>,
}

impl PartitionSequences {
    fn new(session: (ProducerId, i16)) -> Self {
        Self {
            session,
            next: 0,
            last_acked: -1,
            unresolved: None,
        }
    }

    /// Kafka's `isNextSequence`: the batch right after the last acknowledged
    /// one, the first of the partition in flight.
    fn is_next_sequence(&self, base_sequence: i32) -> bool {
        base_sequence == self.last_acked.wrapping_add(1)
    }

    /// What an OUT_OF_ORDER_SEQUENCE_NUMBER answer to a batch numbered in this
    /// session means, for an idempotent producer (KIP-360; Kafka's
    /// `TransactionManager.canRetry`). The batch is always retried; the epoch
    /// is bumped if the broker has lost our state: the batch is the next
    /// expected one and nothing is unresolved, or it is the one right after
    /// an unresolved sequence (which therefore was not written either). A
    /// later batch only waits for the ones before it.
    fn out_of_order_needs_epoch_bump(&self, base_sequence: i32) -> bool {
        match self.unresolved {
            None => self.is_next_sequence(base_sequence),
            // Kafka's isNextSequenceForUnresolvedPartition.
            Some(next) => base_sequence == next,
        }
    }

    /// Kafka's `maybeResolveSequences`, once the partition has nothing in
    /// flight: `Some(true)` if the unresolved sequence turned out written (a
    /// later batch was acknowledged, so the broker had it), `Some(false)` if
    /// not known, and the epoch must be bumped; `None` if nothing is unresolved.
    fn resolve_when_drained(&self) -> Option<bool> {
        self.unresolved
            .map(|_| self.last_acked.wrapping_add(1) == self.next)
    }
}

/// May the front batch of a partition's queue be sent? Not while an epoch bump
/// is pending for the partition (its batches are about to be renumbered), and
/// no new batch while a sequence is unresolved (Kafka's
/// `RecordAccumulator.shouldStopDrainBatchesForPartition`).
fn partition_blocked(
    sequences: Option<&PartitionSequences>,
    bump_pending: bool,
    front_numbered: bool,
) -> bool {
    bump_pending || (!front_numbered && sequences.is_some_and(|s| s.unresolved.is_some()))
}

/// One request to `key` answered: its in-flight count goes down by one. A
/// count that is missing or already zero is a bookkeeping bug: crash here.
fn count_down<K: Ord + std::fmt::Debug>(counts: &mut BTreeMap<K, u32>, key: &K, what: &str) {
    let n = counts.get_mut(key);
    assert!(
        n.as_ref().is_some_and(|n| **n > 0),
        "in-flight count: an outcome from {what} {key:?} with no request in flight"
    );
    *n.expect("asserted above") -= 1;
}

pub async fn run(
    config: ProducerConfig,
    brokers: u32,
    accumulator: Rc<RefCell<Accumulator>>,
    wake: Rc<Notify>,
) {
    let (events, mut inbox) = mpsc::unbounded_channel();
    let mut s = Sender::new(config, brokers, accumulator, events);
    loop {
        let now = now_ms();
        s.expire(now);
        s.maybe_refresh_metadata(now);
        s.maybe_init_producer_id();
        s.maybe_resolve_sequences();
        s.bump_epoch_if_needed();
        s.drain(now);
        let wait_ms = s.next_wakeup_ms(now);
        tokio::select! {
            biased;
            Some(ev) = inbox.recv() => s.on_event(ev),
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait_ms)) => {}
        }
    }
}

impl Sender {
    fn new(
        config: ProducerConfig,
        brokers: u32,
        accumulator: Rc<RefCell<Accumulator>>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        Self {
            idempotent: config.idempotence_enabled(),
            config,
            brokers,
            accumulator,
            links: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            in_flight_by_partition: BTreeMap::new(),
            recovering: BTreeSet::new(),
            metadata: MetadataImage::default(),
            metadata_stale: true,
            metadata_in_flight: false,
            metadata_refreshed_ms: 0,
            next_bootstrap: 0,
            producer_id: None,
            producer_id_in_flight: false,
            sequences: BTreeMap::new(),
            epoch_bump_for: BTreeSet::new(),
            events,
        }
    }

    fn ready_to_send(&self) -> bool {
        !self.metadata.partitions.is_empty() && (!self.idempotent || self.producer_id.is_some())
    }

    fn next_wakeup_ms(&self, now: u64) -> u64 {
        let c = &self.config;
        let deadline = self
            .accumulator
            .borrow()
            .next_deadline_ms(c.linger_ms, c.delivery_timeout_ms);
        match deadline {
            Some(d) if self.ready_to_send() => d.saturating_sub(now).max(1),
            Some(_) => c.retry_backoff_ms.max(1),
            None => c.metadata_max_age_ms.max(1),
        }
    }

    fn expire(&mut self, now: u64) {
        let expired = self
            .accumulator
            .borrow_mut()
            .expired(now, self.config.delivery_timeout_ms);
        for b in expired {
            self.give_up(b, "DELIVERY_TIMEOUT");
        }
    }

    fn maybe_refresh_metadata(&mut self, now: u64) {
        let too_old =
            now.saturating_sub(self.metadata_refreshed_ms) >= self.config.metadata_max_age_ms;
        if self.metadata_in_flight || !(self.metadata_stale || too_old) {
            return;
        }
        let Some(mut channel) = self.bootstrap_channel() else {
            return;
        };
        self.metadata_in_flight = true;
        let (events, timeout) = (self.events.clone(), self.config.request_timeout_ms);
        tokio::task::spawn_local(async move {
            let image = match channel.call(&Request::Metadata, timeout).await {
                Ok(Response::Metadata(m)) => Some(m),
                _ => None,
            };
            let _ = events.send(Event::Metadata(image));
        });
    }

    fn maybe_init_producer_id(&mut self) {
        if !self.idempotent || self.producer_id.is_some() || self.producer_id_in_flight {
            return;
        }
        let Some(mut channel) = self.bootstrap_channel() else {
            return;
        };
        self.producer_id_in_flight = true;
        let (events, timeout) = (self.events.clone(), self.config.request_timeout_ms);
        tokio::task::spawn_local(async move {
            let pid = match channel.call(&Request::InitProducerId, timeout).await {
                Ok(Response::InitProducerId { result: Ok(p) }) => Some(p),
                _ => None,
            };
            let _ = events.send(Event::ProducerId(pid));
        });
    }

    /// A fresh connection to the next bootstrap broker, round robin; none
    /// without brokers (batches then expire, never sent).
    fn bootstrap_channel(&mut self) -> Option<Channel> {
        let broker = next_bootstrap(&mut self.next_bootstrap, self.brokers)?;
        Some(Channel::new(broker_host(broker), BROKER_PORT))
    }

    /// Send every ready batch whose leader is known and has room in flight.
    fn drain(&mut self, now: u64) {
        if !self.ready_to_send() {
            return;
        }
        let max_in_flight = self.config.max_in_flight_requests_per_connection;
        let ready: Vec<(TopicPartition, BrokerId, ProducerBatch)> = {
            let mut acc = self.accumulator.borrow_mut();
            let mut out = Vec::new();
            for (tp, q) in acc.queues.iter_mut() {
                if !Accumulator::ready(q, now, self.config.linger_ms, self.config.batch_size) {
                    continue;
                }
                let front_numbered = q.front().is_some_and(|b| b.base_sequence != NO_SEQUENCE);
                if self.idempotent
                    && partition_blocked(
                        self.sequences.get(tp),
                        self.epoch_bump_for.contains(tp),
                        front_numbered,
                    )
                {
                    continue;
                }
                let Some((leader, _)) = self.metadata.leader(tp) else {
                    self.metadata_stale = true;
                    continue;
                };
                let in_flight = self.in_flight.entry(leader).or_default();
                let tp_in_flight = self.in_flight_by_partition.get(tp).copied().unwrap_or(0);
                if *in_flight >= max_in_flight || (self.recovering.contains(tp) && tp_in_flight > 0)
                {
                    continue;
                }
                *in_flight += 1;
                let mut batch = q.pop_front().expect("ready implies non-empty");
                if self.idempotent && batch.base_sequence == NO_SEQUENCE {
                    let session = self.producer_id.expect("ready_to_send");
                    let seqs = self
                        .sequences
                        .entry(tp.clone())
                        .or_insert_with(|| PartitionSequences::new(session));
                    batch.base_sequence = seqs.next;
                    batch.sequenced_by = Some(seqs.session);
                    seqs.next += batch.records.len() as i32;
                }
                // A producer id reset fails every queued batch numbered before
                // it (reset_producer_id), an epoch bump renumbers the
                // partition's queued batches (bump_epoch_if_needed), and a batch
                // of an earlier session is never re-enqueued (on_produced).
                assert!(
                    !self.idempotent
                        || batch.sequenced_by == self.sequences.get(tp).map(|s| s.session),
                    "a batch numbered in an earlier producer session was about to be resent"
                );
                batch.attempts += 1;
                out.push((tp.clone(), leader, batch));
            }
            out
        };
        for (tp, leader, batch) in ready {
            *self.in_flight_by_partition.entry(tp.clone()).or_default() += 1;
            self.send_batch(tp, leader, batch);
        }
    }

    /// Hand a batch to its leader's connection task; the outcome comes back as
    /// an event.
    fn send_batch(&mut self, tp: TopicPartition, leader: BrokerId, batch: ProducerBatch) {
        let c = &self.config;
        let req = Request::Produce {
            tp,
            acks: c.acks,
            timeout_ms: c.request_timeout_ms,
            // The partition's epoch, which may be older than the producer's
            // latest (an epoch bump renumbers only the partitions that asked).
            batch: batch.to_wire(batch.sequenced_by.filter(|_| self.idempotent)),
            transactional_id: None,
        };
        let (acks, timeout_ms, events) = (c.acks, c.request_timeout_ms, &self.events);
        self.links
            .entry(leader)
            .or_insert_with(|| BrokerLink::start(leader, acks, timeout_ms, events.clone()))
            .produce(req, batch);
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Metadata(image) => {
                self.metadata_in_flight = false;
                if let Some(m) = image {
                    if m.version >= self.metadata.version && !m.partitions.is_empty() {
                        self.metadata = m;
                        self.metadata_stale = false;
                        self.metadata_refreshed_ms = now_ms();
                    }
                }
            }
            Event::ProducerId(pid) => {
                self.producer_id_in_flight = false;
                if pid.is_some() {
                    self.producer_id = pid;
                    self.sequences.clear();
                    self.epoch_bump_for.clear();
                }
            }
            Event::Produced {
                broker,
                batch,
                result,
                generation,
            } => self.on_produced(broker, batch, result, generation),
        }
    }

    fn on_produced(
        &mut self,
        broker: BrokerId,
        mut batch: ProducerBatch,
        result: Result<Response, RpcError>,
        generation: Option<u64>,
    ) {
        // Every outcome answers exactly one `send_batch`, which counted the
        // request against its broker and its partition.
        count_down(&mut self.in_flight, &broker, "broker");
        count_down(&mut self.in_flight_by_partition, &batch.tp, "partition");
        let out_of_order = matches!(
            result,
            Ok(Response::Produce {
                result: Err(ErrorCode::OutOfOrderSequenceNumber)
            })
        );
        let (error, retriable, ambiguous) = match result {
            Ok(Response::Produce { result: Ok(base) }) => {
                if self
                    .in_flight_by_partition
                    .get(&batch.tp)
                    .copied()
                    .unwrap_or(0)
                    == 0
                {
                    self.recovering.remove(&batch.tp);
                }
                // Kafka's handleCompletedBatch / maybeUpdateLastAckedSequence.
                if let Some(seqs) = self.current_sequences(&batch) {
                    let last = batch.base_sequence + batch.records.len() as i32 - 1;
                    seqs.last_acked = seqs.last_acked.max(last);
                }
                let acks_zero = self.config.acks == Acks::Zero;
                batch.complete((!acks_zero).then_some(base));
                return;
            }
            Ok(Response::Produce { result: Err(code) }) => {
                if matches!(
                    code,
                    ErrorCode::NotLeaderOrFollower
                        | ErrorCode::FencedLeaderEpoch
                        | ErrorCode::UnknownTopicOrPartition
                ) {
                    self.metadata_stale = true;
                }
                (
                    code.kafka_name(),
                    code.is_retriable(),
                    !code.proves_not_written(),
                )
            }
            Ok(_) => ("UNEXPECTED_RESPONSE", true, true),
            Err(RpcError::Unreachable) => {
                self.metadata_stale = true;
                ("NETWORK_EXCEPTION", true, false)
            }
            Err(e) => {
                // Kafka closes the connection on a request timeout, failing every
                // other request in flight on it. It does so once: their failures
                // (and a Disconnected, which means it is closed already) must not
                // close the connection opened since.
                if let (RpcError::Timeout, Some(g)) = (e, generation) {
                    if let Some(link) = self.links.get(&broker) {
                        link.close_if(g);
                    }
                }
                self.metadata_stale = true;
                (
                    if e == RpcError::Timeout {
                        "REQUEST_TIMEOUT"
                    } else {
                        "DISCONNECTED"
                    },
                    true,
                    true,
                )
            }
        };
        batch.maybe_written |= ambiguous;
        batch.last_error = Some(error);
        let now = now_ms();
        // A batch numbered in an earlier session is not retried under the new
        // producer id (Kafka's canRetry): it may be in the log already, and the
        // new session would write it a second time.
        let stale = self.idempotent && self.current_sequences(&batch).is_none();
        // KIP-360: OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch
        // means the leader lost our state (a truncated log, an unclean
        // election): bump the epoch for this partition and retry at once
        // under sequence 0, rather than until delivery.timeout.ms runs out.
        let bump = out_of_order
            && !stale
            && self
                .sequences
                .get(&batch.tp)
                .is_some_and(|s| s.out_of_order_needs_epoch_bump(batch.base_sequence));
        let may_retry = retriable
            && !stale
            && batch.attempts <= self.config.retries
            && now
                < batch
                    .created_ms
                    .saturating_add(self.config.delivery_timeout_ms);
        if may_retry {
            if bump {
                // Kafka's requestEpochBumpForPartition.
                self.epoch_bump_for.insert(batch.tp.clone());
            }
            batch.retry_after_ms = now.saturating_add(self.config.retry_backoff_ms);
            if self.idempotent {
                self.recovering.insert(batch.tp.clone());
            }
            self.accumulator
                .borrow_mut()
                .reenqueue(batch, self.idempotent);
        } else {
            self.give_up(batch, error);
        }
    }

    /// The sequences of the partition `batch` was numbered for, if it was
    /// numbered in the partition's current session (not before an epoch bump
    /// or a producer id reset).
    fn current_sequences(&mut self, batch: &ProducerBatch) -> Option<&mut PartitionSequences> {
        if !self.idempotent || batch.base_sequence == NO_SEQUENCE {
            return None;
        }
        self.sequences
            .get_mut(&batch.tp)
            .filter(|s| Some(s.session) == batch.sequenced_by)
    }

    /// Does a partition still have batches numbered in flight or waiting for
    /// a retry (Kafka's `hasInflightBatches`)?
    fn has_in_flight_batches(&self, tp: &TopicPartition) -> bool {
        self.in_flight_by_partition.get(tp).copied().unwrap_or(0) > 0
            || self
                .accumulator
                .borrow()
                .queues
                .get(tp)
                .is_some_and(|q| q.iter().any(|b| b.base_sequence != NO_SEQUENCE))
    }

    /// Kafka's `maybeResolveSequences`: a partition with an unresolved
    /// sequence and nothing left in flight either had a later batch
    /// acknowledged (so the expired one was written: resolved) or not (it
    /// cannot be known: bump the epoch, which restarts the sequences at 0).
    fn maybe_resolve_sequences(&mut self) {
        let unresolved: Vec<TopicPartition> = self
            .sequences
            .iter()
            .filter(|(_, s)| s.unresolved.is_some())
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in unresolved {
            if self.has_in_flight_batches(&tp) {
                continue;
            }
            let seqs = self.sequences.get_mut(&tp).expect("listed above");
            let resolved = seqs.resolve_when_drained().expect("listed as unresolved");
            seqs.unresolved = None;
            if !resolved {
                self.epoch_bump_for.insert(tp);
            }
        }
    }

    /// Kafka's `bumpIdempotentEpochAndResetIdIfNeeded` /
    /// `bumpIdempotentProducerEpoch` (KIP-360): the idempotent producer bumps
    /// its epoch locally, without an InitProducerId round trip, and restarts
    /// the sequences of the partitions that asked at 0 (`startSequencesAtBeginning`):
    /// their batches waiting for a retry are renumbered in order. The broker
    /// accepts a new epoch starting at sequence 0 and from then on refuses the
    /// old epoch (INVALID_PRODUCER_EPOCH). Unlike Kafka, which rewrites the
    /// batches in flight too, a partition is bumped once none of its requests
    /// is in flight, so an old-epoch request never races a new-epoch one.
    /// Other partitions keep their epoch and their batches.
    fn bump_epoch_if_needed(&mut self) {
        let Some((pid, epoch)) = self.producer_id else {
            return;
        };
        let ready: Vec<TopicPartition> = self
            .epoch_bump_for
            .iter()
            .filter(|tp| self.in_flight_by_partition.get(*tp).copied().unwrap_or(0) == 0)
            .cloned()
            .collect();
        if ready.is_empty() {
            return;
        }
        if epoch == i16::MAX {
            // Kafka: an exhausted epoch means a new producer id.
            self.reset_producer_id("PRODUCER_EPOCH_EXHAUSTED");
            return;
        }
        let session = (pid, epoch + 1);
        self.producer_id = Some(session);
        let mut acc = self.accumulator.borrow_mut();
        for tp in ready {
            self.epoch_bump_for.remove(&tp);
            let mut seqs = PartitionSequences::new(session);
            for b in acc.queues.get_mut(&tp).into_iter().flatten() {
                if b.base_sequence != NO_SEQUENCE {
                    b.base_sequence = seqs.next;
                    b.sequenced_by = Some(session);
                    seqs.next += b.records.len() as i32;
                }
            }
            self.sequences.insert(tp, seqs);
        }
    }

    /// Fail a batch for good. If it was numbered in its partition's current
    /// session, the partition's sequence may now have a gap. KIP-360, as Kafka's
    /// `handleFailedBatch` and `Sender.sendProducerData`: if the batch may have
    /// been written its sequence is unresolved (`markSequenceUnresolved`) until
    /// a later batch's answer or the partition draining tells; if it was
    /// certainly not written, the gap is certain and the partition's epoch is
    /// bumped. Either way no other batch fails, on this partition or another.
    fn give_up(&mut self, batch: ProducerBatch, error: &str) {
        let last = batch.base_sequence + batch.records.len() as i32 - 1;
        let maybe_written = batch.maybe_written;
        let tp = batch.tp.clone();
        let current = self.current_sequences(&batch).is_some();
        batch.fail(error);
        if !current {
            return;
        }
        if maybe_written {
            let seqs = self.sequences.get_mut(&tp).expect("current");
            let next = last.wrapping_add(1);
            seqs.unresolved = Some(seqs.unresolved.map_or(next, |u| u.max(next)));
        } else {
            self.epoch_bump_for.insert(tp);
        }
    }

    /// Start a new idempotence session under a new producer id (only when the
    /// epoch is exhausted). Batches numbered in the old session are not resent
    /// under the new id (they may be in the log already): the ones waiting for
    /// a retry fail now, the ones in flight when they come back (unless they
    /// succeed). Only batches never sent are numbered anew.
    fn reset_producer_id(&mut self, error: &str) {
        self.producer_id = None;
        self.sequences.clear();
        self.epoch_bump_for.clear();
        self.recovering.clear();
        let stale = self.accumulator.borrow_mut().take_sequenced();
        for b in stale {
            let last = b.last_error.unwrap_or(error);
            b.fail(last);
        }
    }
}

#[cfg(test)]
mod tests;
