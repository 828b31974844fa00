//! `inconsistent-offsets`: an offset of a key holding two or more distinct
//! values in the version order (Jepsen's rule, `version_order`): reads that
//! disagree, or a read and a committed send's offset, or two committed sends
//! (acknowledged at one offset, from different processes too; an `info`
//! send's offset counts once a read proves it).
//!
//! logjam's `consistent-offsets` promise is about the log as read: an offset
//! only sends claim twice (an acknowledged write whose offset was reused after
//! it was lost) is the loss, reported as `lost-write` or `unseen`, so such an
//! anomaly does not count against promises (docs/JEPSEN.md, "Differences").
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use super::version_order::VersionOrder;

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    for (key, log) in order.logs.iter().enumerate() {
        for slot in log.iter().filter(|s| order.values(s).len() > 1) {
            let held: Vec<String> = order
                .values(slot)
                .iter()
                .map(|p| {
                    let (how, op) = match p.read {
                        Some(op) => ("", op),
                        None => ("acknowledged by ", p.op),
                    };
                    format!(
                        "{} ({how}{})",
                        shown(facts, p.value_id),
                        explain::op(facts, op)
                    )
                })
                .collect();
            let all_read = order.values(slot).iter().all(|p| p.read.is_some());
            let offset = slot.offset;
            let anomaly = Anomaly {
                kind: AnomalyKind::InconsistentOffsets,
                key: facts.key(key).to_string(),
                values: order
                    .values(slot)
                    .iter()
                    .filter_map(|p| facts.value(p.value_id).cloned())
                    .collect(),
                offsets: vec![offset],
                ops: order
                    .values(slot)
                    .iter()
                    .map(|p| facts.index(p.read.unwrap_or(p.op)))
                    .collect(),
                process: None,
                explanation: format!(
                    "{} offset {offset} held {}{}",
                    facts.key(key),
                    explain::and_list(&held),
                    if all_read { " in different reads" } else { "" }
                ),
            };
            if order
                .values(slot)
                .iter()
                .filter(|p| p.read.is_some())
                .count()
                > 1
            {
                found.push(anomaly);
            } else {
                found.push_outside_promises(anomaly);
            }
        }
    }
}

fn shown(facts: &Facts<'_>, value_id: usize) -> String {
    facts
        .value(value_id)
        .map_or_else(String::new, ToString::to_string)
}
