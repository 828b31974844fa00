//! `lost-write`: an acknowledged send that no read ever observed, although
//! reads of the same key reached its offset. An acknowledgement is the only
//! way to know where an unread write landed, so only acknowledged writes with
//! an offset can be lost writes; a write with an unknown outcome counts as
//! committed only once a read shows it, and then it was observed.
//!
//! "Reached" includes the offset itself: a read that found another value at
//! the acknowledged offset proves the write is gone just as well.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use crate::history::OpType;

/// Adds the lost writes to `found`; returns, per write, whether it was lost
/// (other finders must not trust a lost write's offset).
pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) -> Vec<bool> {
    let mut lost = vec![false; facts.writes.len()];
    for (id, w) in facts.writes.iter().enumerate() {
        let (OpType::Ok, Some(offset)) = (w.outcome, w.ack_offset) else {
            continue;
        };
        if facts
            .value_facts(w.key, w.value)
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
        let mut ops = facts.pair_indices(w.pair);
        ops.push(facts.index(max_op));
        found.push(Anomaly {
            kind: AnomalyKind::LostWrite,
            key: facts.key(w.key).to_string(),
            values: vec![w.value.clone()],
            offsets: vec![offset, max_offset],
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{}, acknowledged at offset {offset}; reads observed {} up to offset {max_offset} ({}) but never {}",
                explain::sent(facts, w),
                facts.key(w.key),
                explain::op(facts, max_op),
                w.value
            ),
        });
    }
    lost
}
