//! After the faults stop and the cluster has healed, the final reads, one
//! after another: every partition from offset 0 to its high watermark with a
//! fresh consumer (loss is judged against these reads, `"final": true`), then
//! a group's committed offsets (lost processing is judged against them).
use super::consumer::group_reads;
use super::{group, key, now_ns, ClientHost, Shared, WorkloadSpec};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process};
use logjam_models::config::{AutoOffsetReset, ClusterConfig};
use logjam_models::consumer::Consumer;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// The final reads of a run, started once the workload has stopped and settled.
pub struct FinalReads {
    partitions_read: Rc<Cell<bool>>,
    /// The group's committed offsets read; `None` until the partitions are.
    committed_read: Option<Rc<Cell<bool>>>,
    group: bool,
    config: ClusterConfig,
    shared: Shared,
}

impl FinalReads {
    /// Install the final reader.
    pub fn start(
        sim: &mut turmoil::Sim<'_>,
        spec: &WorkloadSpec,
        config: &ClusterConfig,
        shared: &Shared,
    ) -> Self {
        Self {
            partitions_read: install_reader(sim, config, shared.clone()),
            committed_read: None,
            group: spec.group_consumers > 0,
            config: config.clone(),
            shared: shared.clone(),
        }
    }

    /// Call between steps: once every partition is read, install the reader
    /// of the group's committed offsets. True when every final read is done.
    pub fn advance(&mut self, sim: &mut turmoil::Sim<'_>) -> bool {
        if !self.partitions_read.get() {
            return false;
        }
        if !self.group {
            return true;
        }
        self.committed_read
            .get_or_insert_with(|| {
                group::install_final_committed(sim, &self.config, self.shared.clone())
            })
            .get()
    }

    /// Every partition was read to its high watermark.
    pub fn partitions_read(&self) -> bool {
        self.partitions_read.get()
    }
}

/// How long the final reader waits at one position before it gives up on the
/// partition (only a read_committed reader under a stuck LSO ever waits).
const STALLED_READ_MS: u64 = 5_000;

/// Install the final reader; the returned flag turns true when it is done.
fn install_reader(
    sim: &mut turmoil::Sim<'_>,
    config: &ClusterConfig,
    shared: Shared,
) -> Rc<Cell<bool>> {
    let done = Rc::new(Cell::new(false));
    let finished = done.clone();
    let (mut consumer_config, brokers) = (config.consumer.clone(), config.brokers);
    consumer_config.auto_offset_reset = AutoOffsetReset::Earliest;
    let host = ClientHost::FinalReader.name();
    let node = host.clone();
    sim.client(host, async move {
        for tp in shared.partitions.iter() {
            let process = Process::Id(shared.new_process());
            let mut consumer = Consumer::new(consumer_config.clone(), brokers);
            consumer.assign(vec![tp.clone()]);
            consumer.seek(tp.clone(), 0);
            let end = loop {
                if let Some(e) = consumer.end_offset(tp).await {
                    break e;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            // A read_committed reader stops at the last stable offset: under a
            // transaction left open for good (a hanging transaction) it would
            // wait forever, so it gives up after this long without progress
            // (what it did not reach is the stuck LSO the checker judges).
            let mut last_progress_ms = logjam_models::ids::now_ms();
            let mut last_position = consumer.position(tp).unwrap_or(0);
            while consumer.position(tp).unwrap_or(0) < end {
                let position = consumer.position(tp).unwrap_or(0);
                let now = logjam_models::ids::now_ms();
                if position != last_position {
                    (last_position, last_progress_ms) = (position, now);
                } else if now.saturating_sub(last_progress_ms) > STALLED_READ_MS {
                    break;
                }
                let invoke = OpValue::Micro(vec![MicroOp::Poll { reads: None }]);
                shared.recorder.borrow_mut().invoke_final(
                    now_ns(),
                    process.clone(),
                    "poll",
                    invoke,
                    Some(node.clone()),
                );
                let records = consumer.poll().await.unwrap_or_default();
                let mut reads = group_reads(&records);
                reads.records_mut(key(tp));
                let done = OpValue::Micro(vec![MicroOp::Poll { reads: Some(reads) }]);
                shared.recorder.borrow_mut().complete_final(
                    now_ns(),
                    process.clone(),
                    OpType::Ok,
                    "poll",
                    done,
                    None,
                );
            }
        }
        finished.set(true);
        Ok(())
    });
    done
}
