//! Send order, by Jepsen's rules over the version order (`version_order`):
//! - `nonmonotonic-send`: per process and key, over its `ok` and `info` send
//!   and txn ops, an op's first send to the key lands at or before the
//!   previous such op's last send to it (delta ≤ 0). An assignment that drops
//!   the key forgets the previous op (`assignment`).
//! - `int-nonmonotonic-send`: inside one op (whatever its outcome), a later
//!   send to a key lands at or before an earlier one.
//! - `int-send-skip`: inside one op, another value landed between two
//!   consecutive sends to a key (always allowed: transactions interleave).
//!
//! A value with no dense index (its outcome unproven, or its offset taken by
//! another value) gives delta 1: nothing is judged.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::assignment::{kept_keys, retain_named};
use super::explain;
use super::facts::{Facts, KeyId, OrderedMap, Write};
use super::key_groups::KeyGroups;
use super::version_order::VersionOrder;
use crate::history::{OpType, Process};

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    // Per process, per key: the last send (write id) of its last op.
    let mut last: OrderedMap<&Process, OrderedMap<KeyId, usize>> = OrderedMap::default();
    let mut cursor = 0;
    let mut per_key = KeyGroups::default();
    for (at, &pair) in facts.pairs.iter().enumerate() {
        let start = cursor;
        while facts
            .writes
            .get(cursor)
            .is_some_and(|w| w.pair as usize == at)
        {
            cursor += 1;
        }
        if let Some(named) = kept_keys(facts, pair) {
            let process = pair
                .completion
                .or(pair.invoke)
                .and_then(|p| facts.ops.get(p))
                .map(|op| op.process);
            if let Some(tracked) = process.and_then(|p| last.get_mut(p)) {
                retain_named(facts, tracked, &named);
            }
            continue;
        }
        let Some(first) = facts.writes.get(start) else {
            continue;
        };
        // Each key's sends, in the op's order.
        per_key.clear();
        for id in start..cursor {
            let Some(w) = facts.writes.get(id) else {
                continue;
            };
            per_key.extend(w.key, [id]);
        }
        for (key, ids) in per_key.groups() {
            internal(facts, order, *key, ids, found);
        }
        if !matches!(first.outcome, OpType::Ok | OpType::Info) {
            continue;
        }
        let tracked = last.entry(first.process).or_default();
        for (key, ids) in per_key.groups() {
            let (Some(&head), Some(&tail)) = (ids.first(), ids.last()) else {
                continue;
            };
            if let Some(prev) = tracked.insert(*key, tail) {
                across_ops(facts, order, prev, head, found);
            }
        }
    }
}

fn write<'a, 'h>(facts: &'a Facts<'h>, id: usize) -> Option<&'a Write<'h>> {
    facts.writes.get(id)
}

fn at(order: &VersionOrder, w: &Write<'_>) -> String {
    order
        .offset_of(w.key, w.value_id)
        .map_or_else(|| "?".to_string(), |o| o.to_string())
}

fn across_ops(
    facts: &Facts<'_>,
    order: &VersionOrder,
    prev: usize,
    next: usize,
    found: &mut Findings,
) {
    let (Some(p), Some(n)) = (write(facts, prev), write(facts, next)) else {
        return;
    };
    let delta = order.delta(Some(p.value_id), Some(n.value_id));
    if delta >= 1 {
        return;
    }
    let mut ops = facts.write_indices(p);
    ops.extend(facts.write_indices(n));
    let (po, no) = (at(order, p), at(order, n));
    found.push(Anomaly {
        kind: AnomalyKind::NonmonotonicSend,
        key: facts.key(n.key).to_string(),
        values: vec![p.value.clone(), n.value.clone()],
        offsets: [order.offset_of(p.key, p.value_id), order.offset_of(n.key, n.value_id)]
            .into_iter()
            .flatten()
            .collect(),
        ops,
        process: Some(n.process.clone()),
        explanation: format!(
            "process {} sent {} then, in a later operation, {} to {}, but they landed at offsets {po} then {no} (delta {delta})",
            n.process,
            p.value,
            n.value,
            facts.key(n.key)
        ),
    });
}

fn internal(
    facts: &Facts<'_>,
    order: &VersionOrder,
    key: KeyId,
    ids: &[usize],
    found: &mut Findings,
) {
    for pair in ids.windows(2) {
        let (Some(a), Some(b)) = (write(facts, pair[0]), write(facts, pair[1])) else {
            continue;
        };
        let delta = order.delta(Some(a.value_id), Some(b.value_id));
        if delta == 1 {
            continue;
        }
        let within = explain::op(facts, facts.pair_of(b).last());
        let (ao, bo) = (at(order, a), at(order, b));
        let (kind, detail) = if delta > 1 {
            let skipped: Vec<String> = order
                .skipped(key, a.value_id, b.value_id)
                .iter()
                .filter_map(|p| facts.value(p.value_id).map(ToString::to_string))
                .collect();
            (
                AnomalyKind::IntSendSkip,
                format!("with {} between them", explain::and_list(&skipped)),
            )
        } else {
            (
                AnomalyKind::IntNonmonotonicSend,
                format!("going backwards (delta {delta})"),
            )
        };
        found.push(Anomaly {
            kind,
            key: facts.key(key).to_string(),
            values: vec![a.value.clone(), b.value.clone()],
            offsets: [order.offset_of(key, a.value_id), order.offset_of(key, b.value_id)]
                .into_iter()
                .flatten()
                .collect(),
            ops: facts.write_indices(b),
            process: Some(b.process.clone()),
            explanation: format!(
                "within {within}, process {} sent {} then {} to {}, landing at offsets {ao} then {bo}, {detail}",
                b.process,
                a.value,
                b.value,
                facts.key(key)
            ),
        });
    }
}
