//! Workloads: the client hosts that drive the models' clients and record
//! every call as history operations (HISTORY.md): producers, consumers with
//! manual assignment, consumer group members (`group`), transactional
//! producers (`transactional`, when `transactional.id` is set), and the final reads
//! after recovery (`final_read`). A run installs them all through [`install`]
//! and [`FinalReads`]; host names come from [`ClientHost`].
pub mod consumer;
pub mod final_read;
pub mod group;
pub mod hosts;
pub mod producer;
pub mod transactional;
pub mod txn_mixed;

pub use final_read::FinalReads;
pub use hosts::ClientHost;

use group::GroupControls;
use logjam_checker::history::{OpType, OpValue, Process, Recorder};
use logjam_models::config::ClusterConfig;
use logjam_models::events::EventLog;
use logjam_models::ids::TopicPartition;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadSpec {
    /// Producer client hosts (each with one Kafka producer).
    pub producers: u32,
    /// Concurrent sending processes per producer host (application threads
    /// sharing the producer), so batches and in-flight requests actually form.
    pub processes_per_producer: u32,
    /// Pause between one process's sends.
    pub send_interval_ms: u64,
    /// Records per `send` operation, all to one partition, handed to the
    /// producer `send_interval_ms` apart and awaited together: with retries
    /// and several requests in flight, a retried batch can land after a later
    /// one, which one record per operation can never show.
    pub sends_per_op: u32,
    /// Consumer client hosts; partitions are assigned round-robin.
    pub consumers: u32,
    /// Consumer group member hosts (`group.id` from the consumer settings, or
    /// "logjam-group"), subscribed to every topic. 0: no group.
    pub group_consumers: u32,
    /// When group members commit relative to processing.
    pub commit_mode: logjam_checker::CommitMode,
    /// Simulated time one processing step takes.
    pub processing_ms: u64,
    /// What a transactional producer's `txn` operations hold: sends only, or
    /// Jepsen's transactional mode, sends and polls mixed (`txn_mixed`).
    /// Ignored unless producers are transactional (`transactional.id`), so
    /// a sweep may cross the scenario with any preset. Left out of a
    /// written scenario at its default.
    #[serde(skip_serializing_if = "TxnMode::is_sends")]
    pub txn_mode: TxnMode,
}

/// What the micro-operations of a transactional process's `txn` are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxnMode {
    /// 1–4 sends per transaction (`transactional`).
    #[default]
    Sends,
    /// Jepsen's transactional mode: each process is a transactional producer
    /// and a consumer, its transactions 1–4 micro-ops each a send or a poll,
    /// the consumed positions sent to the transaction (`txn_mixed`).
    Mixed,
}

impl TxnMode {
    pub fn is_sends(&self) -> bool {
        *self == TxnMode::Sends
    }
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        Self {
            producers: 2,
            processes_per_producer: 4,
            send_interval_ms: 20,
            sends_per_op: 1,
            consumers: 3,
            group_consumers: 0,
            commit_mode: logjam_checker::CommitMode::AfterProcessing,
            processing_ms: 20,
            txn_mode: TxnMode::Sends,
        }
    }
}

/// What every client process of a run shares: the recorder, id counters, the
/// workload's random stream, the flag that ends the fault window, and the
/// cluster's event log (consumers record what their position validation finds).
#[derive(Clone)]
pub struct Shared {
    pub recorder: Rc<RefCell<Recorder>>,
    pub next_process: Rc<Cell<u64>>,
    pub next_value: Rc<Cell<i64>>,
    pub rng: Rc<RefCell<ChaCha8Rng>>,
    pub stop: Rc<Cell<bool>>,
    pub partitions: Rc<Vec<TopicPartition>>,
    pub events: EventLog,
}

impl Shared {
    pub fn new(seed: u64, partitions: Vec<TopicPartition>, events: EventLog) -> Self {
        Self {
            recorder: Rc::new(RefCell::new(Recorder::default())),
            next_process: Rc::new(Cell::new(0)),
            next_value: Rc::new(Cell::new(0)),
            rng: Rc::new(RefCell::new(crate::rng::stream(seed, "workload"))),
            stop: Rc::new(Cell::new(false)),
            partitions: Rc::new(partitions),
            events,
        }
    }

    pub fn new_process(&self) -> u64 {
        let p = self.next_process.get();
        self.next_process.set(p + 1);
        p
    }

    /// Record a producer operation's completion, then wait before the next
    /// one. After an unknown outcome the process id is never reused
    /// (HISTORY.md), so this returns the id to go on with. The wait is
    /// jittered (half to one and a half intervals) so seeds explore different
    /// interleavings of operations with faults and the cluster's timers.
    pub async fn complete_then_wait(
        &self,
        process: u64,
        completion: (OpType, &str, OpValue, Option<String>),
        interval_ms: u64,
    ) -> u64 {
        let (op_type, f, value, error) = completion;
        self.recorder.borrow_mut().complete(
            now_ns(),
            Process::Id(process),
            op_type,
            f,
            value,
            error,
        );
        let next = if op_type == OpType::Info {
            self.new_process()
        } else {
            process
        };
        let pause_ms = self
            .rng
            .borrow_mut()
            .random_range(interval_ms / 2..=interval_ms + interval_ms / 2);
        tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        next
    }

    /// Values are unique across the whole history: that is what lets the checker
    /// tell a duplicate from a second write.
    pub fn new_value(&self) -> i64 {
        let v = self.next_value.get();
        self.next_value.set(v + 1);
        v
    }
}

/// Simulated nanoseconds since the start of the run.
pub fn now_ns() -> u64 {
    turmoil::sim_elapsed().map_or(0, |d| d.as_nanos() as u64)
}

/// The record that carries workload value `v`: no key, the value as 8
/// big-endian bytes (what the final reads and the checker decode).
pub fn value_record(v: i64) -> logjam_models::Record {
    logjam_models::Record {
        key: None,
        value: v.to_be_bytes().to_vec(),
    }
}

pub fn key(tp: &TopicPartition) -> String {
    tp.to_string()
}

/// The cluster configuration the workload runs with: with a consumer group,
/// its group id and the earliest reset ([`group::cluster_config`]); with
/// mixed transactions, a group id too ([`txn_mixed::cluster_config`]).
pub fn cluster_config(spec: &WorkloadSpec, config: ClusterConfig) -> ClusterConfig {
    let config = group::cluster_config(spec.group_consumers, config);
    txn_mixed::cluster_config(spec.txn_mode, config)
}

/// The names of the workload's client hosts, in the order [`install`]
/// creates them.
pub fn host_names(spec: &WorkloadSpec) -> Vec<String> {
    hosts::workload_hosts(spec)
        .into_iter()
        .map(ClientHost::name)
        .collect()
}

/// The workload's client hosts, once installed.
pub struct Clients {
    /// Their host names, in [`host_names`] order.
    pub hosts: Vec<String>,
    /// What the nemesis can do to group members (empty without a group).
    pub group_controls: GroupControls,
}

/// Register the workload's client hosts on the sim: producers, consumers
/// (partitions assigned round-robin), then group members.
pub fn install(
    sim: &mut turmoil::Sim<'_>,
    spec: &WorkloadSpec,
    config: &ClusterConfig,
    shared: &Shared,
) -> Clients {
    let group_controls = GroupControls::default();
    let consumers = spec.consumers.max(1) as usize;
    let mut hosts = Vec::new();
    for host in hosts::workload_hosts(spec) {
        let name = host.name();
        match host {
            ClientHost::Producer(_) if config.producer.transactional_id.is_some() => {
                transactional::install(sim, &name, spec, config, shared.clone())
            }
            ClientHost::Producer(_) => producer::install(sim, &name, spec, config, shared.clone()),
            ClientHost::Consumer(i) => {
                let assigned: Vec<TopicPartition> = shared
                    .partitions
                    .iter()
                    .skip(i as usize - 1)
                    .step_by(consumers)
                    .cloned()
                    .collect();
                consumer::install(sim, &name, config, assigned, shared.clone());
            }
            ClientHost::GroupMember(_) => {
                group::install_member(sim, &name, spec, config, shared, &group_controls)
            }
            ClientHost::FinalReader | ClientHost::FinalCommitted => {
                unreachable!("{host} is installed after recovery, not with the workload")
            }
        }
        hosts.push(name);
    }
    Clients {
        hosts,
        group_controls,
    }
}
