//! `unseen`: a value sent by an `ok` op that no `ok` poll read by the end of
//! the history (Jepsen's rule; a lost write is unseen too). One anomaly per
//! value; Jepsen reports their count per key.
//!
//! Also, as Jepsen plots it, the number of unseen values over time: after
//! each `ok` send, poll or txn, how many values sent so far by `ok` ops no
//! `ok` op had read yet ([`series`]).
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use super::result::SeriesPoint;
use crate::history::OpType;

pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) {
    for w in &facts.writes {
        if w.outcome != OpType::Ok {
            continue;
        }
        if facts
            .value_facts(w.value_id)
            .is_some_and(|v| v.ok_read_count > 0)
        {
            continue;
        }
        let acked = match w.ack_offset {
            Some(o) => format!("acknowledged at offset {o}"),
            None => "acknowledged without an offset".to_string(),
        };
        let mut ops = facts.pair_indices(w.pair);
        let final_read = match facts.final_cover.get(w.key).copied().flatten() {
            Some(cover) => {
                ops.push(facts.index(cover.op));
                let reached = match cover.max_offset {
                    Some(o) => format!("reached offset {o}"),
                    None => "found it empty".to_string(),
                };
                format!(
                    ", and the final read of {} ({}) {reached}",
                    facts.key(w.key),
                    explain::op(facts, cover.op)
                )
            }
            None => String::new(),
        };
        found.push(Anomaly {
            kind: AnomalyKind::Unseen,
            key: facts.key(w.key).to_string(),
            values: vec![w.value.clone()],
            offsets: w.ack_offset.into_iter().collect(),
            ops,
            process: Some(w.process.clone()),
            explanation: format!(
                "{}, {acked}; no ok read ever observed it{final_read}",
                explain::sent(facts, w)
            ),
        });
    }
}

/// Unseen values over time: one point per `ok` send, poll or txn completion
/// that carries a time (total over keys).
pub(crate) fn series(facts: &Facts<'_>) -> Vec<SeriesPoint> {
    // (completion position, what, value id), what being 0 for the op
    // itself (a point even when it sent and read nothing), 1 a send, 2 a
    // read: an op's sends before its reads, as Jepsen merges both before
    // counting.
    let mut events: Vec<(usize, u8, usize)> = Vec::new();
    for pair in &facts.pairs {
        let Some(done) = pair.completion else {
            continue;
        };
        if facts.ops.get(done).is_some_and(|op| {
            op.op_type == OpType::Ok
                && !op.process.is_nemesis()
                && matches!(op.f.as_str(), "send" | "poll" | "txn")
        }) {
            events.push((done, 0, 0));
        }
    }
    for w in facts.writes.iter().filter(|w| w.outcome == OpType::Ok) {
        if let Some(done) = w.pair.completion {
            events.push((done, 1, w.value_id));
        }
    }
    for poll in facts.polls.iter().filter(|p| p.outcome == OpType::Ok) {
        for r in facts.reads.get(poll.reads.clone()).unwrap_or_default() {
            events.push((poll.op, 2, r.value_id));
        }
    }
    events.sort_unstable();
    // Per value: 0 nothing yet, 1 sent and unseen, 2 read.
    let mut state = vec![0u8; facts.values.len()];
    let mut unseen: u64 = 0;
    let mut points: Vec<SeriesPoint> = Vec::new();
    for group in events.chunk_by(|a, b| a.0 == b.0) {
        for &(_, what, v) in group {
            let Some(s) = state.get_mut(v).filter(|_| what > 0) else {
                continue;
            };
            match (what, *s) {
                (1, 0) => {
                    *s = 1;
                    unseen += 1;
                }
                (2, 1) => {
                    *s = 2;
                    unseen = unseen.saturating_sub(1);
                }
                (2, 0) => *s = 2,
                _ => {}
            }
        }
        let at = group.first().and_then(|&(op, _, _)| facts.ops.get(op));
        if let Some(time_ns) = at.and_then(|op| op.time_ns) {
            points.push(SeriesPoint {
                time_ns,
                value: unseen,
            });
        }
    }
    points
}
