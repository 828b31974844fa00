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
    next_sequence: BTreeMap<TopicPartition, i32>,
    events: mpsc::UnboundedSender<Event>,
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
            next_sequence: BTreeMap::new(),
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
                    let seq = self.next_sequence.entry(tp.clone()).or_insert(0);
                    batch.base_sequence = *seq;
                    batch.sequenced_by = self.producer_id;
                    *seq += batch.records.len() as i32;
                }
                // A session reset fails every queued batch numbered before it
                // (give_up), and such batches are never re-enqueued (on_produced).
                assert!(
                    !self.idempotent || batch.sequenced_by == self.producer_id,
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
            batch: batch.to_wire(self.producer_id.filter(|_| self.idempotent)),
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
                    self.next_sequence.clear();
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
        let stale = self.idempotent && batch.sequenced_by != self.producer_id;
        let may_retry = retriable
            && !stale
            && batch.attempts <= self.config.retries
            && now
                < batch
                    .created_ms
                    .saturating_add(self.config.delivery_timeout_ms);
        if may_retry {
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

    /// Fail a batch for good. If it was numbered in the current idempotence
    /// session, the sequence now has a gap: like Kafka (KIP-360) the producer
    /// starts a new session under a new producer id. Batches numbered in the old
    /// session are not resent under the new id (they may be in the log already):
    /// the ones waiting for a retry fail now, the ones in flight when they come
    /// back (unless they succeed). Only batches never sent are numbered anew.
    fn give_up(&mut self, batch: ProducerBatch, error: &str) {
        let ends_session = self.idempotent
            && batch.base_sequence != NO_SEQUENCE
            && batch.sequenced_by == self.producer_id;
        batch.fail(error);
        if !ends_session {
            return;
        }
        self.producer_id = None;
        self.next_sequence.clear();
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
