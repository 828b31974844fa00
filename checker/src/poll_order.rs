//! `poll-skip` and `nonmonotonic-poll`: for one process and key, successive
//! records read within one assignment should follow each other in the log.
//! Going backwards, or reading an offset again, is `nonmonotonic-poll`;
//! jumping over an offset known to hold a record is `poll-skip`. When both
//! records come from the same op the `int-` variant is reported instead.
//!
//! A new assignment (an `assign` or `subscribe`, a `crash`, or a rebalance
//! during an op; see `facts`) starts the process afresh: it may legitimately
//! resume anywhere.
//!
//! An offset is "known to hold a record" when a read found a value there that
//! was not definitely aborted (a read_committed consumer rightly skips aborted
//! records and transaction markers), or an acknowledgement placed a write
//! there that was not lost (a lost write's offset was reused, see
//! `lost_write`). Offsets with nothing known may be markers or gaps, so
//! jumping over them is not reported.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::OrderedMap;
use super::facts::{Facts, KeyId};
use crate::history::{OpType, Process};

pub(crate) fn find(facts: &Facts<'_>, lost: &[bool], found: &mut Findings) {
    let known = known_offsets(facts, lost);
    // (process, key) -> (epoch, offset, op) of the last record read.
    let mut last: OrderedMap<(&Process, KeyId), (u32, i64, usize)> = OrderedMap::default();
    for poll in &facts.polls {
        for read in facts.reads.get(poll.reads.clone()).unwrap_or_default() {
            let previous =
                last.insert((poll.process, poll.key), (poll.epoch, read.offset, poll.op));
            let Some((epoch, prev_offset, prev_op)) = previous else {
                continue;
            };
            if epoch != poll.epoch {
                continue;
            }
            let same_op = prev_op == poll.op;
            let key = facts.key(poll.key);
            let (kind, detail) = if read.offset <= prev_offset {
                let kind = if same_op {
                    AnomalyKind::IntNonmonotonicPoll
                } else {
                    AnomalyKind::NonmonotonicPoll
                };
                (kind, "going backwards within one assignment".to_string())
            } else {
                let skipped = known
                    .get(poll.key)
                    .map_or(&[][..], |k| between(k, prev_offset, read.offset));
                let Some(&(first, first_op)) = skipped.first() else {
                    continue;
                };
                let kind = if same_op {
                    AnomalyKind::IntPollSkip
                } else {
                    AnomalyKind::PollSkip
                };
                let what = if skipped.len() == 1 {
                    format!(
                        "offset {first}, which holds a record ({})",
                        explain::op(facts, first_op)
                    )
                } else {
                    format!(
                        "{} offsets known to hold records, the first {first} ({})",
                        skipped.len(),
                        explain::op(facts, first_op)
                    )
                };
                (kind, format!("skipping {what}"))
            };
            let ops = if same_op {
                vec![facts.index(poll.op)]
            } else {
                vec![facts.index(prev_op), facts.index(poll.op)]
            };
            let at = if same_op {
                format!(
                    "{} by process {} read {key} at offset {prev_offset} then {}",
                    explain::op(facts, poll.op),
                    poll.process,
                    read.offset
                )
            } else {
                format!(
                    "process {} read {key} at offset {prev_offset} ({}) then {} ({})",
                    poll.process,
                    explain::op(facts, prev_op),
                    read.offset,
                    explain::op(facts, poll.op)
                )
            };
            found.push(Anomaly {
                kind,
                key: key.to_string(),
                values: vec![read.value.clone()],
                offsets: vec![prev_offset, read.offset],
                ops,
                process: Some(poll.process.clone()),
                explanation: format!("{at}, {detail}"),
            });
        }
    }
}

/// The known offsets strictly between `low` and `high`.
fn between(known: &[(i64, usize)], low: i64, high: i64) -> &[(i64, usize)] {
    let from = known.partition_point(|&(o, _)| o <= low);
    let to = known.partition_point(|&(o, _)| o < high);
    known.get(from..to.max(from)).unwrap_or_default()
}

/// Per key, sorted and distinct: offsets known to hold a record, each with an
/// op that shows it.
fn known_offsets(facts: &Facts<'_>, lost: &[bool]) -> Vec<Vec<(i64, usize)>> {
    let mut known: Vec<Vec<(i64, usize)>> = vec![Vec::new(); facts.keys.len()];
    let aborted = |value_id| {
        facts
            .writer(value_id)
            .is_some_and(|w| w.outcome == OpType::Fail)
    };
    for (&(key, offset), at) in &facts.offsets {
        if let Some((_, op)) = at.values().find(|&(v, _)| !aborted(v)) {
            if let Some(k) = known.get_mut(key) {
                k.push((offset, op));
            }
        }
    }
    for (id, w) in facts.writes.iter().enumerate() {
        if lost.get(id).copied().unwrap_or(false) {
            continue;
        }
        if let (Some(offset), Some(done), Some(k)) =
            (w.ack_offset, w.pair.completion, known.get_mut(w.key))
        {
            k.push((offset, done));
        }
    }
    for k in &mut known {
        k.sort_unstable();
        k.dedup_by_key(|&mut (o, _)| o);
    }
    known
}
