//! Workloads: producer and consumer client hosts that drive the models' clients
//! and record every call as history operations (HISTORY.md).
pub mod consumer;
pub mod final_read;
pub mod group;
pub mod producer;

use logjam_checker::history::Recorder;
use logjam_models::ids::TopicPartition;
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
        }
    }
}

/// What every client process of a run shares: the recorder, id counters, the
/// workload's random stream, and the flag that ends the fault window.
#[derive(Clone)]
pub struct Shared {
    pub recorder: Rc<RefCell<Recorder>>,
    pub next_process: Rc<Cell<u64>>,
    pub next_value: Rc<Cell<i64>>,
    pub rng: Rc<RefCell<ChaCha8Rng>>,
    pub stop: Rc<Cell<bool>>,
    pub partitions: Rc<Vec<TopicPartition>>,
}

impl Shared {
    pub fn new(seed: u64, partitions: Vec<TopicPartition>) -> Self {
        Self {
            recorder: Rc::new(RefCell::new(Recorder::default())),
            next_process: Rc::new(Cell::new(0)),
            next_value: Rc::new(Cell::new(0)),
            rng: Rc::new(RefCell::new(crate::rng::stream(seed, "workload"))),
            stop: Rc::new(Cell::new(false)),
            partitions: Rc::new(partitions),
        }
    }

    pub fn new_process(&self) -> u64 {
        let p = self.next_process.get();
        self.next_process.set(p + 1);
        p
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

pub fn key(tp: &TopicPartition) -> String {
    tp.to_string()
}

/// Register the workload's client hosts on the sim; returns their host names.
pub fn install(
    sim: &mut turmoil::Sim<'_>,
    spec: &WorkloadSpec,
    config: &logjam_models::config::ClusterConfig,
    shared: &Shared,
) -> Vec<String> {
    let mut hosts = Vec::new();
    for i in 1..=spec.producers {
        let name = format!("producer-{i}");
        producer::install(sim, &name, spec, config, shared.clone());
        hosts.push(name);
    }
    let n = spec.consumers.max(1) as usize;
    for i in 0..spec.consumers as usize {
        let name = format!("consumer-{}", i + 1);
        let assigned: Vec<TopicPartition> = shared
            .partitions
            .iter()
            .skip(i)
            .step_by(n)
            .cloned()
            .collect();
        consumer::install(sim, &name, config, assigned, shared.clone());
        hosts.push(name);
    }
    hosts
}
