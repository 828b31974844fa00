//! Jepsen's transactional mode (`jepsen.tests.kafka` with `:txn? true`,
//! issue 12), `workload.txn_mode = "mixed"`: each process is a client that is
//! both a transactional producer and a consumer (the cluster's consumer
//! settings, read_committed under the `transactional` preset), assigned every
//! partition. Each operation is one transaction of 1–4 micro-ops, each a
//! `["send", k, v]` or a `["poll"]` with even odds (Jepsen's list-append
//! generator, reads as polls and appends as sends), recorded as one `txn` op
//! (HISTORY.md): ok committed, fail aborted, info unknown.
//!
//! As Jepsen's client does (`with-txn`, `send-offsets!`,
//! `with-consumer-rollback`): begin; run the micro-ops in order; send the
//! positions after the highest offset polled of each partition to the
//! transaction (`sendOffsetsToTransaction` with the consumer's group metadata;
//! an assigned consumer has no generation or member id, so the group
//! coordinator takes them as a standalone commit); commit. Before each
//! micro-op and before the commit it aborts on purpose one time in 32
//! (Jepsen's `default-abort-p`). When the transaction does not commit, the
//! consumer seeks back to the first offset it polled of each partition, so
//! the next transaction reads those records again (Kafka does not rewind a
//! consumer after an abort). An unknown outcome, or a fenced producer, ends
//! the client (Jepsen's `:end-process?`): a new process starts a new producer
//! with the same transactional.id (which fences the old one and finishes
//! its transaction) and a new consumer.
use super::consumer::{assigned_consumer, group_reads};
use super::transactional::{end_transaction, initialised};
use super::{key, now_ns, value_record, Shared, TxnMode};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process, Val};
use logjam_models::config::{ClusterConfig, ConsumerConfig, ProducerConfig};
use logjam_models::consumer::Consumer;
use logjam_models::ids::TopicPartition;
use logjam_models::producer::{TransactionalProducer, TxnClientError, TxnErrorClass};
use rand::Rng;
use std::collections::BTreeMap;
use std::time::Duration;

/// The group every mixed client sends its consumed offsets to (Jepsen's
/// clients share one, `consumer-group`); never a group workload's.
pub const MIXED_GROUP: &str = "logjam-txn-group";

/// The cluster configuration for `mode`: mixed clients' consumers have a
/// `group.id` (Jepsen sets one on every consumer: `sendOffsetsToTransaction`
/// needs a group), which is also what has the cluster create
/// `__consumer_offsets`.
pub fn cluster_config(mode: TxnMode, mut config: ClusterConfig) -> ClusterConfig {
    if mode == TxnMode::Mixed && config.producer.transactional_id.is_some() {
        config
            .consumer
            .group_id
            .get_or_insert_with(|| MIXED_GROUP.to_string());
    }
    config
}

/// Most micro-ops in one transaction.
const MAX_MICRO_OPS: u32 = 4;

/// Jepsen's `default-abort-p` (1/32): the chance of an abort on purpose
/// before each micro-op and before the commit.
const ABORT_ONE_IN: u32 = 32;

/// One micro-op as planned: a send of a fresh value, or a poll.
enum Planned {
    Send(TopicPartition, i64),
    Poll,
}

/// A process's clients: a transactional producer and its consumer.
struct Client {
    producer: TransactionalProducer,
    consumer: Consumer,
}

/// What one transaction's polls returned, per partition: the first offset
/// (where to seek back to after an abort) and the highest (the position
/// after it goes to the transaction).
#[derive(Default)]
struct Consumed {
    first: BTreeMap<TopicPartition, i64>,
    highest: BTreeMap<TopicPartition, i64>,
}

pub(super) async fn mixed_loop(
    producer_config: ProducerConfig,
    consumer_config: ConsumerConfig,
    brokers: u32,
    shared: Shared,
    interval_ms: u64,
    host: String,
) {
    let mut process = shared.new_process();
    let mut client: Option<Client> = None;
    while !shared.stop.get() {
        let c = match client.as_mut() {
            Some(c) => c,
            None => {
                let Some(producer) = initialised(&producer_config, brokers).await else {
                    tokio::time::sleep(Duration::from_millis(interval_ms.max(1) * 5)).await;
                    continue;
                };
                let consumer = assigned_consumer(
                    consumer_config.clone(),
                    brokers,
                    &shared,
                    Process::Id(process),
                    &host,
                    shared.partitions.to_vec(),
                );
                client.insert(Client { producer, consumer })
            }
        };
        let (plan, abort_at) = plan(&shared);
        let invoked: Vec<MicroOp> = plan
            .iter()
            .map(|step| match step {
                Planned::Send(tp, v) => MicroOp::Send {
                    key: key(tp).into(),
                    value: Val::Int(*v),
                    offset: None,
                },
                Planned::Poll => MicroOp::Poll { reads: None },
            })
            .collect();
        shared.recorder.borrow_mut().invoke(
            now_ns(),
            Process::Id(process),
            "txn",
            OpValue::Micro(invoked.clone()),
            Some(host.clone()),
        );
        let mut done = invoked;
        let mut consumed = Consumed::default();
        let (op_type, error) =
            run_transaction(c, &plan, abort_at, &mut done, &mut consumed, interval_ms).await;
        if op_type == OpType::Fail {
            // Jepsen's rollback-consumer!: read the same records again.
            for (tp, offset) in &consumed.first {
                c.consumer.seek(tp.clone(), *offset);
            }
        }
        let fatal = c.producer.is_fatal();
        let next = shared
            .complete_then_wait(
                process,
                (op_type, "txn", OpValue::Micro(done), error),
                interval_ms,
            )
            .await;
        if op_type == OpType::Info || fatal {
            client = None;
            process = if next == process {
                shared.new_process()
            } else {
                next
            };
        }
    }
}

/// The micro-ops of the next transaction, and the step before which it
/// aborts on purpose, if any (step `plan.len()`: before the commit).
fn plan(shared: &Shared) -> (Vec<Planned>, Option<usize>) {
    let mut rng = shared.rng.borrow_mut();
    let n = rng.random_range(1..=MAX_MICRO_OPS) as usize;
    let plan: Vec<Planned> = (0..n)
        .map(|_| {
            if rng.random_range(0..2) == 0 {
                let tp = shared.partitions[rng.random_range(0..shared.partitions.len())].clone();
                Planned::Send(tp, shared.new_value())
            } else {
                Planned::Poll
            }
        })
        .collect();
    let abort_at = (0..=n).find(|_| rng.random_range(0..ABORT_ONE_IN) == 0);
    (plan, abort_at)
}

/// One transaction: its outcome and first error. `done` is filled in as the
/// micro-ops run (offsets of acknowledged sends, what polls returned), so an
/// aborted or unknown transaction still records what its client saw.
async fn run_transaction(
    c: &mut Client,
    plan: &[Planned],
    abort_at: Option<usize>,
    done: &mut [MicroOp],
    consumed: &mut Consumed,
    interval_ms: u64,
) -> (OpType, Option<String>) {
    if let Err(e) = c.producer.begin_transaction() {
        return (OpType::Fail, Some(e.error));
    }
    let mut failed: Option<TxnClientError> = None;
    for (i, (step, slot)) in plan.iter().zip(done.iter_mut()).enumerate() {
        if abort_at == Some(i) {
            break;
        }
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(interval_ms)).await;
        }
        match step {
            Planned::Send(tp, v) => {
                let record = value_record(*v);
                match c.producer.send(tp.clone(), record).await {
                    Ok(at) => {
                        if let MicroOp::Send { offset, .. } = slot {
                            *offset = Some(at);
                        }
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            Planned::Poll => match c.consumer.poll().await {
                Ok(records) => {
                    for r in &records {
                        consumed.first.entry(r.tp.clone()).or_insert(r.offset);
                        let highest = consumed.highest.entry(r.tp.clone()).or_insert(r.offset);
                        *highest = (*highest).max(r.offset);
                    }
                    *slot = MicroOp::Poll {
                        reads: Some(group_reads(&records)),
                    };
                }
                Err(e) => {
                    // The consumer's error ends the body; the transaction
                    // can still be aborted.
                    failed = Some(TxnClientError {
                        class: TxnErrorClass::Abortable,
                        error: e.to_string(),
                        definitely_not_done: true,
                    });
                    break;
                }
            },
        }
    }
    let abort_on_purpose = abort_at.is_some();
    if failed.is_none() && !abort_on_purpose && !consumed.highest.is_empty() {
        // Kafka's convention: the committed offset is the next one to read.
        let offsets: Vec<(TopicPartition, i64)> = consumed
            .highest
            .iter()
            .map(|(tp, o)| (tp.clone(), o + 1))
            .collect();
        if let Err(e) = c
            .producer
            .send_offsets_to_transaction(MIXED_GROUP, "", -1, offsets)
            .await
        {
            failed = Some(e);
        }
    }
    end_transaction(&mut c.producer, failed, abort_on_purpose).await
}
