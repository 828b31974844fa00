//! The consumer client with manual assignment: fetch from each partition's leader,
//! below its HW, from a position set by `auto.offset.reset` when there is none;
//! after a leader change, validate the position first (KIP-320, `validation`).
pub mod group;
mod position;
mod validation;

use crate::batch::Record;
use crate::config::{AutoOffsetReset, ConsumerConfig, IsolationLevel};
use crate::error_code::ErrorCode;
use crate::events::{ClusterEvent, EventLog};
use crate::ids::{broker_host, next_bootstrap, BrokerId, TopicPartition, BROKER_PORT};
use crate::metadata::MetadataImage;
use crate::protocol::{FetchData, ListedOffset, OffsetSpec, PartitionFetch, Request, Response};
use crate::rpc::Channel;
use position::FetchPosition;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// One record as a poll returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumedRecord {
    pub tp: TopicPartition,
    pub offset: i64,
    /// The leader epoch of the batch it came in (Kafka's
    /// `ConsumerRecord.leaderEpoch()`), what a commit of the offset after it carries.
    pub leader_epoch: i32,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsumerError {
    #[error("no committed position for {0} and auto.offset.reset=none")]
    NoOffset(TopicPartition),
    #[error("subscribe needs a group.id")]
    NoGroup,
    /// Kafka's LogTruncationException: the position was truncated away on the
    /// new leader and `auto.offset.reset=none` says not to guess.
    #[error("log truncation detected for {tp} at offset {offset}, the first offset known to diverge is {divergent_offset:?}, and auto.offset.reset=none")]
    LogTruncation {
        tp: TopicPartition,
        offset: i64,
        divergent_offset: Option<i64>,
    },
}

pub struct Consumer {
    config: ConsumerConfig,
    brokers: u32,
    next_bootstrap: u32,
    metadata: MetadataImage,
    metadata_stale: bool,
    channels: BTreeMap<BrokerId, Channel>,
    assigned: Vec<TopicPartition>,
    positions: BTreeMap<TopicPartition, FetchPosition>,
    /// Positions waiting for the leader to confirm their epoch (Kafka's
    /// AWAIT_VALIDATION): not fetched until then.
    awaiting_validation: BTreeSet<TopicPartition>,
    /// Where to record what validation finds, and as which client.
    events: Option<(EventLog, String)>,
    /// At most one fetch per broker in flight, as Kafka's consumer.
    in_flight: BTreeMap<BrokerId, InFlightFetch>,
    /// Woken by each fetch task when its answer (or failure) is in its slot.
    fetch_done: Rc<Notify>,
}

/// Where a fetch task leaves its channel and the answer (`None`: no answer).
type FetchSlot = Rc<RefCell<Option<(Channel, Option<Response>)>>>;

/// A fetch sent to one broker for all the partitions it leads for us.
struct InFlightFetch {
    partitions: Vec<PartitionFetch>,
    slot: FetchSlot,
    task: JoinHandle<()>,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        for f in self.in_flight.values() {
            f.task.abort();
        }
    }
}

impl Consumer {
    pub fn new(config: ConsumerConfig, brokers: u32) -> Self {
        Self {
            config,
            brokers,
            next_bootstrap: 0,
            metadata: MetadataImage::default(),
            metadata_stale: true,
            channels: BTreeMap::new(),
            assigned: Vec::new(),
            positions: BTreeMap::new(),
            awaiting_validation: BTreeSet::new(),
            events: None,
            in_flight: BTreeMap::new(),
            fetch_done: Rc::default(),
        }
    }

    /// Record truncations this consumer detects, and its OFFSET_OUT_OF_RANGE
    /// resets, into `log` as `client` (see docs/EVENTS.md). Recording changes
    /// nothing the consumer does.
    pub fn record_events(&mut self, log: EventLog, client: impl Into<String>) {
        self.events = Some((log, client.into()));
    }

    pub fn assign(&mut self, tps: Vec<TopicPartition>) {
        self.positions.retain(|tp, _| tps.contains(tp));
        self.awaiting_validation.retain(|tp| tps.contains(tp));
        self.assigned = tps;
    }

    /// Fetch `tp` from `offset` next, with no epoch to validate (Kafka's
    /// `seek(TopicPartition, long)`).
    pub fn seek(&mut self, tp: TopicPartition, offset: i64) {
        self.seek_with_epoch(tp, offset, None);
    }

    /// Fetch `tp` from `offset` next, where `leader_epoch` is the epoch of the
    /// record before it (a committed offset's, Kafka's
    /// `seek(TopicPartition, OffsetAndMetadata)`): validated against the
    /// current leader before the first fetch.
    pub fn seek_with_epoch(&mut self, tp: TopicPartition, offset: i64, leader_epoch: Option<i32>) {
        self.awaiting_validation.remove(&tp);
        self.positions.insert(
            tp,
            FetchPosition {
                offset,
                offset_epoch: leader_epoch,
                current_leader_epoch: None,
            },
        );
    }

    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.positions.get(tp).map(|p| p.offset)
    }

    fn record_event(&self, event: impl FnOnce(String) -> ClusterEvent) {
        if let Some((log, client)) = &self.events {
            log.record(crate::ids::now_ms(), event(client.clone()));
        }
    }

    /// The leader's HW for `tp` (ListOffsets latest, read_uncommitted), for
    /// final reads: they read up to everything written, so a read_committed
    /// reader asks for the HW too and waits at an open transaction until it
    /// ends (Kafka's `endOffsets` would answer such a reader the LSO).
    pub async fn end_offset(&mut self, tp: &TopicPartition) -> Option<i64> {
        self.list_offset(tp, OffsetSpec::Latest, IsolationLevel::ReadUncommitted)
            .await
            .map(|listed| listed.offset)
    }

    /// One poll, as Kafka's `poll(Duration)` with `logjam.poll.timeout.ms`: send
    /// one fetch to every leader of an assigned partition that has none in
    /// flight, all at once (AbstractFetch.prepareFetchRequests skips a node with
    /// a fetch pending), then return what has arrived when every fetch has
    /// answered or the timeout expires, whichever is first. An empty result is
    /// fine; a fetch still in flight keeps going and a later poll returns its
    /// data, or drops it if the position moved meanwhile (as Kafka's
    /// FetchCollector does).
    pub async fn poll(&mut self) -> Result<Vec<ConsumedRecord>, ConsumerError> {
        let deadline =
            tokio::time::Instant::now() + Duration::from_millis(self.config.poll_timeout_ms);
        // A metadata or position lookup that hangs ends with the poll (Kafka's
        // poll bounds them by its timer too); the next poll asks another broker
        // for metadata, as after a failed lookup.
        match tokio::time::timeout_at(deadline, self.send_fetches()).await {
            Ok(sent) => sent?,
            Err(_) => self.metadata_stale = true,
        }
        let _ = tokio::time::timeout_at(deadline, self.wait_for_fetches()).await;
        // No await from here on: answers taken from their slots are never lost to
        // a cancelled poll.
        let out = self.collect_fetches();
        if out.is_empty() {
            // Nothing new: wait as a broker's long poll would before the next
            // round, but never past the poll's timeout.
            let pause =
                tokio::time::Instant::now() + Duration::from_millis(self.config.fetch_max_wait_ms);
            tokio::time::sleep_until(pause.min(deadline)).await;
        }
        Ok(out)
    }

    /// Group the assigned partitions by leader and send one fetch per leader
    /// broker that has none in flight. Partitions with a position go first, so a
    /// reset lookup (ListOffsets) that hangs on one leader holds up no fetch
    /// from another; a partition positioned here is fetched once its leader has
    /// no fetch in flight.
    async fn send_fetches(&mut self) -> Result<(), ConsumerError> {
        if self.metadata_stale {
            self.refresh_metadata().await;
        }
        self.update_position_leaders();
        self.dispatch_fetches();
        self.validate_positions().await?;
        for tp in self.assigned.clone() {
            if !self.positions.contains_key(&tp) && self.metadata.leader(&tp).is_some() {
                self.ensure_position(&tp).await?;
                self.update_position_leaders();
            }
        }
        self.dispatch_fetches();
        Ok(())
    }

    fn dispatch_fetches(&mut self) {
        let mut by_leader: BTreeMap<BrokerId, Vec<PartitionFetch>> = BTreeMap::new();
        for tp in &self.assigned {
            let Some((leader, _)) = self.metadata.leader(tp) else {
                self.metadata_stale = true;
                continue;
            };
            let Some(&position) = self.positions.get(tp) else {
                continue;
            };
            if self.in_flight.contains_key(&leader) || self.awaiting_validation.contains(tp) {
                continue;
            }
            by_leader.entry(leader).or_default().push(PartitionFetch {
                tp: tp.clone(),
                fetch_offset: position.offset,
                // Trimmed to max.poll.records when collected; what is cut off
                // is fetched again from the position after the last record
                // returned.
                max_batches: self.config.max_poll_records,
                // A pre-KIP-320 client sends no epoch and is never fenced.
                current_leader_epoch: if self.config.legacy_no_epoch_validation {
                    None
                } else {
                    position.current_leader_epoch
                },
                isolation: self.config.isolation_level,
            });
        }
        for (leader, partitions) in by_leader {
            let mut ch = self
                .channels
                .remove(&leader)
                .unwrap_or_else(|| Channel::new(broker_host(leader), BROKER_PORT));
            let slot: FetchSlot = Rc::default();
            let req = Request::ConsumerFetch {
                partitions: partitions.clone(),
            };
            let timeout = self.config.request_timeout_ms;
            let task = tokio::task::spawn_local({
                let slot = slot.clone();
                let wake = self.fetch_done.clone();
                async move {
                    let resp = ch.call(&req, timeout).await.ok();
                    *slot.borrow_mut() = Some((ch, resp));
                    wake.notify_one();
                }
            });
            self.in_flight.insert(
                leader,
                InFlightFetch {
                    partitions,
                    slot,
                    task,
                },
            );
        }
    }

    /// Until every fetch in flight has answered (or failed).
    async fn wait_for_fetches(&self) {
        while self.in_flight.values().any(|f| f.slot.borrow().is_none()) {
            self.fetch_done.notified().await;
        }
    }

    /// Take the answered fetches, in broker order, and turn them into records:
    /// at most `max.poll.records`, each partition's position moved to just
    /// after the last record returned, so nothing is returned twice or skipped.
    fn collect_fetches(&mut self) -> Vec<ConsumedRecord> {
        let done: Vec<BrokerId> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.slot.borrow().is_some())
            .map(|(&b, _)| b)
            .collect();
        let mut out = Vec::new();
        for broker in done {
            let fetch = self.in_flight.remove(&broker).expect("listed above");
            let (ch, resp) = fetch.slot.borrow_mut().take().expect("answered");
            // A lookup may have opened another connection meanwhile; keep one.
            self.channels.entry(broker).or_insert(ch);
            let answers = match resp {
                Some(Response::ConsumerFetch { partitions }) => partitions,
                _ => {
                    self.metadata_stale = true;
                    continue;
                }
            };
            for (sent, (tp, result)) in fetch.partitions.iter().zip(answers) {
                debug_assert_eq!(sent.tp, tp, "answers come in request order");
                // Kafka's FetchCollector drops a fetch for a partition no longer
                // assigned, or whose position moved since it was sent (a seek,
                // a reset, a rebalance), or that is no longer fetchable (its
                // position awaits validation after a leader change).
                if !self.assigned.contains(&tp)
                    || self.position(&tp) != Some(sent.fetch_offset)
                    || self.awaiting_validation.contains(&tp)
                {
                    continue;
                }
                self.take_records(tp, sent.fetch_offset, result, &mut out);
            }
        }
        out
    }

    fn take_records(
        &mut self,
        tp: TopicPartition,
        position: i64,
        result: Result<FetchData, ErrorCode>,
        out: &mut Vec<ConsumedRecord>,
    ) {
        let limit = self.config.max_poll_records as usize;
        match result {
            Ok(data) => {
                let mut next = position;
                // The epoch of the last batch consumed (Kafka's
                // CompletedFetch.lastEpoch): what validates the position later.
                let mut next_epoch = None;
                let mut aborted = AbortedFilter::new(data.aborted);
                'batches: for batch in data.batches {
                    if out.len() >= limit {
                        break;
                    }
                    // Markers take offsets but are never records; under
                    // read_committed an aborted transaction's records are
                    // dropped (the broker sent its aborted list only then).
                    let dropped = aborted.drops(&batch);
                    if batch.control.is_some() || dropped {
                        if batch.next_offset() > next {
                            next = batch.next_offset();
                            next_epoch = Some(batch.leader_epoch);
                        }
                        continue;
                    }
                    for (i, record) in batch.records.into_iter().enumerate() {
                        let offset = batch.base_offset + i as i64;
                        if offset < next {
                            continue;
                        }
                        if out.len() >= limit {
                            break 'batches;
                        }
                        out.push(ConsumedRecord {
                            tp: tp.clone(),
                            offset,
                            leader_epoch: batch.leader_epoch,
                            record,
                        });
                        next = offset + 1;
                        next_epoch = Some(batch.leader_epoch);
                    }
                }
                let p = self.positions.get_mut(&tp).expect("checked by the caller");
                if next_epoch.is_some() {
                    p.offset_epoch = next_epoch;
                }
                p.offset = next;
            }
            // The log was truncated below our position: reset as configured.
            Err(ErrorCode::OffsetOutOfRange) => {
                self.positions.remove(&tp);
                self.record_event(|client| ClusterEvent::ConsumerOffsetOutOfRange {
                    client,
                    tp,
                    position,
                });
            }
            Err(_) => self.metadata_stale = true,
        }
    }

    async fn ensure_position(&mut self, tp: &TopicPartition) -> Result<Option<i64>, ConsumerError> {
        if let Some(p) = self.position(tp) {
            return Ok(Some(p));
        }
        let spec = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => OffsetSpec::Earliest,
            AutoOffsetReset::Latest => OffsetSpec::Latest,
            AutoOffsetReset::None => return Err(ConsumerError::NoOffset(tp.clone())),
        };
        // The consumer's isolation level: read_committed resets `latest` to the
        // LSO, not past an open transaction it would then never read.
        let listed = self
            .list_offset(tp, spec, self.config.isolation_level)
            .await;
        if let Some(listed) = listed {
            // No epoch for the position, so no validation of it (Kafka's
            // OffsetFetcherUtils.resetPositionIfNeeded: "This will ensure we
            // skip validation"); the answer's leader epoch only says whether
            // the metadata is behind (Kafka: updateLastSeenEpochIfNewer).
            let known = self.metadata.leader(tp).map(|(_, epoch)| epoch);
            if listed
                .leader_epoch
                .is_some_and(|epoch| known.is_none_or(|k| epoch > k))
            {
                self.metadata_stale = true;
            }
            self.positions
                .insert(tp.clone(), FetchPosition::unvalidated(listed.offset));
        }
        Ok(listed.map(|listed| listed.offset))
    }

    async fn list_offset(
        &mut self,
        tp: &TopicPartition,
        spec: OffsetSpec,
        isolation: IsolationLevel,
    ) -> Option<ListedOffset> {
        if self.metadata_stale {
            self.refresh_metadata().await;
        }
        match self
            .call_leader(
                tp,
                &Request::ListOffsets {
                    tp: tp.clone(),
                    spec,
                    isolation,
                },
            )
            .await
        {
            Some(Response::ListOffsets { result: Ok(o) }) => Some(o),
            _ => {
                self.metadata_stale = true;
                None
            }
        }
    }

    async fn call_leader(&mut self, tp: &TopicPartition, req: &Request) -> Option<Response> {
        let Some((leader, _)) = self.metadata.leader(tp) else {
            self.metadata_stale = true;
            return None;
        };
        let timeout = self.config.request_timeout_ms;
        let ch = self
            .channels
            .entry(leader)
            .or_insert_with(|| Channel::new(broker_host(leader), BROKER_PORT));
        ch.call(req, timeout).await.ok()
    }

    async fn refresh_metadata(&mut self) {
        let Some(broker) = next_bootstrap(&mut self.next_bootstrap, self.brokers) else {
            // No broker to ask: wait as after a failed lookup.
            tokio::time::sleep(self.config.retry_backoff()).await;
            return;
        };
        let mut ch = Channel::new(broker_host(broker), BROKER_PORT);
        if let Ok(Response::Metadata(m)) = ch
            .call(&Request::Metadata, self.config.request_timeout_ms)
            .await
        {
            if m.version >= self.metadata.version && !m.partitions.is_empty() {
                self.metadata = m;
                self.metadata_stale = false;
            }
        }
    }
}

/// Kafka's read_committed filter (FetchCollector / CompletedFetch): walking
/// the batches in offset order, a producer enters the aborted set when a batch
/// reaches the first offset of one of its aborted transactions, and leaves it
/// at that transaction's ABORT marker; its transactional batches in between
/// are dropped.
struct AbortedFilter {
    /// Aborted transactions not yet reached, by first offset.
    pending: Vec<crate::producer_state::AbortedTxn>,
    active: std::collections::BTreeSet<crate::ids::ProducerId>,
}

impl AbortedFilter {
    fn new(mut aborted: Vec<crate::producer_state::AbortedTxn>) -> Self {
        aborted.sort_by_key(|a| std::cmp::Reverse(a.first_offset));
        Self {
            pending: aborted,
            active: std::collections::BTreeSet::new(),
        }
    }

    /// Should `batch` be dropped? Call for every batch, markers included.
    fn drops(&mut self, batch: &crate::batch::RecordBatch) -> bool {
        while self
            .pending
            .last()
            .is_some_and(|a| a.first_offset <= batch.last_offset())
        {
            let a = self.pending.pop().expect("checked above");
            self.active.insert(a.producer_id);
        }
        if batch.control == Some(crate::batch::ControlMarker::Abort) {
            self.active.remove(&batch.producer_id);
            return false;
        }
        batch.is_transactional && self.active.contains(&batch.producer_id)
    }
}
