//! Producer processes: each sends one unique value at a time to a random
//! partition and records the invocation and its outcome.
use super::{key, now_ns, Shared, WorkloadSpec};
use crate::history::{MicroOp, OpType, OpValue, Process, Val};
use logjam_models::batch::Record;
use logjam_models::config::ClusterConfig;
use logjam_models::producer::Producer;
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
    let host_name = host.to_string();
    sim.client(host, async move {
        let producer = Producer::start(producer_config, brokers);
        let tasks: Vec<_> = (0..processes)
            .map(|_| {
                tokio::task::spawn_local(send_loop(
                    producer.clone(),
                    shared.clone(),
                    interval_ms,
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

async fn send_loop(producer: Producer, shared: Shared, interval_ms: u64, host: String) {
    let mut process = shared.new_process();
    while !shared.stop.get() {
        let tp = {
            let mut rng = shared.rng.borrow_mut();
            shared.partitions[rng.random_range(0..shared.partitions.len())].clone()
        };
        let (k, value) = (key(&tp), shared.new_value());
        let invoke = OpValue::Micro(vec![MicroOp::Send {
            key: k.clone(),
            value: Val::Int(value),
            offset: None,
        }]);
        shared.recorder.borrow_mut().invoke(
            now_ns(),
            Process::Id(process),
            "send",
            invoke,
            Some(host.clone()),
        );
        let outcome = producer
            .send(
                tp,
                Record {
                    key: None,
                    value: value.to_be_bytes().to_vec(),
                },
            )
            .await;
        let (op_type, offset, error) = match outcome {
            Ok(offset) => (OpType::Ok, offset, None),
            Err(e) if e.definitely_failed => (OpType::Fail, None, Some(e.error)),
            Err(e) => (OpType::Info, None, Some(e.error)),
        };
        let done = OpValue::Micro(vec![MicroOp::Send {
            key: k,
            value: Val::Int(value),
            offset,
        }]);
        shared.recorder.borrow_mut().complete(
            now_ns(),
            Process::Id(process),
            op_type,
            "send",
            done,
            error,
        );
        if op_type == OpType::Info {
            // HISTORY.md: after an unknown outcome the process id is never reused.
            process = shared.new_process();
        }
        // Jitter (half to one and a half intervals) so seeds explore different
        // interleavings of sends with faults and the cluster's timers.
        let pause_ms = shared
            .rng
            .borrow_mut()
            .random_range(interval_ms / 2..=interval_ms + interval_ms / 2);
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
    }
}
