//! `nonmonotonic-send`: for one process and key, sends taken in issue order
//! (op, then position in the op's list) whose offsets do not increase.
//! `int-nonmonotonic-send` is the same inside one op.
//!
//! A send takes part once it is known to have happened: acknowledged, or of
//! unknown outcome and observed by a read (Jepsen's rule). Its offset is its
//! acknowledged offset, or, without one, the lowest offset a read found it at.
//! Lost and unseen writes are left out: the log no longer holds them where
//! they were acknowledged (a truncation reused the offset, or ended below
//! it), so a later send landing below them shows the loss, already reported,
//! not a reordering.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::OrderedMap;
use super::facts::{Facts, KeyId};
use crate::history::{OpType, Process};

/// `gone[id]`: write `id` is a lost or unseen write.
pub(crate) fn find(facts: &Facts<'_>, gone: &[bool], found: &mut Findings) {
    // (process, key) -> the previous send: (offset, write id). Looked up only.
    let mut last: OrderedMap<(&Process, KeyId), (i64, usize)> = OrderedMap::default();
    for (id, w) in facts.writes.iter().enumerate() {
        if w.outcome == OpType::Fail || gone.get(id).copied().unwrap_or(false) {
            continue;
        }
        let value = facts.value_facts(w.value_id);
        let read_offset = || {
            value
                .filter(|v| v.read_count > 0)
                .and_then(|v| v.offsets().map(|(o, _)| o).min())
        };
        let offset = match w.outcome {
            OpType::Ok => w.ack_offset.or_else(read_offset),
            _ => read_offset(),
        };
        let Some(offset) = offset else {
            continue;
        };
        let previous = last.insert((w.process, w.key), (offset, id));
        let Some((prev_offset, prev_id)) = previous else {
            continue;
        };
        let Some(prev) = facts.writes.get(prev_id) else {
            continue;
        };
        if offset > prev_offset {
            continue;
        }
        let same_op = prev.pair == w.pair;
        let kind = if same_op {
            AnomalyKind::IntNonmonotonicSend
        } else {
            AnomalyKind::NonmonotonicSend
        };
        let mut ops = facts.pair_indices(prev.pair);
        if !same_op {
            ops.extend(facts.pair_indices(w.pair));
        }
        let within = if same_op {
            format!("within {}, ", explain::op(facts, w.pair.first()))
        } else {
            String::new()
        };
        found.push(Anomaly {
            kind,
            key: facts.key(w.key).to_string(),
            values: vec![prev.value.clone(), w.value.clone()],
            offsets: vec![prev_offset, offset],
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{within}process {} sent {} then {} to {}, but they landed at offsets {prev_offset} then {offset}",
                w.process,
                prev.value,
                w.value,
                facts.key(w.key)
            ),
        });
    }
}
