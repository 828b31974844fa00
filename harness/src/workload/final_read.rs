//! After the faults stop and the cluster has healed: read every partition from
//! offset 0 to its high watermark with a fresh consumer. Loss is judged against
//! these reads (`"final": true`).
use super::consumer::group_reads;
use super::{key, now_ns, Shared};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process};
use logjam_models::config::{AutoOffsetReset, ClusterConfig};
use logjam_models::consumer::Consumer;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Install the final reader; the returned flag turns true when it is done.
pub fn install(
    sim: &mut turmoil::Sim<'_>,
    config: &ClusterConfig,
    shared: Shared,
) -> Rc<Cell<bool>> {
    let done = Rc::new(Cell::new(false));
    let finished = done.clone();
    let (mut consumer_config, brokers) = (config.consumer.clone(), config.brokers);
    consumer_config.auto_offset_reset = AutoOffsetReset::Earliest;
    sim.client("final-reader", async move {
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
            while consumer.position(tp).unwrap_or(0) < end {
                let invoke = OpValue::Micro(vec![MicroOp::Poll { reads: None }]);
                shared.recorder.borrow_mut().invoke_final(
                    now_ns(),
                    process.clone(),
                    "poll",
                    invoke,
                    Some("final-reader".into()),
                );
                let records = consumer.poll().await.unwrap_or_default();
                let mut reads = group_reads(&records);
                reads.entry(key(tp)).or_default();
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
