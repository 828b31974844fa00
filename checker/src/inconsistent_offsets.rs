//! `inconsistent-offsets`: one offset of a key holding different values in
//! different reads: replicas that diverged, or a read of data later
//! truncated and overwritten. Judged on reads only; an acknowledged offset
//! later reused is a lost write, not an inconsistency of the log as read.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;

pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) {
    for (&(key, offset), at) in &facts.offsets {
        if at.more.is_empty() {
            continue;
        }
        let held: Vec<String> = at
            .values()
            .map(|(v, op)| format!("{} ({})", shown(facts, v), explain::op(facts, op)))
            .collect();
        found.push(Anomaly {
            kind: AnomalyKind::InconsistentOffsets,
            key: facts.key(key).to_string(),
            values: at
                .values()
                .filter_map(|(v, _)| facts.value(v).cloned())
                .collect(),
            offsets: vec![offset],
            ops: at.values().map(|(_, op)| facts.index(op)).collect(),
            process: None,
            explanation: format!(
                "{} offset {offset} held {} in different reads",
                facts.key(key),
                explain::and_list(&held)
            ),
        });
    }
}

fn shown(facts: &Facts<'_>, value_id: usize) -> String {
    facts
        .value(value_id)
        .map_or_else(String::new, ToString::to_string)
}
