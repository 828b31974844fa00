//! Synthetic histories of any size, for benchmarks of the checker and the
//! reports: producers sending unique values to keys, consumers polling runs of
//! offsets, a few faults, then a final read of every key. The shape follows
//! what a real run records; the outcomes are drawn from a seeded RNG, so some
//! sends are unknown or failed and a few acknowledged ones are never read
//! (lost writes for the checker to find).
//!
//! [`synthetic_txn_history`] is the transactional mode: producers run
//! overlapping transactions of 1 to 4 sends (about 1 in 16 aborted), every
//! marker taking an offset; read_committed consumers stop at the first open
//! transaction of a partition (the LSO) and skip aborted records.
use super::isolation::{Isolation, IsolationLevel, ISOLATION_FIELD};
use super::op::{History, OpType, Process};
use super::reads::Reads;
use super::recorder::Recorder;
use super::val::Val;
use super::value::{MicroOp, OpValue};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const KEYS: usize = 64;
const PRODUCERS: u64 = 16;
const CONSUMERS: u64 = 8;
const STEP_NS: u64 = 1_000_000;

/// A history of about `ops` operations (never fewer).
pub fn synthetic_history(ops: usize, seed: u64) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rec = Recorder::new();
    // Per key: the log as (offset, value), and each consumer's position.
    let mut logs: Vec<Vec<(i64, i64)>> = vec![Vec::new(); KEYS];
    let mut positions = vec![vec![0usize; KEYS]; CONSUMERS as usize];
    let mut next_value = 0i64;
    let mut time_ns = 0u64;
    let key_name = |k: usize| format!("t/{k}");
    let final_ops = 2 * KEYS;
    while rec.len() + final_ops < ops {
        time_ns += STEP_NS;
        if rec.len() % 5_000 == 4_999 {
            rec.nemesis(
                time_ns,
                "crash",
                json!({ "broker": rng.random_range(1..=3) }),
            );
            continue;
        }
        if rng.random_bool(0.7) {
            let process = rng.random_range(0..PRODUCERS);
            let key = rng.random_range(0..KEYS);
            next_value += 1;
            let send = |offset| {
                OpValue::Micro(vec![MicroOp::Send {
                    key: key_name(key).into(),
                    value: Val::Int(next_value),
                    offset,
                }])
            };
            rec.invoke(time_ns, Process::Id(process), "send", send(None), None);
            let roll: f64 = rng.random();
            let (outcome, offset) = if roll < 0.9 {
                let offset = logs[key].len() as i64;
                // One acknowledged write in a thousand never reaches the log.
                if rng.random_bool(0.999) {
                    logs[key].push((offset, next_value));
                }
                (OpType::Ok, Some(offset))
            } else if roll < 0.95 {
                let offset = logs[key].len() as i64;
                logs[key].push((offset, next_value));
                (OpType::Info, None)
            } else {
                (OpType::Fail, None)
            };
            time_ns += STEP_NS;
            rec.complete(
                time_ns,
                Process::Id(process),
                outcome,
                "send",
                send(offset),
                None,
            );
        } else {
            let consumer = rng.random_range(0..CONSUMERS);
            let key = rng.random_range(0..KEYS);
            let process = Process::Id(PRODUCERS + consumer);
            let from = positions[consumer as usize][key];
            let upto = (from + 20).min(logs[key].len());
            positions[consumer as usize][key] = upto;
            let reads = reads_of(&key_name(key), &logs[key][from..upto]);
            poll(&mut rec, time_ns, process, reads, false);
            time_ns += STEP_NS;
        }
    }
    let reader = Process::Id(PRODUCERS + CONSUMERS);
    for (key, log) in logs.iter().enumerate() {
        time_ns += STEP_NS;
        poll(
            &mut rec,
            time_ns,
            reader.clone(),
            reads_of(&key_name(key), log),
            true,
        );
    }
    rec.into_history()
}

/// One offset of a partition in the transactional mode: a record of a
/// transaction, or a marker (no value).
#[derive(Clone, Copy)]
struct Slot {
    value: Option<i64>,
    txn: usize,
}

/// A transaction's send: key, value, offset (-1 until it lands).
type Sent = (usize, i64, i64);

#[derive(Clone, Copy, PartialEq, Eq)]
enum TxnState {
    Open,
    Committed,
    Aborted,
}

/// A transactional history of about `ops` operations (never fewer), read
/// with read_committed (the metadata line says so).
pub fn synthetic_txn_history(ops: usize, seed: u64) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut header = serde_json::Map::new();
    header.insert("logjam_history".into(), json!(1));
    header.insert(
        ISOLATION_FIELD.into(),
        Isolation::every(IsolationLevel::ReadCommitted).to_header_value(),
    );
    let mut rec = Recorder::with_header(header);
    let mut logs: Vec<Vec<Slot>> = vec![Vec::new(); KEYS];
    let mut positions = vec![vec![0usize; KEYS]; CONSUMERS as usize];
    let mut states: Vec<TxnState> = Vec::new();
    // Per producer, its open transaction: id and what it sent.
    let mut open: Vec<Option<(usize, Vec<Sent>)>> = vec![None; PRODUCERS as usize];
    let mut next_value = 0i64;
    let mut time_ns = 0u64;
    let key_name = |k: usize| format!("t/{k}");
    let sends = |sent: &[Sent], offsets: bool| {
        OpValue::Micro(
            sent.iter()
                .map(|&(k, v, o)| MicroOp::Send {
                    key: key_name(k).into(),
                    value: Val::Int(v),
                    offset: offsets.then_some(o),
                })
                .collect(),
        )
    };
    // Then up to one completion per producer, and the final reads.
    let final_ops = 2 * KEYS;
    while rec.len() + final_ops < ops {
        time_ns += STEP_NS;
        if rng.random_bool(0.6) {
            let p = rng.random_range(0..PRODUCERS) as usize;
            let process = Process::Id(p as u64);
            match open[p].take() {
                Some((txn, mut sent)) => {
                    // The sends after the first land now, interleaved with
                    // other open transactions' records.
                    for (key, value, offset) in sent.iter_mut().skip(1) {
                        *offset = land(&mut logs, *key, *value, txn);
                    }
                    let state = if rng.random_range(0..16) == 0 {
                        TxnState::Aborted
                    } else {
                        TxnState::Committed
                    };
                    end_txn(&mut logs, &mut states, txn, &sent, state);
                    let outcome = match state {
                        TxnState::Committed => OpType::Ok,
                        _ => OpType::Fail,
                    };
                    rec.complete(time_ns, process, outcome, "txn", sends(&sent, true), None);
                }
                None => {
                    let txn = states.len();
                    states.push(TxnState::Open);
                    let sent: Vec<Sent> = (0..rng.random_range(1..=4))
                        .map(|_| {
                            next_value += 1;
                            (rng.random_range(0..KEYS), next_value, -1)
                        })
                        .collect();
                    // The first send lands at once; the others at the end.
                    let mut sent = sent;
                    if let Some((key, value, offset)) = sent.first_mut() {
                        *offset = land(&mut logs, *key, *value, txn);
                    }
                    rec.invoke(time_ns, process, "txn", sends(&sent, false), None);
                    open[p] = Some((txn, sent));
                }
            }
        } else {
            let consumer = rng.random_range(0..CONSUMERS) as usize;
            let key = rng.random_range(0..KEYS);
            let (records, next) = read_committed(&logs[key], &states, positions[consumer][key], 20);
            positions[consumer][key] = next;
            let process = Process::Id(PRODUCERS + consumer as u64);
            poll(
                &mut rec,
                time_ns,
                process,
                reads_of(&key_name(key), &records),
                false,
            );
            time_ns += STEP_NS;
        }
    }
    for (p, slot) in open.iter_mut().enumerate() {
        if let Some((txn, mut sent)) = slot.take() {
            time_ns += STEP_NS;
            for (key, value, offset) in sent.iter_mut().skip(1) {
                *offset = land(&mut logs, *key, *value, txn);
            }
            end_txn(&mut logs, &mut states, txn, &sent, TxnState::Committed);
            rec.complete(
                time_ns,
                Process::Id(p as u64),
                OpType::Ok,
                "txn",
                sends(&sent, true),
                None,
            );
        }
    }
    let reader = Process::Id(PRODUCERS + CONSUMERS);
    for (key, log) in logs.iter().enumerate() {
        time_ns += STEP_NS;
        let (records, _) = read_committed(log, &states, 0, usize::MAX);
        poll(
            &mut rec,
            time_ns,
            reader.clone(),
            reads_of(&key_name(key), &records),
            true,
        );
    }
    rec.into_history()
}

/// Append a transaction's record; returns its offset.
fn land(logs: &mut [Vec<Slot>], key: usize, value: i64, txn: usize) -> i64 {
    let log = &mut logs[key];
    log.push(Slot {
        value: Some(value),
        txn,
    });
    log.len() as i64 - 1
}

/// Close a transaction: a marker on every partition it wrote, once each.
fn end_txn(
    logs: &mut [Vec<Slot>],
    states: &mut [TxnState],
    txn: usize,
    sent: &[Sent],
    state: TxnState,
) {
    states[txn] = state;
    let mut keys: Vec<usize> = sent.iter().map(|&(k, _, _)| k).collect();
    keys.sort_unstable();
    keys.dedup();
    for k in keys {
        logs[k].push(Slot { value: None, txn });
    }
}

/// What a read_committed fetch from `from` returns (at most `max` records)
/// and the position after it: committed records, up to the first record of
/// a transaction still open (the LSO); markers and aborted records skipped.
fn read_committed(
    log: &[Slot],
    states: &[TxnState],
    from: usize,
    max: usize,
) -> (Vec<(i64, i64)>, usize) {
    let mut out = Vec::new();
    let mut at = from;
    while let Some(slot) = log.get(at) {
        if out.len() >= max {
            break;
        }
        match (slot.value, states[slot.txn]) {
            (Some(_), TxnState::Open) => break,
            (Some(v), TxnState::Committed) => out.push((at as i64, v)),
            _ => {}
        }
        at += 1;
    }
    (out, at)
}

fn reads_of(key: &str, records: &[(i64, i64)]) -> Reads {
    let records = records.iter().map(|&(o, v)| (o, Val::Int(v))).collect();
    Reads::from([(key.to_string(), records)])
}

fn poll(rec: &mut Recorder, time_ns: u64, process: Process, reads: Reads, final_read: bool) {
    let invoke = OpValue::Micro(vec![MicroOp::Poll { reads: None }]);
    let done = OpValue::Micro(vec![MicroOp::Poll { reads: Some(reads) }]);
    if final_read {
        rec.invoke_final(time_ns, process.clone(), "poll", invoke, None);
        rec.complete_final(time_ns + 1, process, OpType::Ok, "poll", done, None);
    } else {
        rec.invoke(time_ns, process.clone(), "poll", invoke, None);
        rec.complete(time_ns + 1, process, OpType::Ok, "poll", done, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check, AnomalyKind, CheckOptions, JepsenOptions};

    #[test]
    fn has_the_size_asked_and_is_checkable() {
        let h = synthetic_history(20_000, 1);
        assert!(h.ops.len() >= 20_000 && h.ops.len() < 20_200);
        let result = check(&h, &CheckOptions::default());
        // The writes dropped on purpose come out as lost writes.
        assert!(result.counts.contains_key(&AnomalyKind::LostWrite));
        assert_eq!(
            synthetic_history(2_000, 7).to_jsonl(),
            synthetic_history(2_000, 7).to_jsonl()
        );
    }

    #[test]
    fn the_transactional_mode_is_checkable_and_keeps_read_committeds_promises() {
        let h = synthetic_txn_history(20_000, 1);
        assert!(h.ops.len() >= 20_000 && h.ops.len() < 20_300);
        assert_eq!(h.to_jsonl(), synthetic_txn_history(20_000, 1).to_jsonl());
        let plain = check(&h, &CheckOptions::default());
        // A faithful read_committed log: nothing torn, no aborted read, no
        // circular information flow, nothing lost. Overlapping transactions
        // interleave their sends to a key: int-send-skip, which Jepsen
        // always allows and no promise counts.
        assert!(
            plain.counts.keys().all(|k| *k == AnomalyKind::IntSendSkip),
            "{:?}",
            plain.counts
        );
        assert!(plain.stats.read_committed_polls > 0 && plain.stats.sends_fail > 0);
        // Overlapping transactions interleave their writes: write cycles.
        let ww = check(
            &h,
            &CheckOptions {
                jepsen: Some(JepsenOptions {
                    ww_deps: true,
                    ..JepsenOptions::default()
                }),
                ..CheckOptions::default()
            },
        );
        assert!(ww.counts.contains_key(&AnomalyKind::G0), "{:?}", ww.counts);
    }
}
