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
    for (id, &(key, value)) in facts.values.iter().enumerate() {
        let Some(v) = facts.value_facts(id) else {
            continue;
        };
        let Some(w) = v.write().and_then(|id| facts.writes.get(id)) else {
            continue;
        };
        let (OpType::Fail, Some((offset, read_op))) = (w.outcome, v.first_ok_read()) else {
            continue;
        };
        let more = match v.ok_read_count() {
            0 | 1 => String::new(),
            2 => " (and 1 more read)".to_string(),
            n => format!(" (and {} more reads)", n - 1),
        };
        let mut ops = facts.write_indices(w);
        ops.push(facts.index(read_op));
        let explanation = if w.in_txn {
            // The reader's view first, as a report card tells it.
            let when = facts
                .pair_of(w)
                .completion
                .and_then(|c| facts.ops.get(c))
                .and_then(|op| op.time_ns)
                .map(|ns| format!(" at {:.3} s", ns as f64 / 1e9))
                .unwrap_or_default();
            let reader = facts.ops.get(read_op).map(|op| op.process);
            let how = reader
                .and_then(|p| facts.isolation.stated(p))
                .map(|level| format!(", reading {},", level.as_str()))
                .unwrap_or_default();
            format!(
                "transaction {} of process {} aborted{when}; process {}{how} returned its value {value} from {} at offset {offset} ({}){more}",
                explain::op(facts, facts.pair_of(w).last()),
                w.process,
                reader.map(ToString::to_string).unwrap_or_default(),
                facts.key(key),
                explain::op(facts, read_op),
            )
        } else {
            let done = facts
                .pair_of(w)
                .completion
                .map(|c| format!(" ({})", explain::op(facts, c)))
                .unwrap_or_default();
            format!(
                "{} read {value} from {} at offset {offset}{more}, but process {}'s send of it failed{done}",
                explain::op(facts, read_op),
                facts.key(key),
                w.process
            )
        };
        found.push(Anomaly {
            kind: AnomalyKind::G1a,
            key: facts.key(key).to_string(),
            values: vec![value.clone()],
            offsets: vec![offset],
            ops,
            process: Some(w.process.clone()),
            explanation,
        });
    }
}
