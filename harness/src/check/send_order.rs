//! `nonmonotonic-send`: for one process and key, acknowledged sends taken in
//! issue order (op, then position in the op's list) whose offsets do not
//! increase. `int-nonmonotonic-send` is the same inside one op.
//!
//! A send's offset is its acknowledged offset, or, when the acknowledgement
//! carried none, the lowest offset a read found it at. Lost writes are left
//! out: their acknowledged offset was reused after a truncation, so a later
//! send landing below it shows the loss (already reported), not a reordering.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::OrderedMap;
use super::facts::{Facts, KeyId};
use crate::history::{OpType, Process};

pub(crate) fn find(facts: &Facts<'_>, lost: &[bool], found: &mut Findings) {
    // (process, key) -> the previous send: (offset, write id). Looked up only.
    let mut last: OrderedMap<(&Process, KeyId), (i64, usize)> = OrderedMap::default();
    for (id, w) in facts.writes.iter().enumerate() {
        if w.outcome != OpType::Ok || lost.get(id).copied().unwrap_or(false) {
            continue;
        }
        let read_offset = || {
            facts
                .value_facts(w.value_id)
                .and_then(|v| v.offsets().map(|(o, _)| o).min())
        };
        let Some(offset) = w.ack_offset.or_else(read_offset) else {
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
