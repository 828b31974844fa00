//! Puts a cluster on a turmoil simulation: one host per broker, one for the
//! controller, and the disks and controller state that outlive their processes.
//! The harness's handle on the cluster: the fault hooks (crash, power loss,
//! restart) and what it may read of the controller's view and the disks.
use crate::broker::run_broker;
use crate::config::{ClusterConfig, ConfigError};
use crate::controller::{run_controller, state::ControllerState, SharedController};
use crate::events::{ClusterEvent, EventLog, PartitionRange, TimedEvent};
use crate::ids::{broker_host, BrokerId, TopicPartition, CONTROLLER_HOST};
use crate::metadata::PartitionState;
use crate::storage::{Disk, SharedDisk};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

/// Simulation knobs that are not Kafka settings.
#[derive(Clone, Debug)]
pub struct SimSettings {
    pub seed: u64,
    /// Simulated time per turmoil step. Coarser is cheaper (see DESIGN.md).
    pub tick_ms: u64,
    pub duration_ms: u64,
    /// One-way network latency range: each message's latency is drawn from
    /// the sim's seeded rng, `min + (max - min) * Exp(5)` capped at `max`
    /// (turmoil's default curve; mean about a fifth of the way up). The
    /// default reaches past the tick so that a round trip takes a varying
    /// number of steps: with every message on the next step, periodic loops
    /// (a producer's sends, a follower's fetches) lock in phase (issue 11).
    pub min_latency_ms: u64,
    pub max_latency_ms: u64,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            seed: 0,
            tick_ms: 5,
            duration_ms: 30_000,
            min_latency_ms: 1,
            max_latency_ms: 25,
        }
    }
}

/// How many connections a simulated host queues before accepting them
/// (turmoil's `tcp_capacity`): one more panics inside turmoil ("server
/// socket buffer full"), so scenarios are sized to stay under it.
pub const LISTEN_BACKLOG: usize = 4096;

/// A fixed epoch: nothing in a run may depend on the wall clock.
pub const SIM_EPOCH_SECS: u64 = 1_700_000_000;

pub fn new_sim<'a>(s: &SimSettings) -> turmoil::Sim<'a> {
    turmoil::Builder::new()
        .rng_seed(s.seed)
        .epoch(SystemTime::UNIX_EPOCH + Duration::from_secs(SIM_EPOCH_SECS))
        .tick_duration(Duration::from_millis(s.tick_ms))
        .simulation_duration(Duration::from_millis(s.duration_ms))
        .min_message_latency(Duration::from_millis(s.min_latency_ms))
        .max_message_latency(Duration::from_millis(s.max_latency_ms))
        .tcp_capacity(LISTEN_BACKLOG)
        .build()
}

pub struct Cluster {
    pub config: Rc<ClusterConfig>,
    pub(crate) disks: BTreeMap<BrokerId, SharedDisk>,
    pub(crate) controller: SharedController,
    events: EventLog,
}

impl Cluster {
    pub fn new(config: ClusterConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        // Internal topics are the cluster's business, not the scenario's: added
        // after validation, which rejects nothing about them.
        let config = crate::group::with_offsets_topic(config);
        let config = crate::txn::with_transaction_state_topic(config);
        let disks: BTreeMap<BrokerId, SharedDisk> =
            (1..=config.brokers).map(|b| (b, Disk::shared())).collect();
        let events = EventLog::default();
        let controller = Rc::new(RefCell::new(ControllerState::new(
            &config,
            events.clone(),
            disks.clone(),
        )));
        Ok(Self {
            config: Rc::new(config),
            disks,
            controller,
            events,
        })
    }

    pub fn broker_ids(&self) -> impl Iterator<Item = BrokerId> + '_ {
        self.disks.keys().copied()
    }

    pub fn has_broker(&self, id: BrokerId) -> bool {
        self.disks.contains_key(&id)
    }

    /// Register the controller and broker hosts on `sim`.
    pub fn install(&self, sim: &mut turmoil::Sim<'_>) {
        let controller = self.controller.clone();
        sim.host(CONTROLLER_HOST, move || run_controller(controller.clone()));
        for (&id, disk) in &self.disks {
            let (config, disk) = (self.config.clone(), disk.clone());
            let events = self.events.clone();
            sim.host(broker_host(id), move || {
                run_broker(id, config.clone(), disk.clone(), events.clone())
            });
        }
    }

    /// Kill the broker process; its page cache survives (the OS is still up).
    pub fn crash(&self, sim: &mut turmoil::Sim<'_>, id: BrokerId) {
        sim.crash(broker_host(id));
        let kept = self.kept_logs(id);
        self.events.record(
            sim_now_ms(sim),
            ClusterEvent::BrokerCrashed { broker: id, kept },
        );
    }

    /// Power loss: the process dies and every unflushed write is gone.
    pub fn lose_power(&self, sim: &mut turmoil::Sim<'_>, id: BrokerId) {
        sim.crash(broker_host(id));
        let before = self.kept_logs(id);
        let now_ms = sim_now_ms(sim);
        self.disks[&id]
            .borrow_mut()
            .lose_power(now_ms, self.config.broker.page_cache_writeback_age_ms);
        // What the kernel had written back survives too, so the dropped range
        // is the log end before against the log end after, not the flushed end.
        let after = self.kept_logs(id);
        let dropped = before
            .into_iter()
            .zip(after)
            .filter(|(b, a)| b.to > a.to)
            .map(|(b, a)| PartitionRange {
                from: a.to,
                to: b.to,
                tp: b.tp,
            })
            .collect();
        self.events.record(
            now_ms,
            ClusterEvent::PowerLoss {
                broker: id,
                dropped,
            },
        );
    }

    pub fn restart(&self, sim: &mut turmoil::Sim<'_>, id: BrokerId) {
        sim.bounce(broker_host(id));
        let kept = self.kept_logs(id);
        self.events.record(
            sim_now_ms(sim),
            ClusterEvent::BrokerRestarted { broker: id, kept },
        );
    }

    /// Each log on `id`'s disk: `from` its flushed end, `to` its log end.
    fn kept_logs(&self, id: BrokerId) -> Vec<PartitionRange> {
        self.disks[&id]
            .borrow()
            .logs
            .iter()
            .map(|(tp, log)| PartitionRange {
                tp: tp.clone(),
                from: log.flushed_end_offset(),
                to: log.log_end_offset(),
            })
            .collect()
    }

    /// The cluster's own account of the run so far ([`crate::events`]).
    pub fn events(&self) -> Vec<TimedEvent> {
        self.events.snapshot()
    }

    /// The event log itself, for clients that record into it (a consumer's
    /// position validation, [`crate::consumer::Consumer::record_events`]).
    pub fn event_log(&self) -> EventLog {
        self.events.clone()
    }

    /// `read` of the controller's current state of `tp` (None: unknown partition).
    fn partition<T>(
        &self,
        tp: &TopicPartition,
        read: impl FnOnce(&PartitionState) -> T,
    ) -> Option<T> {
        self.controller
            .borrow()
            .image()
            .partitions
            .get(tp)
            .map(read)
    }

    /// The controller's current view (what a test or the harness may inspect).
    pub fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.partition(tp, |p| p.leader).flatten()
    }

    pub fn isr_of(&self, tp: &TopicPartition) -> Vec<BrokerId> {
        self.partition(tp, |p| p.isr.clone()).unwrap_or_default()
    }

    /// The partition's eligible leader replicas (KIP-966; always empty
    /// before `kafka.version` 4.1).
    pub fn elr_of(&self, tp: &TopicPartition) -> Vec<BrokerId> {
        self.partition(tp, |p| p.elr.clone()).unwrap_or_default()
    }

    /// The partition's replicas, from the controller's view (empty for an
    /// unknown partition).
    pub fn replicas_of(&self, tp: &TopicPartition) -> Vec<BrokerId> {
        self.partition(tp, |p| p.replicas.clone())
            .unwrap_or_default()
    }

    /// The partition epoch the controller holds for `tp` (None: unknown partition).
    pub fn partition_epoch(&self, tp: &TopicPartition) -> Option<i32> {
        self.partition(tp, |p| p.partition_epoch)
    }

    /// Every replica of every partition as its broker's disk holds it now,
    /// by broker then partition: what a harness dumps at the end of a run to
    /// judge replica divergence. Data records only (control batches left out).
    pub fn replica_snapshots(&self) -> Vec<ReplicaSnapshot> {
        let mut out = Vec::new();
        for (&broker, disk) in &self.disks {
            let disk = disk.borrow();
            for (tp, log) in &disk.logs {
                let records = log
                    .batches()
                    .iter()
                    .filter(|b| b.control.is_none())
                    .flat_map(|b| {
                        b.records
                            .iter()
                            .enumerate()
                            .map(move |(i, r)| SnapshotRecord {
                                offset: b.base_offset + i as i64,
                                value: r.value.clone(),
                                producer_id: b.producer_id,
                                leader_epoch: b.leader_epoch,
                            })
                    })
                    .collect();
                out.push(ReplicaSnapshot {
                    broker,
                    tp: tp.clone(),
                    checkpointed_high_watermark: disk.hw_checkpoint.get(tp).copied().unwrap_or(0),
                    log_end_offset: log.log_end_offset(),
                    records,
                });
            }
        }
        out
    }

    /// How many unclean leader elections the controller has made.
    pub fn unclean_elections(&self) -> u64 {
        self.controller.borrow().unclean_elections
    }

    /// The log end offset of `tp` on `broker`'s disk (0 when it has no log).
    pub fn log_end_offset(&self, broker: BrokerId, tp: &TopicPartition) -> i64 {
        self.disks[&broker]
            .borrow()
            .log(tp)
            .map_or(0, |l| l.log_end_offset())
    }

    /// Every broker's logs and the controller's metadata, as text: two runs
    /// of the same seed must give the same transcript.
    pub fn state_transcript(&self) -> String {
        let mut out = String::new();
        for (id, disk) in &self.disks {
            out += &format!("broker {id}: {:?}\n", disk.borrow().logs);
        }
        out += &format!("{:?}\n", self.controller.borrow().image());
        out
    }
}

/// Simulated time as the step loop sees it (outside any host, where
/// [`crate::ids::now_ms`] has no clock to read).
fn sim_now_ms(sim: &turmoil::Sim<'_>) -> u64 {
    sim.elapsed().as_millis() as u64
}

/// One replica's log at a moment, outside the simulation ([`Cluster::replica_snapshots`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaSnapshot {
    pub broker: BrokerId,
    pub tp: TopicPartition,
    /// The HW in the replica's `replication-offset-checkpoint`: every offset
    /// below it was committed when it was written.
    pub checkpointed_high_watermark: i64,
    pub log_end_offset: i64,
    pub records: Vec<SnapshotRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRecord {
    pub offset: i64,
    pub value: Vec<u8>,
    /// -1 without idempotence.
    pub producer_id: i64,
    /// The epoch of the leader that appended it.
    pub leader_epoch: i32,
}
