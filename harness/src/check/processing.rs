//! Group-level anomalies (SEMANTICS.md, beyond Jepsen), from `process` ops:
//!
//! - `duplicate-processing`: one record (key, offset, value) that completed
//!   processing in more than one `process` op of the group.
//! - `lost-processing`: a record below the group's final committed offset of
//!   its key that no `process` op completed.
//!
//! Only `ok` process completions count as processed: a member killed during
//! processing did not finish it. The final committed offset of a key is the
//! final `committed` op's (what the coordinator held after healing) or, in a
//! history without one, the last `ok` commit's. The records a key holds come
//! from the final reads when they covered the key, otherwise from every read.
//! Groups start from the earliest offset (the workload's `auto.offset.reset`),
//! so every record below the committed offset was due for processing.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use crate::history::{History, MicroOp, OpType, OpValue, Val};
use std::collections::{BTreeMap, BTreeSet};

type Record<'h> = (&'h str, i64, &'h Val);

pub(crate) fn find(history: &History, found: &mut Findings) {
    let ops = &history.ops;
    // Record -> the `index` of every process completion that finished it.
    let mut processed: BTreeMap<Record<'_>, Vec<u64>> = BTreeMap::new();
    // Key -> (committed offset, op index), final `committed` winning.
    let mut last_commit: BTreeMap<&str, (i64, u64)> = BTreeMap::new();
    let mut final_committed: Option<(BTreeMap<&str, i64>, u64)> = None;
    let mut final_records: BTreeMap<&str, BTreeMap<i64, (&Val, u64)>> = BTreeMap::new();
    let mut any_records: BTreeMap<&str, BTreeMap<i64, (&Val, u64)>> = BTreeMap::new();
    let mut has_process_ops = false;

    for pair in history.pairs() {
        let Some(done) = pair.completion.and_then(|p| ops.get(p)) else {
            continue;
        };
        let head = pair.invoke.and_then(|p| ops.get(p)).unwrap_or(done);
        let f = head.f.as_str();
        let ok = done.op_type == OpType::Ok;
        match (&done.value, f) {
            (OpValue::Records(reads), "process") => {
                has_process_ops = true;
                if ok {
                    for (key, records) in reads {
                        for (offset, value) in records {
                            processed
                                .entry((key.as_str(), *offset, value))
                                .or_default()
                                .push(done.index);
                        }
                    }
                }
            }
            (OpValue::Offsets(offsets), "commit") if ok => {
                for (key, offset) in offsets {
                    last_commit.insert(key.as_str(), (*offset, done.index));
                }
            }
            (OpValue::Other(serde_json::Value::Object(m)), "committed") if ok => {
                let offsets = m
                    .iter()
                    .filter_map(|(k, v)| v.as_i64().map(|o| (k.as_str(), o)))
                    .collect();
                final_committed = Some((offsets, done.index));
            }
            (OpValue::Micro(micro), "poll") if done.op_type != OpType::Fail => {
                let is_final = head.final_read || done.final_read;
                for m in micro {
                    let MicroOp::Poll { reads: Some(reads) } = m else {
                        continue;
                    };
                    for (key, records) in reads {
                        let into = if is_final {
                            final_records.entry(key.as_str()).or_default()
                        } else {
                            any_records.entry(key.as_str()).or_default()
                        };
                        for (offset, value) in records {
                            into.entry(*offset).or_insert((value, done.index));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !has_process_ops {
        return;
    }

    for ((key, offset, value), by) in &processed {
        if by.len() < 2 {
            continue;
        }
        let listed: Vec<String> = by.iter().map(|i| format!("op {i}")).collect();
        found.push(Anomaly {
            kind: AnomalyKind::DuplicateProcessing,
            key: key.to_string(),
            values: vec![(*value).clone()],
            offsets: vec![*offset],
            ops: by.clone(),
            process: None,
            explanation: format!(
                "{value} at {key} offset {offset} was processed {} times ({})",
                by.len(),
                super::explain::and_list(&listed)
            ),
        });
    }

    let committed: BTreeMap<&str, (i64, u64)> = match &final_committed {
        Some((offsets, at)) => offsets.iter().map(|(k, o)| (*k, (*o, *at))).collect(),
        None => last_commit,
    };
    let processed_keys: BTreeSet<Record<'_>> = processed.keys().copied().collect();
    for (key, (upto, commit_op)) in committed {
        let Some(records) = final_records.get(key).or_else(|| any_records.get(key)) else {
            continue;
        };
        for (&offset, &(value, read_op)) in records.range(..upto) {
            if processed_keys.contains(&(key, offset, value)) {
                continue;
            }
            found.push(Anomaly {
                kind: AnomalyKind::LostProcessing,
                key: key.to_string(),
                values: vec![value.clone()],
                offsets: vec![offset, upto],
                ops: vec![read_op, commit_op],
                process: None,
                explanation: format!(
                    "{value} at {key} offset {offset} (read by op {read_op}) is below the group's committed offset {upto} \
                     (op {commit_op}) but no member finished processing it"
                ),
            });
        }
    }
}
