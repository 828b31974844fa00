//! `torn-transaction` (logjam's own name, TRANSACTIONS.md): a read_committed
//! reader saw some of a transaction's writes but read past another of them
//! without it. A transaction's writes become visible together: each
//! partition's last stable offset stays below the transaction's first record
//! there until its marker is written, so a read_committed reader that got
//! past a write's offset has passed its marker, and if it saw any of the
//! transaction's writes the transaction committed, so that write was visible.
//! Whatever the client was told (commit, abort, unknown): what the reader saw
//! is atomic or it is not.
//!
//! "Read past" means the reader's reads of the write's partition, within one
//! assignment (`assignment`: an `assign` or `subscribe` that drops the
//! partition, or a rebalance naming it in an op's `rebalance_log`, starts a
//! new one), returned offsets on both sides of it; the final reads, which
//! read every partition from its log start, count as one reader and read past
//! every offset below the last they returned. A write whose offset is unknown
//! (its completion gave none and the version order places it nowhere) cannot
//! be read past. A `fail` op's polls are left out: what that reader saw is
//! not judged. Only readers the
//! history declares read_committed (HISTORY.md, "Isolation") are judged: a
//! read_uncommitted reader may see a transaction before its markers.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::assignment::{kept_keys, rebalanced_keys};
use super::explain;
use super::facts::{Facts, KeyId, OrderedMap};
use super::version_order::VersionOrder;
use crate::history::{OpType, Process};
use std::ops::Range;

/// One read_committed reader: a process, or the final reads together.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Reader<'h> {
    Process(&'h Process),
    Final,
}

/// The offsets one reader read on one partition within one assignment: the
/// lowest and highest, each with the op that read it.
#[derive(Clone, Copy)]
struct Span {
    low: (i64, usize),
    high: (i64, usize),
}

/// A write seen by a reader: (write id, offset read at, reading op).
type Seen = (usize, i64, usize);

pub(crate) fn find(facts: &Facts<'_>, order: &VersionOrder, found: &mut Findings) {
    let txns = transactions(facts);
    if txns.is_empty() {
        return;
    }
    let mut txn_of_write: Vec<Option<usize>> = vec![None; facts.writes.len()];
    for (t, range) in txns.iter().enumerate() {
        for id in range.clone() {
            if let Some(slot) = txn_of_write.get_mut(id) {
                *slot = Some(t);
            }
        }
    }
    let Reading { spans, seen } = reading(facts, &txn_of_write);
    let mut reported = vec![false; txns.len()];
    for (&(reader, t), saw) in &seen {
        if reported.get(t).copied().unwrap_or(true) {
            continue;
        }
        let Some(range) = txns.get(t) else { continue };
        for id in range.clone() {
            if saw.iter().any(|s| s.0 == id) {
                continue;
            }
            let Some(w) = facts.writes.get(id) else {
                continue;
            };
            let Some(offset) = w.offset.or_else(|| order.first_offset(w.key, w.value_id)) else {
                continue;
            };
            let past = spans.get(&(reader, w.key)).and_then(|per_epoch| {
                per_epoch
                    .iter()
                    .find(|(_, s)| s.low.0 < offset && offset < s.high.0)
            });
            let (Some((_, span)), Some(first)) = (past, saw.first()) else {
                continue;
            };
            if let Some(flag) = reported.get_mut(t) {
                *flag = true;
            }
            if let Some(a) = anomaly(facts, reader, *first, id, offset, *span) {
                found.push(a);
            }
            break;
        }
    }
}

/// What the read_committed readers read.
struct Reading<'h> {
    /// (reader, key) -> span per assignment.
    spans: OrderedMap<(Reader<'h>, KeyId), Vec<(u32, Span)>>,
    /// (reader, txn) -> the transaction's writes it saw.
    seen: OrderedMap<(Reader<'h>, usize), Vec<Seen>>,
}

fn reading<'h>(facts: &Facts<'h>, txn_of_write: &[Option<usize>]) -> Reading<'h> {
    let mut spans: OrderedMap<(Reader<'_>, KeyId), Vec<(u32, Span)>> = OrderedMap::default();
    let mut seen: OrderedMap<(Reader<'_>, usize), Vec<Seen>> = OrderedMap::default();
    // Per process and key, a counter of the process's assignments of it.
    let mut assignments: OrderedMap<(&Process, KeyId), u32> = OrderedMap::default();
    let mut cursor = 0;
    for &pair in &facts.pairs {
        let done_op = pair.completion.and_then(|p| facts.ops.get(p));
        if let Some(named) = kept_keys(facts, pair) {
            if let Some(op) = done_op {
                new_assignment(facts, &mut assignments, op.process, |k| named.contains(&k));
            }
            continue;
        }
        let Some(done) = pair.completion else {
            continue;
        };
        let start = cursor;
        while facts.polls.get(cursor).is_some_and(|p| p.op == done) {
            cursor += 1;
        }
        let polls = facts.polls.get(start..cursor).unwrap_or_default();
        // A rebalance during the op may have moved a partition away and
        // back, and the consumer resumed elsewhere: a new assignment.
        let rebalanced = rebalanced_keys(done_op);
        if let (Some(op), false) = (done_op, rebalanced.is_empty()) {
            new_assignment(facts, &mut assignments, op.process, |k| {
                !rebalanced.iter().any(|r| r == k)
            });
        }
        for poll in polls {
            if poll.outcome == OpType::Fail || !facts.isolation.read_committed(poll.process) {
                continue;
            }
            let (reader, epoch) = if done_op.is_some_and(|op| op.final_read) {
                (Reader::Final, 0)
            } else {
                let n = *assignments.entry((poll.process, poll.key)).or_insert(0);
                (Reader::Process(poll.process), n)
            };
            for read in facts.reads(poll) {
                let at = (read.offset, poll.op);
                let per_epoch = spans.entry((reader, poll.key)).or_default();
                match per_epoch.iter_mut().rev().find(|(e, _)| *e == epoch) {
                    Some((_, s)) => {
                        if read.offset < s.low.0 {
                            s.low = at;
                        }
                        if read.offset > s.high.0 {
                            s.high = at;
                        }
                    }
                    None => per_epoch.push((epoch, Span { low: at, high: at })),
                }
                let writer = facts.value_facts(read.value_id).and_then(|v| v.write());
                if let Some(t) = writer.and_then(|w| txn_of_write.get(w).copied().flatten()) {
                    let saw = seen.entry((reader, t)).or_default();
                    if let Some(w) = writer.filter(|w| !saw.iter().any(|s| s.0 == *w)) {
                        saw.push((w, read.offset, poll.op));
                    }
                }
            }
        }
    }
    // Final reads start at the log start, whatever they first returned.
    for ((reader, _), per_epoch) in spans.iter_mut() {
        if *reader == Reader::Final {
            for (_, span) in per_epoch {
                span.low.0 = -1;
            }
        }
    }
    Reading { spans, seen }
}

/// A new assignment for `process`: every partition it held that `keep`
/// does not keep starts a new span.
fn new_assignment<'h>(
    facts: &Facts<'h>,
    assignments: &mut OrderedMap<(&'h Process, KeyId), u32>,
    process: &Process,
    keep: impl Fn(&str) -> bool,
) {
    for ((p, key), n) in assignments.iter_mut() {
        if *p == process && !keep(facts.key(*key)) {
            *n += 1;
        }
    }
}

/// Every `txn` op with two writes or more, as ranges of `Facts::writes`
/// (an op's writes are adjacent there).
fn transactions(facts: &Facts<'_>) -> Vec<Range<usize>> {
    let mut txns = Vec::new();
    let mut start = 0;
    while let Some(first) = facts.writes.get(start) {
        let end = start
            + facts.writes[start..]
                .iter()
                .take_while(|w| w.pair == first.pair)
                .count();
        if first.in_txn && end - start >= 2 {
            txns.push(start..end);
        }
        start = end;
    }
    txns
}

fn anomaly(
    facts: &Facts<'_>,
    reader: Reader<'_>,
    (seen_id, seen_offset, seen_op): Seen,
    missing_id: usize,
    missing_offset: i64,
    span: Span,
) -> Option<Anomaly> {
    let (seen, missing) = (facts.writes.get(seen_id)?, facts.writes.get(missing_id)?);
    let outcome = match missing.outcome {
        OpType::Ok => "committed",
        OpType::Fail => "aborted",
        _ => "ended with an unknown outcome",
    };
    let txn_op = explain::op(facts, facts.pair_of(missing).last());
    // When the client heard the outcome, as G1a's sentence tells it.
    let when = facts
        .pair_of(missing)
        .completion
        .and_then(|c| facts.ops.get(c))
        .and_then(|op| op.time_ns)
        .map(|ns| format!(" at {:.3} s", ns as f64 / 1e9))
        .unwrap_or_default();
    let who = match reader {
        Reader::Process(p) => format!("process {p}, reading read_committed,"),
        Reader::Final => "the final reads (read_committed)".to_string(),
    };
    let from = if span.low.0 < 0 {
        "from its start".to_string()
    } else {
        format!(
            "from offset {} ({})",
            span.low.0,
            explain::op(facts, span.low.1)
        )
    };
    let mut ops = facts.write_indices(missing);
    ops.extend([seen_op, span.low.1, span.high.1].map(|p| facts.index(p)));
    ops.sort_unstable();
    ops.dedup();
    Some(Anomaly {
        kind: AnomalyKind::TornTransaction,
        key: facts.key(missing.key).to_string(),
        values: vec![seen.value.clone(), missing.value.clone()],
        offsets: vec![seen_offset, missing_offset],
        ops,
        process: match reader {
            Reader::Process(p) => Some(p.clone()),
            Reader::Final => None,
        },
        explanation: format!(
            "transaction {txn_op} of process {} {outcome}{when}, writing {} to {} and {} to {} at offset {missing_offset}; \
             {who} returned {} from {} at offset {seen_offset} ({}) but read {} {from} to offset {} ({}) without {}",
            missing.process,
            seen.value,
            facts.key(seen.key),
            missing.value,
            facts.key(missing.key),
            seen.value,
            facts.key(seen.key),
            explain::op(facts, seen_op),
            facts.key(missing.key),
            span.high.0,
            explain::op(facts, span.high.1),
            missing.value,
        ),
    })
}
