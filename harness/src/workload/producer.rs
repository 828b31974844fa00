//! Producer processes: each sends unique values to a random partition, one
//! operation at a time (one record, or `sends_per_op` records pipelined), and
//! records the invocation and its outcome.
use super::{key, now_ns, value_record, Shared, WorkloadSpec};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process, Val};
use logjam_models::config::ClusterConfig;
use logjam_models::producer::{Producer, SendOutcome};
use rand::Rng;
use std::time::Duration;

pub fn install(
    sim: &mut turmoil::Sim<'_>,
    host: &str,
    spec: &WorkloadSpec,
    config: &ClusterConfig,
    shared: Shared,
) {
    let (producer_config, brokers) = (config.producer.clone(), config.brokers);
    let (processes, interval_ms) = (spec.processes_per_producer, spec.send_interval_ms);
    let records_per_op = spec.sends_per_op.max(1);
    let host_name = host.to_string();
    sim.client(host, async move {
        let producer = Producer::start(producer_config, brokers);
        let tasks: Vec<_> = (0..processes)
            .map(|_| {
                tokio::task::spawn_local(send_loop(
                    producer.clone(),
                    shared.clone(),
                    interval_ms,
                    records_per_op,
                    host_name.clone(),
                ))
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    });
}

async fn send_loop(
    producer: Producer,
    shared: Shared,
    interval_ms: u64,
    records_per_op: u32,
    host: String,
) {
    let mut process = shared.new_process();
    while !shared.stop.get() {
        let tp = {
            let mut rng = shared.rng.borrow_mut();
            shared.partitions[rng.random_range(0..shared.partitions.len())].clone()
        };
        let k = key(&tp);
        let values: Vec<i64> = (0..records_per_op).map(|_| shared.new_value()).collect();
        let micro = |offsets: &[Option<i64>]| {
            let sends = values
                .iter()
                .zip(offsets)
                .map(|(&v, &offset)| MicroOp::Send {
                    key: k.as_str().into(),
                    value: Val::Int(v),
                    offset,
                });
            OpValue::Micro(sends.collect())
        };
        shared.recorder.borrow_mut().invoke(
            now_ns(),
            Process::Id(process),
            "send",
            micro(&vec![None; values.len()]),
            Some(host.clone()),
        );
        // Each record is enqueued when `send` is called; spacing them lets
        // each form its own batch and request.
        let mut pending = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(interval_ms)).await;
            }
            let record = value_record(*v);
            pending.push(producer.send(tp.clone(), record));
        }
        let mut outcomes = Vec::with_capacity(pending.len());
        for p in pending {
            outcomes.push(p.await);
        }
        // The operation is ok only if every record was acknowledged, fail only
        // if none can have been written; anything else is unknown.
        let (op_type, error) = if outcomes.iter().all(Result::is_ok) {
            (OpType::Ok, None)
        } else if outcomes
            .iter()
            .all(|o| o.as_ref().is_err_and(|e| e.definitely_failed))
        {
            (OpType::Fail, first_error(&outcomes))
        } else {
            (OpType::Info, first_error(&outcomes))
        };
        let offsets: Vec<Option<i64>> = outcomes
            .iter()
            .map(|o| match (op_type, o) {
                (OpType::Ok, Ok(offset)) => *offset,
                _ => None,
            })
            .collect();
        process = shared
            .complete_then_wait(
                process,
                (op_type, "send", micro(&offsets), error),
                interval_ms,
            )
            .await;
    }
}

fn first_error(outcomes: &[SendOutcome]) -> Option<String> {
    outcomes
        .iter()
        .find_map(|o| o.as_ref().err().map(|e| e.error.clone()))
}
