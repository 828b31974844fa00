//! `unseen`: an acknowledged send never observed by any read, final reads
//! included, and not already a `lost-write` (each lost write gets one
//! diagnosis: the stronger one when reads passed its offset).
//!
//! Judged only for keys a final read covered: without a final read, a write
//! acknowledged just before the run ended may simply not have been polled
//! yet (HISTORY.md: "Loss is judged against them").
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use crate::history::OpType;

/// Adds the unseen writes to `found`; returns, per write, whether it was
/// unseen (its acknowledged offset is not where the log holds it, if anywhere).
pub(crate) fn find(facts: &Facts<'_>, lost: &[bool], found: &mut Findings) -> Vec<bool> {
    let mut unseen = vec![false; facts.writes.len()];
    for (id, w) in facts.writes.iter().enumerate() {
        if w.outcome != OpType::Ok || lost.get(id).copied().unwrap_or(false) {
            continue;
        }
        if facts
            .value_facts(w.value_id)
            .is_some_and(|v| v.read_count > 0)
        {
            continue;
        }
        let Some(Some(cover)) = facts.final_cover.get(w.key).copied() else {
            continue;
        };
        let acked = match w.ack_offset {
            Some(o) => format!("acknowledged at offset {o}"),
            None => "acknowledged without an offset".to_string(),
        };
        let reached = match cover.max_offset {
            Some(o) => format!("reached offset {o}"),
            None => "found it empty".to_string(),
        };
        if let Some(flag) = unseen.get_mut(id) {
            *flag = true;
        }
        let mut ops = facts.pair_indices(w.pair);
        ops.push(facts.index(cover.op));
        found.push(Anomaly {
            kind: AnomalyKind::Unseen,
            key: facts.key(w.key).to_string(),
            values: vec![w.value.clone()],
            offsets: w.ack_offset.into_iter().collect(),
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{}, {acked}; no read ever observed it, and the final read of {} ({}) {reached}",
                explain::sent(facts, w),
                facts.key(w.key),
                explain::op(facts, cover.op)
            ),
        });
    }
    unseen
}
