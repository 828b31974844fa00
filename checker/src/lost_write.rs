//! `lost-write`: a committed write that reads should have observed and no
//! `ok` read did (Jepsen's rule). Per key read by `ok` ops, the bound is the
//! highest, over the values those ops read, of each value's earliest dense
//! index in the version order (`version_order`); every value whose last dense
//! index is at or below the bound, that no `ok` op read, and whose writer
//! must have committed (`ok`, or `info` with one of its sends read) is lost.
//! Reads that passed it prove it should have been seen; a read that found
//! another value at its offset proves it just as well.
//!
//! Beyond Jepsen (docs/JEPSEN.md, "Differences"), loss is also judged
//! against logjam's final reads (HISTORY.md): they read every partition from
//! its log start to its high watermark after the cluster has healed, so they
//! are the whole log. A committed write that earlier reads did observe but
//! the final reads of its key did not return is lost too, wherever the final
//! reads ended: a log that rewound after records were consumed (power loss,
//! unclean election) loses them that way, often together with its tail, so
//! the final reads end below them. Consumers saw them once, and they are gone.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use super::version_order::VersionOrder;
use crate::history::OpType;

/// Adds the lost writes to `found`.
pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    let mut lost = vec![false; facts.writes.len()];
    jepsen_bound(facts, order, &mut lost, found);
    for (id, w) in facts.writes.iter().enumerate() {
        if lost.get(id).copied().unwrap_or(true) {
            continue;
        }
        if let Some(anomaly) = lost_after_read(facts, w) {
            found.push_beyond_jepsen(anomaly);
        }
    }
}

fn jepsen_bound(facts: &Facts<'_>, order: &VersionOrder, lost: &mut [bool], found: &mut Findings) {
    for (key, log) in order.logs.iter().enumerate() {
        // The bound, and the ok read that set it.
        let mut bound: Option<(usize, usize)> = None;
        for slot in log {
            for p in order.values(slot) {
                let Some(v) = facts.value_facts(p.value_id) else {
                    continue;
                };
                let (Some((_, read_op)), Some(first)) =
                    (v.first_ok_read(), order.first_index(p.value_id))
                else {
                    continue;
                };
                if bound.is_none_or(|(b, _)| first > b) {
                    bound = Some((first, read_op));
                }
            }
        }
        let Some((bound, bound_op)) = bound else {
            continue;
        };
        let Some(bound_slot) = log.get(bound) else {
            continue;
        };
        for slot in log.iter().take(bound + 1) {
            for p in order.values(slot) {
                if order.last_index(p.value_id).is_none_or(|l| l > bound) {
                    continue;
                }
                let Some(v) = facts.value_facts(p.value_id) else {
                    continue;
                };
                if v.ok_read_count() > 0 {
                    continue;
                }
                let Some(id) = v.write() else {
                    continue;
                };
                if lost.get(id).copied().unwrap_or(true)
                    || !order.committed.get(id).copied().unwrap_or(false)
                {
                    continue;
                }
                let Some(w) = facts.writes.get(id) else {
                    continue;
                };
                if let Some(flag) = lost.get_mut(id) {
                    *flag = true;
                }
                let offset = slot.offset;
                let other = order
                    .values(slot)
                    .iter()
                    .find(|o| o.value_id != p.value_id && o.read.is_some())
                    .and_then(|o| Some((facts.value(o.value_id)?, o.read?)));
                let (proof_op, seen) = match other {
                    Some((other, op)) => (
                        op,
                        format!(
                            "{} read offset {offset} of {} holding {other} instead, and reads reached offset {}",
                            explain::op(facts, op),
                            facts.key(key),
                            bound_slot.offset
                        ),
                    ),
                    None => (
                        bound_op,
                        format!(
                            "reads observed {} up to offset {} ({}) but never {}",
                            facts.key(key),
                            bound_slot.offset,
                            explain::op(facts, bound_op),
                            w.value
                        ),
                    ),
                };
                let mut ops = facts.write_indices(w);
                ops.push(facts.index(proof_op));
                let how = match w.outcome {
                    OpType::Ok => format!("acknowledged at offset {offset}"),
                    _ => format!(
                        "its outcome unknown but proven by a read of its operation, at offset {offset}"
                    ),
                };
                found.push(Anomaly {
                    kind: AnomalyKind::LostWrite,
                    key: facts.key(key).to_string(),
                    values: vec![w.value.clone()],
                    offsets: vec![offset, bound_slot.offset],
                    ops,
                    process: Some(w.process.clone()),
                    explanation: format!("{}, {how}; {seen}", explain::sent(facts, w)),
                });
            }
        }
    }
}

/// A committed write that some read observed but the final reads of its key,
/// the whole log, did not return.
fn lost_after_read(facts: &Facts<'_>, w: &super::facts::Write<'_>) -> Option<Anomaly> {
    if w.outcome == OpType::Fail {
        return None;
    }
    let v = facts.value_facts(w.value_id)?;
    let (read_offset, read_op) = v.first_read()?;
    if v.final_read_count() > 0 {
        return None;
    }
    let cover = facts.final_cover.get(w.key).copied().flatten()?;
    let offset = w.ack_offset().unwrap_or(read_offset);
    let mut ops = facts.write_indices(w);
    ops.push(facts.index(read_op));
    ops.push(facts.index(cover.op));
    let final_read = format!(
        "the final read of {} ({})",
        facts.key(w.key),
        explain::op(facts, cover.op)
    );
    let gone = match cover.max_offset {
        Some(end) if end >= offset => format!("{final_read} reached offset {end} without it"),
        Some(end) => {
            format!("{final_read} ended at offset {end}: the log no longer reaches offset {offset}")
        }
        None => format!("{final_read} found it empty"),
    };
    Some(Anomaly {
        kind: AnomalyKind::LostWrite,
        key: facts.key(w.key).to_string(),
        values: vec![w.value.clone()],
        offsets: std::iter::once(offset).chain(cover.max_offset).collect(),
        ops,
        process: Some(w.process.clone()),
        explanation: format!(
            "{}{acked}; {} read it at offset {read_offset}, but {gone}",
            explain::sent(facts, w),
            explain::op(facts, read_op),
            acked = match w.ack_offset() {
                Some(o) => format!(", acknowledged at offset {o}"),
                None => String::new(),
            },
        ),
    })
}
