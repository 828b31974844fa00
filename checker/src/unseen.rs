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
            .is_some_and(|v| v.ok_read_count() > 0)
        {
            continue;
        }
        let acked = match w.ack_offset() {
            Some(o) => format!("acknowledged at offset {o}"),
            None => "acknowledged without an offset".to_string(),
        };
        let mut ops = facts.write_indices(w);
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
            offsets: w.ack_offset().into_iter().collect(),
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
    // Per completion position, where its `ok` sends start in `Facts::writes`
    // and its `ok` polls in `Facts::polls` (each op's are adjacent), so the
    // completions are visited in history order without sorting every send
    // and read (issue 13, "Speed": that sort was the check's largest
    // allocation).
    let n = facts.ops.len();
    let (mut sends_at, mut polls_at) = (vec![NONE; n], vec![NONE; n]);
    for (id, w) in facts.writes.iter().enumerate().rev() {
        if let (OpType::Ok, Some(slot)) = (
            w.outcome,
            facts
                .pair_of(w)
                .completion
                .and_then(|d| sends_at.get_mut(d)),
        ) {
            *slot = id as u32;
        }
    }
    for (id, p) in facts.polls.iter().enumerate().rev() {
        if let (OpType::Ok, Some(slot)) = (p.outcome, polls_at.get_mut(p.op)) {
            *slot = id as u32;
        }
    }
    // Per value: 0 nothing yet, 1 sent and unseen, 2 read.
    let mut state = vec![0u8; facts.values.len()];
    let mut unseen: u64 = 0;
    let mut points: Vec<SeriesPoint> = Vec::new();
    for (done, op) in facts.ops.iter().enumerate() {
        let counted = op.op_type == OpType::Ok
            && !op.process.is_nemesis()
            && matches!(op.f.as_str(), "send" | "poll" | "txn");
        let (first_send, first_poll) = (sends_at[done], polls_at[done]);
        if !counted && first_send == NONE && first_poll == NONE {
            continue;
        }
        // An op's sends before its reads, as Jepsen merges both before
        // counting.
        // The op's sends are adjacent: those of the first's pair.
        let sends = facts.writes.get(first_send as usize..).unwrap_or_default();
        let pair = sends.first().map(|w| w.pair);
        for w in sends.iter().take_while(|w| Some(w.pair) == pair) {
            if let Some(s @ 0) = state.get_mut(w.value_id) {
                *s = 1;
                unseen += 1;
            }
        }
        let polls = facts.polls.get(first_poll as usize..).unwrap_or_default();
        for poll in polls.iter().take_while(|p| p.op == done) {
            for &value_id in facts.value_ids(poll) {
                match state.get_mut(value_id as usize) {
                    Some(s @ 1) => {
                        *s = 2;
                        unseen = unseen.saturating_sub(1);
                    }
                    Some(s @ 0) => *s = 2,
                    _ => {}
                }
            }
        }
        if let Some(time_ns) = op.time_ns {
            points.push(SeriesPoint {
                time_ns,
                value: unseen,
            });
        }
    }
    points
}

/// No send or poll completes at a position.
const NONE: u32 = u32::MAX;
