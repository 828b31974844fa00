//! `duplicate`: one value at more than one offset of a key, from
//! acknowledgements and reads together. Values are unique per key
//! (HISTORY.md), so a second offset means a second copy: a resend after a
//! lost response, or a retried batch.
//!
//! `int-duplicate`: one operation's own reads show a value at two offsets.
//! The same copies also count towards `duplicate`; the internal variant
//! points at the single operation that proves it.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::{Facts, KeyId};

pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) {
    across_history(facts, found);
    within_one_op(facts, found);
}

fn across_history(facts: &Facts<'_>, found: &mut Findings) {
    for (&(key, value), v) in &facts.values {
        if v.more_offsets.is_empty() {
            continue;
        }
        let mut seen: Vec<(i64, usize)> = v.offsets().collect();
        seen.sort_unstable();
        let writer = v.write.and_then(|id| facts.writes.get(id));
        let mut ops: Vec<u64> = writer
            .map(|w| facts.pair_indices(w.pair))
            .unwrap_or_default();
        ops.extend(seen.iter().map(|&(_, op)| facts.index(op)));
        let at: Vec<String> = seen
            .iter()
            .map(|&(o, op)| format!("{o} ({})", explain::op(facts, op)))
            .collect();
        let origin = match writer {
            Some(w) => format!("sent by process {}", w.process),
            None => "never sent in this history".to_string(),
        };
        found.push(Anomaly {
            kind: AnomalyKind::Duplicate,
            key: facts.key(key).to_string(),
            values: vec![value.clone()],
            offsets: seen.iter().map(|&(o, _)| o).collect(),
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
        seen.clear();
        for poll in facts.polls.get(start..end).unwrap_or_default() {
            let reads = facts.reads.get(poll.reads.clone()).unwrap_or_default();
            seen.extend(reads.iter().map(|r| (poll.key, r.value_id, r.offset)));
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
