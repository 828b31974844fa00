//! Consumer processes with manual assignment: poll in a loop and record what
//! each poll returned.
use super::{key, now_ns, Shared};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process, Reads, Val};
use logjam_models::config::{ClusterConfig, ConsumerConfig};
use logjam_models::consumer::{ConsumedRecord, Consumer};
use logjam_models::ids::TopicPartition;

pub fn install(
    sim: &mut turmoil::Sim<'_>,
    host: &str,
    config: &ClusterConfig,
    assigned: Vec<TopicPartition>,
    shared: Shared,
) {
    let (consumer_config, brokers) = (config.consumer.clone(), config.brokers);
    let host_name = host.to_string();
    sim.client(host, async move {
        if assigned.is_empty() {
            return Ok(());
        }
        let process = Process::Id(shared.new_process());
        let mut consumer = assigned_consumer(
            consumer_config,
            brokers,
            &shared,
            process.clone(),
            &host_name,
            assigned,
        );
        while !shared.stop.get() {
            let invoke = OpValue::Micro(vec![MicroOp::Poll { reads: None }]);
            shared.recorder.borrow_mut().invoke(
                now_ns(),
                process.clone(),
                "poll",
                invoke,
                Some(host_name.clone()),
            );
            let result = consumer.poll().await;
            let (op_type, reads, error) = match result {
                Ok(records) => (OpType::Ok, Some(group_reads(&records)), None),
                Err(e) => (OpType::Fail, None, Some(e.to_string())),
            };
            let done = OpValue::Micro(vec![MicroOp::Poll { reads }]);
            shared.recorder.borrow_mut().complete(
                now_ns(),
                process.clone(),
                op_type,
                "poll",
                done,
                error,
            );
        }
        Ok(())
    });
}

/// A new consumer assigned `assigned`, its `assign` recorded as the
/// process's first operation (HISTORY.md).
pub(super) fn assigned_consumer(
    config: ConsumerConfig,
    brokers: u32,
    shared: &Shared,
    process: Process,
    host: &str,
    assigned: Vec<TopicPartition>,
) -> Consumer {
    let mut consumer = Consumer::new(config, brokers);
    consumer.record_events(shared.events.clone(), host.to_string());
    let keys: Vec<String> = assigned.iter().map(key).collect();
    {
        let mut r = shared.recorder.borrow_mut();
        r.invoke(
            now_ns(),
            process.clone(),
            "assign",
            OpValue::Keys(keys.clone()),
            Some(host.to_string()),
        );
        r.complete(
            now_ns(),
            process,
            OpType::Ok,
            "assign",
            OpValue::Keys(keys),
            None,
        );
    }
    consumer.assign(assigned);
    consumer
}

/// A poll's records as HISTORY.md's `{KEY: [[OFFSET, VALUE], ...]}`.
pub fn group_reads(records: &[ConsumedRecord]) -> Reads {
    let mut out = Reads::new();
    for r in records {
        out.records_mut(key(&r.tp))
            .push((r.offset, decode_value(&r.record.value)));
    }
    out
}

/// The workload writes 8-byte big-endian integers; anything else is shown as text.
pub fn decode_value(bytes: &[u8]) -> Val {
    match <[u8; 8]>::try_from(bytes) {
        Ok(b) => Val::Int(i64::from_be_bytes(b)),
        Err(_) => Val::Str(String::from_utf8_lossy(bytes).into()),
    }
}
