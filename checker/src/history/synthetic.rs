//! Synthetic histories of any size, for benchmarks of the checker and the
//! reports: producers sending unique values to keys, consumers polling runs of
//! offsets, a few faults, then a final read of every key. The shape follows
//! what a real run records; the outcomes are drawn from a seeded RNG, so some
//! sends are unknown or failed and a few acknowledged ones are never read
//! (lost writes for the checker to find).
use super::op::{History, OpType, Process};
use super::recorder::Recorder;
use super::value::{MicroOp, OpValue, Reads, Val};
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
                    key: key_name(key),
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
    use crate::{check, AnomalyKind, CheckOptions};

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
}
