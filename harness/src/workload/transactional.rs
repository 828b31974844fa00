//! Transactional producer processes (issue 12): each owns a
//! `TransactionalProducer` with its own transactional.id (the configured id
//! suffixed with the host and process index, so processes do not fence each
//! other) and runs transactions of 1–4 sends to random partitions, aborting
//! about one in 16 on purpose. Each transaction is one `txn` operation
//! (HISTORY.md): `ok` committed, `fail` aborted, `info` unknown. A fenced
//! (fatal) producer is closed and the process starts a new one with the same
//! transactional.id, as an application would.
use super::{key, now_ns, value_record, Shared, TxnMode, WorkloadSpec};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process, Val};
use logjam_models::config::ClusterConfig;
use logjam_models::producer::{TransactionalProducer, TxnClientError, TxnErrorClass};
use rand::Rng;
use std::time::Duration;

/// Most sends in one transaction.
const MAX_SENDS: u32 = 4;

/// One transaction in this many is aborted on purpose.
const ABORT_ONE_IN: u32 = 16;

pub fn install(
    sim: &mut turmoil::Sim<'_>,
    host: &str,
    spec: &WorkloadSpec,
    config: &ClusterConfig,
    shared: Shared,
) {
    let (config, processes, interval_ms, mode) = (
        config.clone(),
        spec.processes_per_producer,
        spec.send_interval_ms,
        spec.txn_mode,
    );
    let host_name = host.to_string();
    sim.client(host, async move {
        let tasks: Vec<_> = (0..processes)
            .map(|i| {
                let mut producer_config = config.producer.clone();
                let base = producer_config.transactional_id.clone().unwrap_or_default();
                producer_config.transactional_id = Some(format!("{base}-{host_name}-{i}"));
                match mode {
                    TxnMode::Sends => tokio::task::spawn_local(txn_loop(
                        producer_config,
                        config.brokers,
                        shared.clone(),
                        interval_ms,
                        host_name.clone(),
                    )),
                    TxnMode::Mixed => tokio::task::spawn_local(super::txn_mixed::mixed_loop(
                        producer_config,
                        config.consumer.clone(),
                        config.brokers,
                        shared.clone(),
                        interval_ms,
                        host_name.clone(),
                    )),
                }
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        Ok(())
    });
}

/// A producer that has run `init_transactions`, or `None` if that failed.
pub(super) async fn initialised(
    config: &logjam_models::config::ProducerConfig,
    brokers: u32,
) -> Option<TransactionalProducer> {
    let mut p = TransactionalProducer::new(config.clone(), brokers);
    p.init_transactions().await.ok().map(|()| p)
}

async fn txn_loop(
    config: logjam_models::config::ProducerConfig,
    brokers: u32,
    shared: Shared,
    interval_ms: u64,
    host: String,
) {
    let mut process = shared.new_process();
    let mut producer: Option<TransactionalProducer> = None;
    while !shared.stop.get() {
        if producer
            .as_ref()
            .is_none_or(TransactionalProducer::is_fatal)
        {
            producer = initialised(&config, brokers).await;
            if producer.is_none() {
                tokio::time::sleep(Duration::from_millis(interval_ms.max(1) * 5)).await;
                continue;
            }
        }
        let p = producer.as_mut().expect("initialised above");
        let (sends, abort_on_purpose) = {
            let mut rng = shared.rng.borrow_mut();
            let n = rng.random_range(1..=MAX_SENDS);
            let sends: Vec<_> = (0..n)
                .map(|_| shared.partitions[rng.random_range(0..shared.partitions.len())].clone())
                .collect();
            (sends, rng.random_range(0..ABORT_ONE_IN) == 0)
        };
        let values: Vec<(String, i64)> = sends
            .iter()
            .map(|tp| (key(tp), shared.new_value()))
            .collect();
        let micro = |offsets: &[Option<i64>]| {
            OpValue::Micro(
                values
                    .iter()
                    .zip(offsets)
                    .map(|((k, v), &offset)| MicroOp::Send {
                        key: k.into(),
                        value: Val::Int(*v),
                        offset,
                    })
                    .collect(),
            )
        };
        shared.recorder.borrow_mut().invoke(
            now_ns(),
            Process::Id(process),
            "txn",
            micro(&vec![None; values.len()]),
            Some(host.clone()),
        );
        let (op_type, offsets, error) =
            run_transaction(p, &sends, &values, abort_on_purpose, interval_ms).await;
        process = shared
            .complete_then_wait(
                process,
                (op_type, "txn", micro(&offsets), error),
                interval_ms,
            )
            .await;
    }
}

/// One transaction: its outcome, the offsets of the sends that were
/// acknowledged, and the first error.
async fn run_transaction(
    p: &mut TransactionalProducer,
    sends: &[logjam_models::ids::TopicPartition],
    values: &[(String, i64)],
    abort_on_purpose: bool,
    interval_ms: u64,
) -> (OpType, Vec<Option<i64>>, Option<String>) {
    let mut offsets = vec![None; values.len()];
    if let Err(e) = p.begin_transaction() {
        return (OpType::Fail, offsets, Some(e.error));
    }
    let mut failed: Option<TxnClientError> = None;
    for (i, (tp, (_, v))) in sends.iter().zip(values).enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        }
        let record = value_record(*v);
        match p.send(tp.clone(), record).await {
            Ok(offset) => offsets[i] = Some(offset),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let (op_type, error) = end_transaction(p, failed, abort_on_purpose).await;
    (op_type, offsets, error)
}

/// End a transaction whose body ran: abort it after the body's first error
/// (`failed`) or on purpose, else commit it. Its outcome as a `txn` op
/// records it (ok committed, fail aborted, info unknown), and the error.
pub(super) async fn end_transaction(
    p: &mut TransactionalProducer,
    failed: Option<TxnClientError>,
    abort_on_purpose: bool,
) -> (OpType, Option<String>) {
    if let Some(e) = failed {
        if e.class == TxnErrorClass::Fatal {
            // Fenced mid-transaction: whoever fenced it aborts it, but this
            // process cannot know that it has.
            return (OpType::Info, Some(e.error));
        }
        return match p.abort_transaction().await {
            Ok(()) => (OpType::Fail, Some(e.error)),
            Err(abort) => (OpType::Info, Some(abort.error)),
        };
    }
    if abort_on_purpose {
        return match p.abort_transaction().await {
            Ok(()) => (OpType::Fail, Some("aborted on purpose".into())),
            Err(e) => (OpType::Info, Some(e.error)),
        };
    }
    match p.commit_transaction().await {
        Ok(()) => (OpType::Ok, None),
        // Refused outright (fenced on the only EndTxn): the transaction was
        // aborted by whoever fenced the producer.
        Err(e) if e.definitely_not_done && e.error == "PRODUCER_FENCED" => {
            (OpType::Fail, Some(e.error))
        }
        Err(e) if e.class == TxnErrorClass::Abortable => match p.abort_transaction().await {
            Ok(()) => (OpType::Fail, Some(e.error)),
            Err(abort) => (OpType::Info, Some(abort.error)),
        },
        Err(e) => (OpType::Info, Some(e.error)),
    }
}
