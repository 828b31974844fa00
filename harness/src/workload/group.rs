//! A consumer group workload: members subscribed to every topic, each looping
//! poll → (commit) → process → (commit) as the commit mode says (a poll's
//! records processed one partition at a time), recording
//! `subscribe`, `poll`, `process` and `commit` ops (HISTORY.md) with the
//! rebalances each poll saw in `rebalance_log`. Processing is a step of its
//! own that takes simulated time, so a crash or a pause can fall between
//! delivery, processing and commit.
//!
//! Each client host runs one member at a time. The nemesis reaches members
//! through [`GroupControls`]: a crash kills the member mid-step (its process
//! id is retired, a `crash` op says so) until a restart starts a new one; a
//! pause stalls it, heartbeats included, at its next step; churn makes it
//! leave the group gracefully and a new member join in its place.
use super::consumer::group_reads;
use super::{key, now_ns, Shared, WorkloadSpec};
use logjam_checker::history::{Op, OpType, OpValue, Process, Reads};
use logjam_checker::CommitMode;
use logjam_models::config::{AutoOffsetReset, ClusterConfig, ConsumerConfig};
use logjam_models::consumer::group::{GroupConsumer, Rebalance};
use logjam_models::consumer::ConsumedRecord;
use logjam_models::ids::TopicPartition;
use logjam_models::Admin;
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

/// The group id used when the scenario sets none.
pub const DEFAULT_GROUP: &str = "logjam-group";

/// How often a member's host looks at its controls.
const CONTROL_TICK_MS: u64 = 5;

/// What the nemesis can do to one member host.
#[derive(Debug, Default)]
pub struct MemberControl {
    /// Killed; stays down until `restart`.
    pub crashed: bool,
    /// Stalled: the application and its heartbeats stop.
    pub stall: Rc<Cell<bool>>,
    /// Leave gracefully; a new member joins in its place.
    pub churn: bool,
}

/// Member hosts by name.
pub type GroupControls = Rc<RefCell<BTreeMap<String, MemberControl>>>;

/// The cluster configuration a group workload runs with: a group id, and the
/// earliest reset (so every record is due for processing, and lost processing
/// means something).
pub fn cluster_config(workload_groups: u32, mut config: ClusterConfig) -> ClusterConfig {
    if workload_groups > 0 {
        config
            .consumer
            .group_id
            .get_or_insert_with(|| DEFAULT_GROUP.to_string());
    }
    config
}

fn member_config(config: &ClusterConfig, mode: CommitMode) -> ConsumerConfig {
    let mut c = config.consumer.clone();
    c.auto_offset_reset = AutoOffsetReset::Earliest;
    c.enable_auto_commit = mode == CommitMode::Auto;
    c
}

/// Install one member host, `host`, reachable by the nemesis through `controls`.
pub fn install_member(
    sim: &mut turmoil::Sim<'_>,
    host: &str,
    spec: &WorkloadSpec,
    config: &ClusterConfig,
    shared: &Shared,
    controls: &GroupControls,
) {
    controls
        .borrow_mut()
        .insert(host.to_string(), MemberControl::default());
    let member = Member {
        host: host.to_string(),
        config: member_config(config, spec.commit_mode),
        brokers: config.brokers,
        topics: config.topics.iter().map(|t| t.name.clone()).collect(),
        mode: spec.commit_mode,
        processing_ms: spec.processing_ms,
        shared: shared.clone(),
        controls: controls.clone(),
    };
    sim.client(host, async move {
        member.supervise().await;
        Ok(())
    });
}

#[derive(Clone)]
struct Member {
    host: String,
    config: ConsumerConfig,
    brokers: u32,
    topics: Vec<String>,
    mode: CommitMode,
    processing_ms: u64,
    shared: Shared,
    controls: GroupControls,
}

impl Member {
    fn control<T>(&self, f: impl FnOnce(&mut MemberControl) -> T) -> T {
        let mut c = self.controls.borrow_mut();
        f(c.entry(self.host.clone()).or_default())
    }

    /// Run one member after another: a crash or churn ends one, the next
    /// starts with a new process id and a new member id.
    async fn supervise(self) {
        while !self.shared.stop.get() {
            if self.control(|c| c.crashed) {
                tokio::time::sleep(Duration::from_millis(CONTROL_TICK_MS)).await;
                continue;
            }
            let process = Rc::new(Cell::new(self.shared.new_process()));
            let leave = Rc::new(Cell::new(false));
            let task = tokio::task::spawn_local(self.clone().run(process.clone(), leave.clone()));
            loop {
                tokio::time::sleep(Duration::from_millis(CONTROL_TICK_MS)).await;
                if task.is_finished() {
                    break;
                }
                if self.control(|c| c.crashed) {
                    // Dropping the member (its heartbeat task included) mid-step
                    // is the crash; the open op stays without a completion.
                    task.abort();
                    let _ = task.await;
                    self.record(
                        Process::Id(process.get()),
                        OpType::Info,
                        "crash",
                        OpValue::Other(Value::Null),
                        None,
                    );
                    break;
                }
                if self.control(|c| std::mem::take(&mut c.churn)) {
                    leave.set(true);
                }
            }
        }
    }

    fn record(
        &self,
        process: Process,
        op_type: OpType,
        f: &str,
        value: OpValue,
        log: Option<Value>,
    ) {
        let mut r = self.shared.recorder.borrow_mut();
        r.record(Op {
            index: 0,
            time_ns: Some(now_ns()),
            process,
            op_type,
            f: f.into(),
            value,
            node: Some(self.host.as_str().into()),
            error: None,
            rebalance_log: log.map(Box::new),
            final_read: false,
        });
    }

    fn complete(
        &self,
        process: u64,
        op_type: OpType,
        f: &str,
        value: OpValue,
        error: Option<String>,
        log: Option<Value>,
    ) {
        let mut r = self.shared.recorder.borrow_mut();
        r.record(Op {
            index: 0,
            time_ns: Some(now_ns()),
            process: Process::Id(process),
            op_type,
            f: f.into(),
            value,
            node: Some(self.host.as_str().into()),
            error: error.map(Into::into),
            rebalance_log: log.map(Box::new),
            final_read: false,
        });
    }

    /// Between steps: wait out a stall (a paused application does nothing).
    async fn wait_out_stall(&self) {
        let stall = self.control(|c| c.stall.clone());
        while stall.get() {
            tokio::time::sleep(Duration::from_millis(CONTROL_TICK_MS)).await;
        }
    }

    /// Before each poll: wait out a stall, then say whether to go on. The run's
    /// end and churn stop a member only here, between batches, as an
    /// application shuts down: it finishes the batch in hand first. Only a
    /// crash (the supervisor aborting this task) can cut a batch short, so
    /// lost processing always has a fault behind it.
    async fn keep_polling(&self, leave: &Cell<bool>) -> bool {
        self.wait_out_stall().await;
        !self.shared.stop.get() && !leave.get()
    }

    async fn run(self, process: Rc<Cell<u64>>, leave: Rc<Cell<bool>>) {
        let stall = self.control(|c| c.stall.clone());
        let client_id = format!("{}-p{}", self.host, process.get());
        let Ok(mut gc) = GroupConsumer::subscribe(
            self.config.clone(),
            self.brokers,
            client_id,
            self.topics.clone(),
        ) else {
            return;
        };
        gc.share_stall(stall);
        gc.record_events(self.shared.events.clone());
        let topics = OpValue::Keys(self.topics.clone());
        self.record(
            Process::Id(process.get()),
            OpType::Invoke,
            "subscribe",
            topics.clone(),
            None,
        );
        self.complete(process.get(), OpType::Ok, "subscribe", topics, None, None);
        while self.keep_polling(&leave).await {
            let p = process.get();
            self.record(
                Process::Id(p),
                OpType::Invoke,
                "poll",
                poll_value(None),
                None,
            );
            let polled = gc.poll().await;
            let records = match polled {
                Ok(r) => {
                    let log = rebalance_log(&r.rebalances);
                    self.complete(
                        p,
                        OpType::Ok,
                        "poll",
                        poll_value(Some(group_reads(&r.records))),
                        None,
                        log,
                    );
                    r.records
                }
                Err(e) => {
                    self.complete(
                        p,
                        OpType::Fail,
                        "poll",
                        poll_value(None),
                        Some(e.to_string()),
                        None,
                    );
                    continue;
                }
            };
            if records.is_empty() {
                continue;
            }
            match self.mode {
                CommitMode::BeforeProcessing => {
                    self.wait_out_stall().await;
                    if self.commit(&mut gc, &records, &process).await {
                        self.process(&records, &process).await;
                    } else {
                        // Not committed: these records must not be processed
                        // here; read them again from the committed offsets.
                        gc.rewind_to_committed();
                    }
                }
                CommitMode::AfterProcessing => {
                    self.process(&records, &process).await;
                    self.wait_out_stall().await;
                    self.commit(&mut gc, &records, &process).await;
                }
                // Processed before the next poll, which commits it.
                CommitMode::Auto => self.process(&records, &process).await,
            }
        }
        // Leaving (churn, or the end of the run) is a graceful close.
        gc.close().await;
    }

    /// Process a poll's records one partition at a time, as an application
    /// works through a batch before committing it: each partition's records
    /// are one `process` op taking `processing_ms`, so a crash or a pause can
    /// fall between two of them.
    async fn process(&self, records: &[ConsumedRecord], process: &Cell<u64>) {
        let mut by_partition: BTreeMap<&TopicPartition, Vec<ConsumedRecord>> = BTreeMap::new();
        for r in records {
            by_partition.entry(&r.tp).or_default().push(r.clone());
        }
        for chunk in by_partition.values() {
            self.wait_out_stall().await;
            let p = process.get();
            let value = OpValue::Records(group_reads(chunk));
            self.record(
                Process::Id(p),
                OpType::Invoke,
                "process",
                value.clone(),
                None,
            );
            tokio::time::sleep(Duration::from_millis(self.processing_ms)).await;
            self.complete(p, OpType::Ok, "process", value, None, None);
        }
    }

    /// Commit the offsets after `records`; true if committed.
    async fn commit(
        &self,
        gc: &mut GroupConsumer,
        records: &[ConsumedRecord],
        process: &Cell<u64>,
    ) -> bool {
        let p = process.get();
        let mut offsets: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for r in records {
            let next = offsets.entry(r.tp.clone()).or_insert(r.offset + 1);
            *next = (*next).max(r.offset + 1);
        }
        let value = OpValue::Offsets(offsets.iter().map(|(tp, o)| (key(tp), *o)).collect());
        self.record(
            Process::Id(p),
            OpType::Invoke,
            "commit",
            value.clone(),
            None,
        );
        let result = gc.commit_sync(&offsets).await;
        match result {
            Ok(()) => {
                self.complete(p, OpType::Ok, "commit", value, None, None);
                true
            }
            Err(e) if e.definitely_failed => {
                self.complete(p, OpType::Fail, "commit", value, Some(e.error), None);
                false
            }
            Err(e) => {
                self.complete(p, OpType::Info, "commit", value, Some(e.error), None);
                // HISTORY.md: after an unknown outcome the process id is retired.
                process.set(self.shared.new_process());
                false
            }
        }
    }
}

fn poll_value(reads: Option<Reads>) -> OpValue {
    OpValue::Micro(vec![logjam_checker::history::MicroOp::Poll { reads }])
}

/// `rebalance_log`: one entry per assignment change the poll went through.
fn rebalance_log(rebalances: &[Rebalance]) -> Option<Value> {
    if rebalances.is_empty() {
        return None;
    }
    let keys = |tps: &[TopicPartition]| tps.iter().map(key).collect::<Vec<_>>();
    Some(Value::Array(
        rebalances
            .iter()
            .map(|r| {
                let committed: Map<String, Value> = r
                    .committed
                    .iter()
                    .map(|(tp, o)| (key(tp), json!(o)))
                    .collect();
                json!({
                    "generation": r.generation,
                    "revoked": keys(&r.revoked),
                    "assigned": keys(&r.assigned),
                    "committed": committed,
                })
            })
            .collect(),
    ))
}

/// After the final reads: the group's committed offsets, recorded as a final
/// `committed` op (`{KEY: OFFSET}`), against which lost processing is judged.
pub fn install_final_committed(
    sim: &mut turmoil::Sim<'_>,
    config: &ClusterConfig,
    shared: Shared,
) -> Rc<Cell<bool>> {
    let done = Rc::new(Cell::new(false));
    let finished = done.clone();
    let group = config
        .consumer
        .group_id
        .clone()
        .unwrap_or_else(|| DEFAULT_GROUP.to_string());
    let admin = Admin::new(config.brokers, config.consumer.request_timeout_ms);
    sim.client("final-committed", async move {
        let process = Process::Id(shared.new_process());
        shared.recorder.borrow_mut().invoke_final(
            now_ns(),
            process.clone(),
            "committed",
            OpValue::Other(Value::Null),
            Some("final-committed".into()),
        );
        let partitions: Vec<TopicPartition> = shared.partitions.to_vec();
        let offsets = admin.committed(&group, &partitions).await;
        let map: Map<String, Value> = offsets
            .into_iter()
            .filter_map(|(tp, o)| o.map(|o| (key(&tp), json!(o))))
            .collect();
        shared.recorder.borrow_mut().complete_final(
            now_ns(),
            process,
            OpType::Ok,
            "committed",
            OpValue::Other(Value::Object(map)),
            None,
        );
        finished.set(true);
        Ok(())
    });
    done
}
