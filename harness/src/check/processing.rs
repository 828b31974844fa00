//! Group-level anomalies (SEMANTICS.md, beyond Jepsen), from `process` ops:
//!
//! - `duplicate-processing`: one record (key, offset, value) that completed
//!   processing in more than one `process` op of the group.
//! - `lost-processing`: a record below the group's final committed offset of
//!   its key that no `process` op completed.
//!
//! A duplicate that follows the group's committed offset going backwards (an
//! `ok` commit below an earlier `ok` commit of the same key, as a zombie's
//! unfenced commit does) says so in its explanation and lists that commit
//! among its ops.
//!
//! Only `ok` process completions count as processed: a member killed during
//! processing did not finish it. The final committed offset of a key is the
//! final `committed` op's (what the coordinator held after healing) or, in a
//! history without one, the last `ok` commit's. The records a key holds come
//! from the final reads when they covered the key, otherwise from every read.
//! Groups start from the earliest offset (the workload's `auto.offset.reset`),
//! so every record below the committed offset was due for processing.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use crate::history::{History, MicroOp, OpType, OpValue, Process, Val};
use std::collections::{BTreeMap, BTreeSet};

type Record<'h> = (&'h str, i64, &'h Val);

/// An `ok` commit that did not move a key's committed offset forward: below
/// an earlier `ok` commit's, or equal to another process's (offset, op
/// index) before and after.
struct Rewind<'h> {
    key: &'h str,
    from: (i64, u64),
    to: (i64, u64),
    process: String,
}

/// Returns how many `process` operations completed and how many distinct
/// records they processed, for [`super::Stats`].
pub(crate) fn find(history: &History, found: &mut Findings) -> (u64, u64) {
    let ops = &history.ops;
    // Record -> the `index` of every process completion that finished it.
    let mut processed: BTreeMap<Record<'_>, Vec<u64>> = BTreeMap::new();
    // Key -> (committed offset, op index), final `committed` winning.
    let mut last_commit: BTreeMap<&str, (i64, u64)> = BTreeMap::new();
    let mut final_committed: Option<(BTreeMap<&str, i64>, u64)> = None;
    let mut final_records: BTreeMap<&str, BTreeMap<i64, (&Val, u64)>> = BTreeMap::new();
    let mut any_records: BTreeMap<&str, BTreeMap<i64, (&Val, u64)>> = BTreeMap::new();
    let mut process_ops = 0u64;
    // Key -> the highest offset an ok commit acknowledged so far, and its op.
    let mut highest_commit: BTreeMap<&str, (i64, u64)> = BTreeMap::new();
    let mut rewinds: Vec<Rewind<'_>> = Vec::new();
    let mut commit_process: BTreeMap<u64, &Process> = BTreeMap::new();
    // Process completion index -> its process.
    let mut process_of: BTreeMap<u64, &Process> = BTreeMap::new();

    for pair in history.pairs() {
        let Some(done) = pair.completion.and_then(|p| ops.get(p)) else {
            continue;
        };
        let head = pair.invoke.and_then(|p| ops.get(p)).unwrap_or(done);
        let f = head.f.as_str();
        let ok = done.op_type == OpType::Ok;
        match (&done.value, f) {
            (OpValue::Records(reads), "process") => {
                process_ops += 1;
                process_of.insert(done.index, &done.process);
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
                    let high = highest_commit
                        .entry(key.as_str())
                        .or_insert((*offset, done.index));
                    let stale = *offset < high.0
                        || (*offset == high.0
                            && commit_process.get(&high.1).copied() != Some(&done.process));
                    if stale {
                        rewinds.push(Rewind {
                            key: key.as_str(),
                            from: *high,
                            to: (*offset, done.index),
                            process: done.process.to_string(),
                        });
                    } else {
                        *high = (*offset, done.index);
                    }
                }
                commit_process.insert(done.index, &done.process);
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
    if process_ops == 0 {
        return (0, 0);
    }

    for ((key, offset, value), by) in &processed {
        if by.len() < 2 {
            continue;
        }
        let listed: Vec<String> = by.iter().map(|i| format!("op {i}")).collect();
        let mut ops = by.clone();
        let mut explanation = format!(
            "{value} at {key} offset {offset} was processed {} times ({})",
            by.len(),
            super::explain::and_list(&listed)
        );
        // A rewind of the committed offset over this record, before its last
        // processing, explains the repeat: the record was read again.
        let last = by.iter().copied().max().unwrap_or_default();
        let reread = rewinds
            .iter()
            .find(|r| r.key == *key && r.to.0 <= *offset && *offset < r.from.0 && r.to.1 < last);
        // So does a stale commit covering the record, accepted although the
        // group had already committed as far, by a process that then
        // processed the record: a zombie finishing a batch its successor
        // also took.
        let stale = rewinds.iter().find(|r| {
            r.key == *key
                && *offset < r.to.0
                && by.iter().any(|i| {
                    *i > r.to.1
                        && process_of.get(i).map(|p| p.to_string()) == Some(r.process.clone())
                })
        });
        if let Some(r) = reread {
            explanation.push_str(&format!(
                "; the group's committed offset for {key} went back from {} (op {}) to {} (op {}, a commit by process {}), \
                 so the records in between were read and processed again",
                r.from.0, r.from.1, r.to.0, r.to.1, r.process
            ));
            ops.push(r.to.1);
        } else if let Some(r) = stale {
            explanation.push_str(&format!(
                "; process {} committed {key} at {} (op {}) although the group's committed offset was already {} (op {}): \
                 a commit from a stale member was accepted, and that member went on to process records another member had taken",
                r.process, r.to.0, r.to.1, r.from.0, r.from.1
            ));
            ops.push(r.to.1);
        }
        ops.sort_unstable();
        ops.dedup();
        found.push(Anomaly {
            kind: AnomalyKind::DuplicateProcessing,
            key: key.to_string(),
            values: vec![(*value).clone()],
            offsets: vec![*offset],
            ops,
            process: None,
            explanation,
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
    (process_ops, processed.len() as u64)
}
