//! `duplicate`: one value at more than one offset of a key in the version
//! order (Jepsen's rule, `version_order`: every poll result, failed polls
//! included, and the offsets of sends that must have committed). Values are
//! unique per key (HISTORY.md), so a second offset means a second copy: a
//! resend after a lost response, or a retried batch.
//!
//! `int-duplicate` (logjam's own): one operation's own reads show a value at
//! two offsets. The same copies also count towards `duplicate`; the internal
//! variant points at the single operation that proves it.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::{Facts, KeyId};
use super::version_order::VersionOrder;

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    across_history(facts, order, found);
    within_one_op(facts, found);
}

fn across_history(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    for (key, log) in order.logs.iter().enumerate() {
        // (value, offset, op) for every value seen at two indices or more.
        let mut seen: Vec<(usize, i64, usize)> = log
            .iter()
            .flat_map(|slot| {
                order
                    .values(slot)
                    .iter()
                    .map(move |p| (p.value_id, slot.offset, p.op))
            })
            .filter(|&(v, _, _)| order.first_index(v) != order.last_index(v))
            .collect();
        seen.sort_unstable();
        for group in seen.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(value_id, _, _)) = group.first() else {
                continue;
            };
            let Some(value) = facts.value(value_id) else {
                continue;
            };
            let writer = facts.writer(value_id);
            let mut ops: Vec<u64> = writer.map(|w| facts.write_indices(w)).unwrap_or_default();
            ops.extend(group.iter().map(|&(_, _, op)| facts.index(op)));
            let at: Vec<String> = group
                .iter()
                .map(|&(_, o, op)| format!("{o} ({})", explain::op(facts, op)))
                .collect();
            let origin = match writer {
                Some(w) => format!("sent by process {}", w.process),
                None => "never sent in this history".to_string(),
            };
            found.push(Anomaly {
                kind: AnomalyKind::Duplicate,
                key: facts.key(key).to_string(),
                values: vec![value.clone()],
                offsets: group.iter().map(|&(_, o, _)| o).collect(),
                ops,
                process: writer.map(|w| w.process.clone()),
                explanation: format!(
                    "{value} ({origin}) appears in {} at offsets {}",
                    facts.key(key),
                    explain::and_list(&at)
                ),
            });
        }
    }
}

fn within_one_op(facts: &Facts<'_>, found: &mut Findings) {
    // (key, value id, offset) of one op's reads; reused across ops.
    let mut seen: Vec<(KeyId, usize, i64)> = Vec::new();
    let mut start = 0;
    while let Some(first) = facts.polls.get(start) {
        let op = first.op;
        let end = start
            + facts.polls[start..]
                .iter()
                .take_while(|p| p.op == op)
                .count();
        let polls = facts.polls.get(start..end).unwrap_or_default();
        // Mostly an op reads each key once (keys increasing), its values in
        // increasing id order: then no value repeats, and there is nothing
        // to sort (issue 13, "Speed").
        let increasing = |ids: &[u32]| ids.windows(2).all(|w| w[0] < w[1]);
        if polls.windows(2).all(|w| w[0].key < w[1].key)
            && polls.iter().all(|p| increasing(facts.value_ids(p)))
        {
            start = end;
            continue;
        }
        seen.clear();
        for poll in polls {
            seen.extend(facts.reads(poll).map(|r| (poll.key, r.value_id, r.offset)));
        }
        seen.sort_unstable();
        seen.dedup();
        for group in seen.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let [(key, value_id, _), _, ..] = *group else {
                continue;
            };
            let Some(value) = facts.value(value_id) else {
                continue;
            };
            let offsets: Vec<i64> = group.iter().map(|g| g.2).collect();
            let listed: Vec<String> = offsets.iter().map(i64::to_string).collect();
            found.push(Anomaly {
                kind: AnomalyKind::IntDuplicate,
                key: facts.key(key).to_string(),
                values: vec![value.clone()],
                offsets,
                ops: vec![facts.index(op)],
                process: Some(first.process.clone()),
                explanation: format!(
                    "{} alone read {value} from {} at offsets {}",
                    explain::op(facts, op),
                    facts.key(key),
                    explain::and_list(&listed)
                ),
            });
        }
        start = end;
    }
}
