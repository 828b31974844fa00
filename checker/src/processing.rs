//! Group-level anomalies (SEMANTICS.md, beyond Jepsen), from `process` ops:
//!
//! - `duplicate-processing`: one record (key, offset, value) that completed
//!   processing in more than one `process` op of the group.
//! - `lost-processing`: a record below the group's final committed offset of
//!   its key that no `process` op completed.
//!
//! As with sends, an unknown outcome proves nothing either way: a record whose
//! only processing attempt is an `info` process op (or one that never
//! completed, as when its member crashed mid-way) may have been processed, so
//! it is not reported as lost, and it does not count towards a duplicate.
//!
//! The final committed offset of a key is the final `committed` op's (what
//! the coordinator held after healing) or, in a history without one, the last
//! `ok` commit's. The records a key holds come from the final reads when they
//! covered the key, otherwise from every read. Groups start from the earliest
//! offset (the workload's `auto.offset.reset`), so every record below the
//! committed offset was due for processing.
//!
//! Each anomaly explains itself from the history: who received the record,
//! what they committed, whether they crashed; for a duplicate, the commit that
//! moved the group's offset back over it, or the stale member's commit.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use crate::history::{HistoryRef, MicroOp, OpPair, OpRef, OpType, OpValue, Process, Reads, Val};
use std::collections::{BTreeMap, BTreeSet};

type Record<'h> = (&'h str, i64, &'h Val);

/// A commit attempt, with its outcome (`ok`, `fail` or unknown).
struct Commit<'h> {
    op: u64,
    process: &'h Process,
    offsets: &'h BTreeMap<String, i64>,
    outcome: OpType,
}

/// An `ok` commit that did not move a key's committed offset forward: below
/// an earlier `ok` commit's, or equal to another process's.
struct Rewind<'h> {
    from: (i64, u64),
    to: (i64, u64),
    process: &'h Process,
}

#[derive(Default)]
struct Gathered<'h> {
    /// Record -> the `index` of every `ok` process completion that finished it.
    processed: BTreeMap<Record<'h>, Vec<u64>>,
    /// Records in a process op whose outcome is unknown.
    maybe_processed: BTreeSet<Record<'h>>,
    /// Record -> the last non-final poll that delivered it, and to whom.
    delivered: BTreeMap<Record<'h>, (u64, &'h Process)>,
    commits: Vec<Commit<'h>>,
    /// Process -> the index of its `crash` op.
    crashes: BTreeMap<&'h Process, u64>,
    /// Group members: processes that subscribed, processed or committed (a
    /// manually assigned consumer's polls deliver nothing to the group).
    members: BTreeSet<&'h Process>,
    /// Process completion index -> its process.
    process_of: BTreeMap<u64, &'h Process>,
    final_committed: Option<(BTreeMap<&'h str, i64>, u64)>,
    final_records: BTreeMap<&'h str, BTreeMap<i64, (&'h Val, u64)>>,
    any_records: BTreeMap<&'h str, BTreeMap<i64, (&'h Val, u64)>>,
    process_ops: u64,
}

/// An op's value of one shape: the completion's when it has that shape, else
/// the invocation's (an op cut short by a crash keeps what it began); with the
/// op it came from.
fn value_of<'h, T>(
    invoke: Option<OpRef<'h>>,
    done: Option<OpRef<'h>>,
    shape: impl Fn(&'h OpValue) -> Option<&'h T>,
) -> Option<(&'h T, OpRef<'h>)> {
    [done, invoke]
        .into_iter()
        .flatten()
        .find_map(|op| op.value.whole().and_then(&shape).map(|v| (v, op)))
}

fn records(reads: &Reads) -> impl Iterator<Item = Record<'_>> {
    reads
        .iter()
        .flat_map(|(key, rs)| rs.iter().map(move |(o, v)| (key.as_str(), *o, v)))
}

impl<'h> Gathered<'h> {
    fn from(history: HistoryRef<'h>, pairs: &[OpPair]) -> Self {
        let mut g = Gathered::default();
        for op in history.iter() {
            match op.f.as_str() {
                "crash" => {
                    g.crashes.entry(op.process).or_insert(op.index);
                }
                "subscribe" | "process" | "commit" => {
                    g.members.insert(op.process);
                }
                _ => {}
            }
        }
        for &pair in pairs {
            let invoke = pair.invoke.and_then(|p| history.get(p));
            let done = pair.completion.and_then(|p| history.get(p));
            let Some(head) = invoke.or(done) else {
                continue;
            };
            let outcome = history.outcome(&pair);
            match head.f.as_str() {
                "process" => {
                    g.process_ops += 1;
                    let Some((reads, op)) = value_of(invoke, done, |v| match v {
                        OpValue::Records(r) => Some(r),
                        _ => None,
                    }) else {
                        continue;
                    };
                    if outcome == OpType::Ok {
                        g.process_of.insert(op.index, op.process);
                        for r in records(reads) {
                            g.processed.entry(r).or_default().push(op.index);
                        }
                    } else if outcome == OpType::Info {
                        g.maybe_processed.extend(records(reads));
                    }
                }
                "commit" => {
                    let Some((offsets, _)) = value_of(invoke, done, |v| match v {
                        OpValue::Offsets(m) => Some(m),
                        _ => None,
                    }) else {
                        continue;
                    };
                    g.commits.push(Commit {
                        op: done.map_or(head.index, |d| d.index),
                        process: head.process,
                        offsets,
                        outcome,
                    });
                }
                "committed" if outcome == OpType::Ok => {
                    if let Some(d) = done {
                        if let Some(OpValue::Other(serde_json::Value::Object(m))) = d.value.whole()
                        {
                            let offsets = m
                                .iter()
                                .filter_map(|(k, v)| v.as_i64().map(|o| (k.as_str(), o)))
                                .collect();
                            g.final_committed = Some((offsets, d.index));
                        }
                    }
                }
                "poll" if outcome != OpType::Fail => {
                    let Some(done) = done else { continue };
                    let is_final = head.final_read || done.final_read;
                    for m in done.value.micro_ops() {
                        let MicroOp::Poll { reads: Some(reads) } = m else {
                            continue;
                        };
                        for r @ (key, offset, value) in records(reads) {
                            let into = if is_final {
                                &mut g.final_records
                            } else {
                                if g.members.contains(done.process) {
                                    g.delivered.insert(r, (done.index, done.process));
                                }
                                &mut g.any_records
                            };
                            into.entry(key)
                                .or_default()
                                .entry(offset)
                                .or_insert((value, done.index));
                        }
                    }
                }
                _ => {}
            }
        }
        g
    }

    /// Per key, the `ok` commits that did not move the committed offset
    /// forward, in history order.
    fn rewinds(&self) -> BTreeMap<&'h str, Vec<Rewind<'h>>> {
        let mut highest: BTreeMap<&str, (i64, u64, &Process)> = BTreeMap::new();
        let mut rewinds: BTreeMap<&str, Vec<Rewind<'_>>> = BTreeMap::new();
        for c in self.commits.iter().filter(|c| c.outcome == OpType::Ok) {
            for (key, &offset) in c.offsets {
                let high = highest
                    .entry(key.as_str())
                    .or_insert((offset, c.op, c.process));
                let stale = offset < high.0 || (offset == high.0 && high.2 != c.process);
                if stale {
                    rewinds.entry(key.as_str()).or_default().push(Rewind {
                        from: (high.0, high.1),
                        to: (offset, c.op),
                        process: c.process,
                    });
                } else {
                    *high = (offset, c.op, c.process);
                }
            }
        }
        rewinds
    }

    /// Where each key's group offset ended: the final `committed` op, or the
    /// last `ok` commit.
    fn committed(&self) -> BTreeMap<&'h str, (i64, u64)> {
        if let Some((offsets, at)) = &self.final_committed {
            return offsets.iter().map(|(k, o)| (*k, (*o, *at))).collect();
        }
        let mut last = BTreeMap::new();
        for c in self.commits.iter().filter(|c| c.outcome == OpType::Ok) {
            for (key, &offset) in c.offsets {
                last.insert(key.as_str(), (offset, c.op));
            }
        }
        last
    }
}

/// Returns how many `process` operations there were and how many distinct
/// records they processed, for [`super::Stats`].
/// `pairs` are the history's, already made for the facts.
pub(crate) fn find(history: HistoryRef<'_>, pairs: &[OpPair], found: &mut Findings) -> (u64, u64) {
    // Most histories have no group: spare them the pass.
    if !history.has_op_named("process") {
        return (0, 0);
    }
    let g = Gathered::from(history, pairs);
    duplicates(&g, found);
    lost(&g, found);
    (g.process_ops, g.processed.len() as u64)
}

fn duplicates(g: &Gathered<'_>, found: &mut Findings) {
    let rewinds = g.rewinds();
    let no_rewinds = Vec::new();
    for (&(key, offset, value), by) in &g.processed {
        if by.len() < 2 {
            continue;
        }
        let rewinds = rewinds.get(key).unwrap_or(&no_rewinds);
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
            .find(|r| r.to.0 <= offset && offset < r.from.0 && r.to.1 < last);
        // So does a stale commit covering the record, accepted although the
        // group had already committed as far, by a process that then
        // processed the record: a zombie finishing a batch its successor
        // also took.
        let stale = rewinds.iter().find(|r| {
            offset < r.to.0
                && by
                    .iter()
                    .any(|i| *i > r.to.1 && g.process_of.get(i) == Some(&r.process))
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
            values: vec![value.clone()],
            offsets: vec![offset],
            ops,
            process: None,
            explanation,
        });
    }
}

fn lost(g: &Gathered<'_>, found: &mut Findings) {
    for (key, (upto, committed_op)) in g.committed() {
        let Some(records) = g.final_records.get(key).or_else(|| g.any_records.get(key)) else {
            continue;
        };
        for (&offset, &(value, read_op)) in records.range(..upto) {
            let record = (key, offset, value);
            if g.processed.contains_key(&record) || g.maybe_processed.contains(&record) {
                continue;
            }
            let mut ops = vec![read_op, committed_op];
            let how = g.delivered.get(&record).map(|&(poll, member)| {
                ops.push(poll);
                how_lost(g, record, poll, member, &mut ops)
            });
            let how = how.unwrap_or_else(|| "no member ever received it".to_string());
            ops.sort_unstable();
            ops.dedup();
            found.push(Anomaly {
                kind: AnomalyKind::LostProcessing,
                key: key.to_string(),
                values: vec![value.clone()],
                offsets: vec![offset, upto],
                ops,
                process: None,
                explanation: format!(
                    "{value} at {key} offset {offset} (read by op {read_op}) is below the group's committed offset {upto} \
                     (op {committed_op}) but no member finished processing it: {how}"
                ),
            });
        }
    }
}

/// The story of a record `member` received in `poll` and never processed:
/// the commit that covered it and the crash that followed, where there were.
fn how_lost(
    g: &Gathered<'_>,
    (key, offset, _): Record<'_>,
    poll: u64,
    member: &Process,
    ops: &mut Vec<u64>,
) -> String {
    let mut how = format!("process {member} received it (op {poll})");
    let covering = g.commits.iter().find(|c| {
        c.op > poll
            && c.process == member
            && c.outcome != OpType::Fail
            && c.offsets.get(key).is_some_and(|&o| o > offset)
    });
    if let Some(c) = covering {
        ops.push(c.op);
        let outcome = if c.outcome == OpType::Ok {
            "acknowledged"
        } else {
            "outcome unknown"
        };
        how.push_str(&format!(
            ", committed {key} up to {} (op {}, {outcome})",
            c.offsets[key], c.op
        ));
    }
    match g.crashes.get(member).filter(|&&c| c > poll) {
        Some(&crash) => {
            ops.push(crash);
            how.push_str(&format!(" and crashed (op {crash}) before processing it"));
        }
        None => how.push_str(" and never processed it"),
    }
    how
}
