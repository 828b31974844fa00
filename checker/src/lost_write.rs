//! `lost-write`: an acknowledged send that no read ever observed, although
//! reads of the same key reached its offset. An acknowledgement is the only
//! way to know where an unread write landed, so only acknowledged writes with
//! an offset can be lost writes; a write with an unknown outcome counts as
//! committed only once a read shows it, and then it was observed.
//!
//! "Reached" includes the offset itself: a read that found another value at
//! the acknowledged offset proves the write is gone just as well.
//!
//! Loss is judged against the final reads (HISTORY.md): they read every
//! partition from its log start to its high watermark after the cluster has
//! healed, so they are the whole log. A committed write that earlier reads did
//! observe but the final reads of its key did not return is lost too, wherever
//! the final reads ended: a log that rewound after records were consumed
//! (power loss, unclean election) loses them that way, often together with its
//! tail, so the final reads end below them. Consumers saw them once, and they
//! are gone. Without final reads for a key, only Jepsen's bound applies: reads
//! that reached the acknowledged offset.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use crate::history::OpType;

/// Adds the lost writes to `found`; returns, per write, whether it was lost
/// (other finders must not trust a lost write's offset).
pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) -> Vec<bool> {
    let mut lost = vec![false; facts.writes.len()];
    for (id, w) in facts.writes.iter().enumerate() {
        if let Some(anomaly) = lost_after_read(facts, w) {
            if let Some(flag) = lost.get_mut(id) {
                *flag = true;
            }
            found.push(anomaly);
            continue;
        }
        let (OpType::Ok, Some(offset)) = (w.outcome, w.ack_offset) else {
            continue;
        };
        if facts
            .value_facts(w.value_id)
            .is_some_and(|v| v.read_count > 0)
        {
            continue;
        }
        let Some(Some((max_offset, max_op))) = facts.max_read.get(w.key).copied() else {
            continue;
        };
        if max_offset < offset {
            continue;
        }
        if let Some(flag) = lost.get_mut(id) {
            *flag = true;
        }
        // The best proof is a read of the acknowledged offset itself, holding
        // another value; otherwise the read that went furthest past it.
        let other_at_offset = facts.offsets.get(&(w.key, offset)).and_then(|at| {
            let (value_id, op) = at.first;
            facts.value(value_id).map(|v| (v, op))
        });
        let (proof_op, seen) = match other_at_offset {
            Some((other, op)) => (
                op,
                format!(
                    "{} read offset {offset} of {} holding {other} instead, and reads reached offset {max_offset}",
                    explain::op(facts, op),
                    facts.key(w.key)
                ),
            ),
            None => (
                max_op,
                format!(
                    "reads observed {} up to offset {max_offset} ({}) but never {}",
                    facts.key(w.key),
                    explain::op(facts, max_op),
                    w.value
                ),
            ),
        };
        let mut ops = facts.pair_indices(w.pair);
        ops.push(facts.index(proof_op));
        found.push(Anomaly {
            kind: AnomalyKind::LostWrite,
            key: facts.key(w.key).to_string(),
            values: vec![w.value.clone()],
            offsets: vec![offset, max_offset],
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{}, acknowledged at offset {offset}; {seen}",
                explain::sent(facts, w)
            ),
        });
    }
    lost
}

/// A committed write that some read observed but the final reads of its key,
/// the whole log, did not return.
fn lost_after_read(facts: &Facts<'_>, w: &super::facts::Write<'_>) -> Option<Anomaly> {
    if w.outcome == OpType::Fail {
        return None;
    }
    let v = facts.value_facts(w.value_id)?;
    let (read_offset, read_op) = v.first_read?;
    if v.final_read_count > 0 {
        return None;
    }
    let cover = facts.final_cover.get(w.key).copied().flatten()?;
    let offset = w.ack_offset.unwrap_or(read_offset);
    let mut ops = facts.pair_indices(w.pair);
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
            acked = match w.ack_offset {
                Some(o) => format!(", acknowledged at offset {o}"),
                None => String::new(),
            },
        ),
    })
}
