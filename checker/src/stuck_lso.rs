//! `stuck-lso` (logjam's own name, TRANSACTIONS.md; liveness): the
//! read_committed final reads of a partition stopped below a committed
//! write. A read_committed fetch returns records below the last stable offset
//! (LSO), the first offset of the oldest transaction still open there. The
//! final reads come after the faults have healed and every client's
//! transaction has ended, so an LSO still below committed data then is stuck
//! for good: a transaction no coordinator will ever close (a hanging
//! transaction, KIP-890) holds it, and every read_committed consumer of the
//! partition stops there.
//!
//! Committed data: a write acknowledged by an `ok` send or a committed
//! (`ok`) transaction, at its acknowledged offset (or where the version order
//! places it). A `fail` op's polls are left out, as they prove nothing.
//! A read_uncommitted final read that also ended below the write shows the
//! log itself lost it (that is `lost-write` or `unseen`), so the partition is
//! not reported. The read_committed consumers that polled the partition after
//! the commit and never got further are named as well.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use super::version_order::VersionOrder;
use crate::history::{OpType, Process};

/// How reads of one partition ended.
#[derive(Clone, Copy, Default)]
struct Reach {
    /// The highest offset returned (None: nothing), and the last op that
    /// read the partition.
    max: Option<i64>,
    op: Option<usize>,
}

impl Reach {
    fn note(&mut self, offset: Option<i64>, op: usize) {
        self.max = self.max.max(offset);
        self.op = Some(op);
    }
}

/// Readers named besides the final read.
const MAX_STOPPED_READERS: usize = 3;

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    let keys = facts.keys.len();
    let (mut committed_final, mut uncommitted_final) =
        (vec![Reach::default(); keys], vec![Reach::default(); keys]);
    for poll in &facts.polls {
        if poll.outcome == OpType::Fail || !facts.ops.get(poll.op).is_some_and(|op| op.final_read) {
            continue;
        }
        let max = facts.reads(poll).map(|r| r.offset).max();
        let reach = if facts.isolation.read_committed(poll.process) {
            committed_final.get_mut(poll.key)
        } else {
            uncommitted_final.get_mut(poll.key)
        };
        if let Some(reach) = reach {
            reach.note(max, poll.op);
        }
    }
    // Per key: the lowest committed write above where read_committed final
    // reads stopped.
    let mut above: Vec<Option<(i64, usize)>> = vec![None; keys];
    for (id, w) in facts.writes.iter().enumerate() {
        if w.outcome != OpType::Ok {
            continue;
        }
        let Some(offset) = w
            .ack_offset()
            .or_else(|| order.first_offset(w.key, w.value_id))
        else {
            continue;
        };
        let Some(reach) = committed_final.get(w.key) else {
            continue;
        };
        if reach.op.is_none() || reach.max.is_some_and(|m| m >= offset) {
            continue;
        }
        if let Some(slot) = above.get_mut(w.key) {
            if slot.is_none_or(|(o, _)| offset < o) {
                *slot = Some((offset, id));
            }
        }
    }
    for (key, first_above) in above.iter().enumerate() {
        let (Some((offset, id)), Some(reach)) = (*first_above, committed_final.get(key)) else {
            continue;
        };
        let uncommitted = uncommitted_final.get(key).copied().unwrap_or_default();
        if uncommitted.op.is_some() && uncommitted.max.is_none_or(|m| m < offset) {
            continue;
        }
        if let Some(a) = anomaly(facts, key, offset, id, *reach, uncommitted) {
            found.push(a);
        }
    }
}

fn anomaly(
    facts: &Facts<'_>,
    key: usize,
    offset: i64,
    write_id: usize,
    reach: Reach,
    uncommitted: Reach,
) -> Option<Anomaly> {
    let w = facts.writes.get(write_id)?;
    let final_op = reach.op?;
    let done = facts.pair_of(w).completion?;
    let name = facts.key(key);
    let stopped = match reach.max {
        Some(m) => format!("stopped at offset {m}"),
        None => "returned nothing".to_string(),
    };
    let limit = reach.max.unwrap_or(-1);
    // read_committed consumers that polled after the commit and got no further.
    let mut readers: Vec<(&Process, usize)> = Vec::new();
    for poll in &facts.polls {
        if poll.key != key
            || poll.outcome == OpType::Fail
            || poll.op <= done
            || facts.ops.get(poll.op).is_some_and(|op| op.final_read)
            || !facts.isolation.read_committed(poll.process)
        {
            continue;
        }
        if facts.reads(poll).any(|r| r.offset > limit) {
            readers.retain(|(p, _)| *p != poll.process);
            continue;
        }
        match readers.iter_mut().find(|(p, _)| *p == poll.process) {
            Some(entry) => entry.1 = poll.op,
            None => readers.push((poll.process, poll.op)),
        }
    }
    let mut ops = facts.write_indices(w);
    ops.push(facts.index(final_op));
    let mut said = String::new();
    if !readers.is_empty() {
        let named: Vec<String> = readers
            .iter()
            .take(MAX_STOPPED_READERS)
            .map(|(p, op)| format!("process {p} (last {})", explain::op(facts, *op)))
            .collect();
        ops.extend(
            readers
                .iter()
                .take(MAX_STOPPED_READERS)
                .map(|(_, op)| facts.index(*op)),
        );
        let more = readers.len().saturating_sub(MAX_STOPPED_READERS);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        said.push_str(&format!(
            "; read_committed consumers polling it after the commit got no further either: {}{more}",
            explain::and_list(&named)
        ));
    }
    if let (Some(m), Some(op)) = (uncommitted.max, uncommitted.op) {
        ops.push(facts.index(op));
        said.push_str(&format!(
            "; the read_uncommitted final read ({}) reached offset {m}, so the records are in the log",
            explain::op(facts, op)
        ));
    }
    ops.sort_unstable();
    ops.dedup();
    Some(Anomaly {
        kind: AnomalyKind::StuckLso,
        key: name.to_string(),
        values: vec![w.value.clone()],
        offsets: reach.max.into_iter().chain([offset]).collect(),
        ops,
        process: None,
        explanation: format!(
            "the read_committed final read of {name} ({}) {stopped}, below committed data: {}, at offset {offset}; \
             the partition's last stable offset never passed it{said}",
            explain::op(facts, final_op),
            explain::sent(facts, w),
        ),
    })
}
