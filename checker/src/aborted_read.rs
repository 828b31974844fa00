//! `G1a` (aborted read): an `ok` read of a value whose send completed `fail`, or
//! whose transaction completed `fail` (aborted). A fail completion means the
//! write definitely did not happen, so no read may see it. Only `ok` readers
//! count (Jepsen): a failed or unknown poll proves nothing. One anomaly per
//! value, however many reads saw it.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use crate::history::OpType;

pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) {
    for (&(key, value), v) in &facts.values {
        let Some(w) = v.write.and_then(|id| facts.writes.get(id)) else {
            continue;
        };
        let (OpType::Fail, Some((offset, read_op))) = (w.outcome, v.first_ok_read) else {
            continue;
        };
        let what = if w.in_txn {
            "transaction that wrote it aborted"
        } else {
            "send of it failed"
        };
        let done = w
            .pair
            .completion
            .map(|c| format!(" ({})", explain::op(facts, c)))
            .unwrap_or_default();
        let more = match v.ok_read_count {
            0 | 1 => String::new(),
            n => format!(" (and {} more reads)", n - 1),
        };
        let mut ops = facts.pair_indices(w.pair);
        ops.push(facts.index(read_op));
        found.push(Anomaly {
            kind: AnomalyKind::G1a,
            key: facts.key(key).to_string(),
            values: vec![value.clone()],
            offsets: vec![offset],
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{} read {value} from {} at offset {offset}{more}, but process {}'s {what}{done}",
                explain::op(facts, read_op),
                facts.key(key),
                w.process
            ),
        });
    }
}
