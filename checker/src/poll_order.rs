//! Poll order, by Jepsen's rules over the version order (`version_order`):
//! - `poll-skip` / `nonmonotonic-poll`: per process and key, the first value
//!   an op read is more than one dense position after (skip) / at or before
//!   (nonmonotonic) the last value the process's previous `ok` op read on
//!   that key. Ops of any outcome are compared, but only an `ok` op becomes
//!   the new last; an `ok` poll that returned `{k: []}` is the last read of k
//!   with no value. An assignment that drops the key forgets it
//!   (`assignment`); a crash forgets nothing.
//! - `int-poll-skip` / `int-nonmonotonic-poll`: inside one op (whatever its
//!   outcome), consecutive values read on a key are more than one dense
//!   position apart / go backwards or repeat. Keys named in the op's
//!   `rebalance_log` are excused.
//!
//! A value with no dense index gives delta 1: nothing is judged.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::assignment::{kept_keys, rebalanced_keys, retain_named};
use super::explain;
use super::facts::{Facts, KeyId, OrderedMap};
use super::key_groups::KeyGroups;
use super::version_order::VersionOrder;
use crate::history::{OpType, Process};

/// The last read of a key by a process's previous `ok` op: the value (none
/// for an empty read) and the op.
type LastRead = (Option<usize>, usize);

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    let mut last: OrderedMap<&Process, OrderedMap<KeyId, LastRead>> = OrderedMap::default();
    let mut cursor = 0;
    let mut per_key = KeyGroups::default();
    for &pair in &facts.pairs {
        if let Some(named) = kept_keys(facts, pair) {
            let process = pair
                .completion
                .and_then(|p| facts.ops.get(p))
                .map(|op| op.process);
            if let Some(tracked) = process.and_then(|p| last.get_mut(p)) {
                retain_named(facts, tracked, &named);
            }
            continue;
        }
        let Some(done) = pair.completion else {
            continue;
        };
        let start = cursor;
        while facts.polls.get(cursor).is_some_and(|p| p.op == done) {
            cursor += 1;
        }
        let Some(first) = facts.polls.get(start) else {
            continue;
        };
        // Each key's values, all the op's poll micro-ops concatenated.
        per_key.clear();
        for poll in facts.polls.get(start..cursor).unwrap_or_default() {
            let values = facts.value_ids(poll).iter().map(|&id| id as usize);
            per_key.extend(poll.key, values);
        }
        let excused = rebalanced_keys(facts.ops.get(done));
        let tracked = last.entry(first.process).or_default();
        for (key, values) in per_key.groups() {
            if let Some(&(prev, prev_op)) = tracked.get(key) {
                if let (Some(prev), Some(&next)) = (prev, values.first()) {
                    judge(
                        facts,
                        order,
                        first.process,
                        *key,
                        (prev, prev_op),
                        (next, done),
                        found,
                    );
                }
            }
            if !excused.iter().any(|k| k == facts.key(*key)) {
                for w in values.windows(2) {
                    judge(
                        facts,
                        order,
                        first.process,
                        *key,
                        (w[0], done),
                        (w[1], done),
                        found,
                    );
                }
            }
            if first.outcome == OpType::Ok {
                tracked.insert(*key, (values.last().copied(), done));
            }
        }
    }
}

/// Judge two consecutive reads `(value, op)` of one key by one process.
fn judge(
    facts: &Facts<'_>,
    order: &VersionOrder,
    process: &Process,
    key: KeyId,
    (prev, prev_op): (usize, usize),
    (next, op): (usize, usize),
    found: &mut Findings,
) {
    let delta = order.delta(Some(prev), Some(next));
    if delta == 1 {
        return;
    }
    let same_op = prev_op == op;
    let kind = match (delta > 1, same_op) {
        (true, true) => AnomalyKind::IntPollSkip,
        (true, false) => AnomalyKind::PollSkip,
        (false, true) => AnomalyKind::IntNonmonotonicPoll,
        (false, false) => AnomalyKind::NonmonotonicPoll,
    };
    let name = facts.key(key);
    let shown = |v: usize| facts.value(v).map_or_else(String::new, ToString::to_string);
    let at = |v: usize| {
        order
            .offset_of(key, v)
            .map_or_else(|| "?".to_string(), |o| o.to_string())
    };
    let detail = if delta > 1 {
        let skipped: Vec<String> = order
            .skipped(key, prev, next)
            .iter()
            .map(|p| format!("{} ({})", shown(p.value_id), explain::op(facts, p.op)))
            .collect();
        format!("skipping {}", explain::and_list(&skipped))
    } else {
        format!("going backwards (delta {delta})")
    };
    let read = if same_op {
        format!(
            "{} by process {process} read {name} {} at offset {} then {} at offset {}",
            explain::op(facts, op),
            shown(prev),
            at(prev),
            shown(next),
            at(next)
        )
    } else {
        format!(
            "process {process} read {name} {} at offset {} ({}) then {} at offset {} ({})",
            shown(prev),
            at(prev),
            explain::op(facts, prev_op),
            shown(next),
            at(next),
            explain::op(facts, op)
        )
    };
    let ops = if same_op {
        vec![facts.index(op)]
    } else {
        vec![facts.index(prev_op), facts.index(op)]
    };
    found.push(Anomaly {
        kind,
        key: name.to_string(),
        values: [prev, next]
            .iter()
            .filter_map(|&v| facts.value(v).cloned())
            .collect(),
        offsets: [order.offset_of(key, prev), order.offset_of(key, next)]
            .into_iter()
            .flatten()
            .collect(),
        ops,
        process: Some(process.clone()),
        explanation: format!("{read}, {detail}"),
    });
}
