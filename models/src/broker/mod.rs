//! A broker host: partition replicas on a disk that outlives the process, the
//! produce and fetch paths, the follower fetchers, and the link to the controller.
mod controller_link;
mod fetch;
mod fetcher;
mod group_coordinator;
mod isr;
mod produce;
mod replica;
mod txn_coordinator;
mod txn_verify;

use crate::config::{BrokerConfig, ClusterConfig, EffectiveTopicConfig};
use crate::events::EventLog;
use crate::ids::{now_ms, BrokerId, TopicPartition, BROKER_PORT, CONTROLLER_HOST, CONTROLLER_PORT};
use crate::log::PartitionLog;
use crate::metadata::MetadataImage;
use crate::protocol::{Request, Response};
use crate::rpc::{serve, Channel};
use crate::storage::SharedDisk;
use replica::Replica;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::Mutex;

/// The state of one broker process. Lost on restart, except what is on `disk`.
#[derive(Debug)]
pub(crate) struct Broker {
    pub id: BrokerId,
    pub incarnation: u64,
    pub config: BrokerConfig,
    pub topics: BTreeMap<String, EffectiveTopicConfig>,
    pub disk: SharedDisk,
    pub replicas: BTreeMap<TopicPartition, Replica>,
    pub image: MetadataImage,
    /// The cluster's event log (survives the process: it is the observer's).
    pub events: EventLog,
}

/// Cheap handle shared by the broker's tasks. (What waits on replication
/// progress waits on its partition's `Replica::progress`.)
#[derive(Clone)]
pub(crate) struct BrokerHandle {
    pub state: Rc<RefCell<Broker>>,
    /// The connection for AlterPartition; heartbeats have their own.
    pub controller: Rc<Mutex<Channel>>,
    /// Consumer groups this broker coordinates (in memory, lost on restart).
    pub groups: Rc<RefCell<group_coordinator::GroupCoordinator>>,
    /// Transactional ids this broker coordinates (in memory, lost on restart).
    pub txns: Rc<RefCell<txn_coordinator::TxnCoordinator>>,
}

impl Broker {
    pub fn topic_config(&self, topic: &str) -> Option<&EffectiveTopicConfig> {
        self.topics.get(topic)
    }

    pub fn min_insync_replicas(&self, tp: &TopicPartition) -> u32 {
        self.topic_config(&tp.topic)
            .map_or(self.config.min_insync_replicas, |t| t.min_insync_replicas)
    }
}

/// Flush policy after an append (`flush.messages`); `flush.ms` runs in its own loop.
pub(crate) fn flush_if_due(
    log: &mut PartitionLog,
    topic: Option<&EffectiveTopicConfig>,
    now_ms: u64,
) {
    if let Some(n) = topic.and_then(|t| t.flush_messages) {
        if log.unflushed_records() >= n {
            log.flush(now_ms);
        }
    }
}

/// The broker host's main future. Called again by turmoil on every restart.
pub(crate) async fn run_broker(
    id: BrokerId,
    config: Rc<ClusterConfig>,
    disk: SharedDisk,
    events: EventLog,
) -> turmoil::Result {
    let incarnation = {
        let mut d = disk.borrow_mut();
        d.incarnation += 1;
        d.incarnation
    };
    let topics = config
        .topics
        .iter()
        .map(|t| (t.name.clone(), t.effective(&config.broker)))
        .collect();
    let handle = BrokerHandle {
        state: Rc::new(RefCell::new(Broker {
            id,
            incarnation,
            config: config.broker.clone(),
            topics,
            disk,
            replicas: BTreeMap::new(),
            image: MetadataImage::default(),
            events,
        })),
        controller: Rc::new(Mutex::new(Channel::new(CONTROLLER_HOST, CONTROLLER_PORT))),
        groups: Rc::default(),
        txns: Rc::default(),
    };
    tokio::task::spawn_local(controller_link::heartbeat_loop(handle.clone()));
    tokio::task::spawn_local(isr_shrink_loop(handle.clone()));
    if let Some(interval_ms) = config.broker.log_flush_scheduler_interval_ms {
        tokio::task::spawn_local(flush_loop(handle.clone(), interval_ms));
    }
    tokio::task::spawn_local(checkpoint_loop(handle.clone()));
    tokio::task::spawn_local(group_coordinator::tick_loop(handle.clone()));
    if config.producer.transactional_id.is_some() {
        tokio::task::spawn_local(txn_coordinator::tick_loop(handle.clone()));
    }
    serve(BROKER_PORT, move |req| {
        let h = handle.clone();
        async move { handle_request(&h, req).await }
    })
    .await?;
    Ok(())
}

async fn handle_request(h: &BrokerHandle, req: Request) -> Option<Response> {
    match req {
        Request::Produce {
            tp,
            acks,
            timeout_ms,
            batch,
            transactional_id,
        } => match txn_verify::verify(h, &tp, &batch, transactional_id.as_deref()).await {
            Err(e) if acks != crate::config::Acks::Zero => {
                Some(Response::Produce { result: Err(e) })
            }
            Err(_) => None,
            Ok(()) => produce::handle(h, tp, acks, timeout_ms, batch).await,
        },
        Request::Fetch {
            tp,
            fetch_offset,
            replica,
            max_batches,
            max_wait_ms,
        } => Some(
            fetch::handle(
                h,
                tp,
                fetch_offset,
                replica,
                max_batches,
                max_wait_ms,
                crate::config::IsolationLevel::ReadUncommitted,
            )
            .await,
        ),
        Request::ConsumerFetch { partitions } => {
            // Kafka's broker answers a multi-partition fetch with one response;
            // consumers never long-poll here (max wait 0), so each partition
            // answers at once.
            let mut answers = Vec::with_capacity(partitions.len());
            for p in partitions {
                if let Err(e) = fetch::check_consumer_epoch(h, &p.tp, p.current_leader_epoch) {
                    answers.push((p.tp, Err(e)));
                    continue;
                }
                let answer = fetch::handle(
                    h,
                    p.tp.clone(),
                    p.fetch_offset,
                    None,
                    p.max_batches,
                    0,
                    p.isolation,
                )
                .await;
                let Response::Fetch { result } = answer else {
                    unreachable!("fetch::handle answers with Response::Fetch")
                };
                answers.push((p.tp, result));
            }
            Some(Response::ConsumerFetch {
                partitions: answers,
            })
        }
        Request::ListOffsets {
            tp,
            spec,
            isolation,
        } => Some(Response::ListOffsets {
            result: fetch::list_offsets(h, &tp, spec, isolation),
        }),
        Request::OffsetsForLeaderEpoch {
            tp,
            current_leader_epoch,
            leader_epoch,
        } => Some(fetch::offsets_for_leader_epoch(
            h,
            &tp,
            current_leader_epoch,
            leader_epoch,
        )),
        Request::Metadata => Some(Response::Metadata(h.state.borrow().image.clone())),
        Request::InitProducerId => Some(Response::InitProducerId {
            result: Ok((allocate_producer_id(h), 0)),
        }),
        Request::Group(req) => Some(Response::Group(group_coordinator::handle(h, req).await)),
        Request::Txn(req) => Some(Response::Txn(txn_coordinator::handle(h, req).await)),
        Request::WriteTxnMarker {
            tp,
            producer_id,
            producer_epoch,
            marker,
            coordinator_epoch,
            timeout_ms,
        } => Some(Response::WriteTxnMarker {
            result: produce::write_marker(
                h,
                tp,
                producer_id,
                producer_epoch,
                marker,
                coordinator_epoch,
                timeout_ms,
            )
            .await,
        }),
        Request::BrokerHeartbeat { .. } | Request::AlterPartition { .. } => None,
    }
}

/// A new producer id. Ids are unique across brokers: a block per broker, as
/// KRaft allocates them.
pub(crate) fn allocate_producer_id(h: &BrokerHandle) -> crate::ids::ProducerId {
    let b = h.state.borrow();
    let mut disk = b.disk.borrow_mut();
    disk.next_producer_id += 1;
    i64::from(b.id) * 1_000_000_000 + disk.next_producer_id
}

/// Leaders drop followers that lag past `replica.lag.time.max.ms`.
async fn isr_shrink_loop(h: BrokerHandle) {
    let lag_ms = h.state.borrow().config.replica_lag_time_max_ms;
    loop {
        tokio::time::sleep(Duration::from_millis((lag_ms / 2).max(1))).await;
        let proposals: Vec<_> = {
            let mut b = h.state.borrow_mut();
            let now = now_ms();
            b.replicas
                .values_mut()
                .filter_map(|r| r.maybe_shrink_isr(now, lag_ms))
                .collect()
        };
        for proposal in proposals {
            controller_link::submit_alter_partition(&h, proposal);
        }
    }
}

/// Kafka's log flusher: every `log.flush.scheduler.interval.ms`, flush the logs
/// whose last flush is older than their `flush.ms`. Without the interval
/// (Kafka's default) it never runs, and `flush.ms` fsyncs nothing.
async fn flush_loop(h: BrokerHandle, interval_ms: u64) {
    loop {
        tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        let b = h.state.borrow();
        let now = now_ms();
        let mut disk = b.disk.borrow_mut();
        for (tp, log) in disk.logs.iter_mut() {
            let flush_ms = b.topic_config(&tp.topic).and_then(|t| t.flush_ms);
            if let Some(ms) = flush_ms {
                if log.unflushed_records() > 0 && now.saturating_sub(log.last_flush_ms()) >= ms {
                    log.flush(now);
                }
            }
        }
    }
}

/// `replica.high.watermark.checkpoint.interval.ms`: the HW file legacy truncation reads.
async fn checkpoint_loop(h: BrokerHandle) {
    let interval = h
        .state
        .borrow()
        .config
        .replica_high_watermark_checkpoint_interval_ms;
    loop {
        tokio::time::sleep(Duration::from_millis(interval.max(1))).await;
        let b = h.state.borrow();
        let mut disk = b.disk.borrow_mut();
        for (tp, r) in &b.replicas {
            disk.hw_checkpoint.insert(tp.clone(), r.high_watermark());
        }
    }
}
