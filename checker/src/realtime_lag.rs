//! Realtime lag (Jepsen's `realtime-lag`, informational): for each `ok` poll
//! or txn, per key the process holds, a lower bound on how far behind the
//! log's end it was: the time from the offset after the last one it had
//! read (or sent) first being known to exist (some `ok` or `info` op read or
//! sent it, or a later one) until the poll was invoked. An `assign` keeps
//! the positions of the keys it still names and starts the others at -1; a
//! `subscribe` forgets every position (the group decides what it gets).
use super::facts::OrderedMap;
use super::result::{KeyLag, SeriesPoint, SERIES_POINTS};
use crate::history::{HistoryRef, MicroOp, OpPair, OpRef, OpType, OpValue, Process};
use std::collections::BTreeMap;

/// A key, interned: this pass looks keys up once per poll per key held, so
/// they are small integers rather than strings (issue 13, "Speed").
type KeyId = usize;

#[derive(Default)]
struct KeyIds<'h> {
    ids: OrderedMap<&'h str, KeyId>,
}

impl<'h> KeyIds<'h> {
    fn id(&mut self, key: &'h str) -> KeyId {
        let next = self.ids.len();
        *self.ids.entry(key).or_insert(next)
    }
}

/// Per key, the highest offset an op read or sent, into `out` (cleared first).
fn max_offsets<'h>(op: OpRef<'h>, keys: &mut KeyIds<'h>, out: &mut Vec<(KeyId, i64)>) {
    out.clear();
    let mut note = |key: KeyId, offset: i64| match out.iter_mut().find(|(k, _)| *k == key) {
        Some((_, o)) => *o = (*o).max(offset),
        None => out.push((key, offset)),
    };
    for micro in op.value.micro_ops() {
        match micro {
            MicroOp::Send {
                key,
                offset: Some(o),
                ..
            } => note(keys.id(key), *o),
            MicroOp::Poll { reads: Some(reads) } => {
                for (key, records) in reads {
                    let highest = records.iter().map(|(o, _)| *o).fold(-1, i64::max);
                    note(keys.id(key), highest);
                }
            }
            _ => {}
        }
    }
}

/// When each offset of a key was first known to exist: breakpoints
/// `(highest offset covered, time)`, both increasing, because knowing an
/// offset exists proves every lower one does.
#[derive(Default)]
struct Known(Vec<(i64, u64)>);

impl Known {
    fn note(&mut self, offset: i64, time_ns: u64) {
        if offset >= 0 && self.0.last().is_none_or(|&(o, _)| offset > o) {
            self.0.push((offset, time_ns));
        }
    }

    fn since(&self, offset: i64) -> Option<u64> {
        let at = self.0.partition_point(|&(o, _)| o < offset);
        self.0.get(at).map(|&(_, t)| t)
    }
}

/// A key a process holds: its position, and when the offset after it was
/// first known to exist (`Known::since`, computed when the position moves,
/// not at every poll).
#[derive(Clone, Copy)]
struct Held {
    offset: i64,
    since: Option<u64>,
}

impl Held {
    fn at(offset: i64, known: &[Known], key: KeyId) -> Self {
        Held {
            offset,
            since: known.get(key).and_then(|k| k.since(offset + 1)),
        }
    }
}

/// No invocation (in `by_key`'s `invoke_of`).
const NO_INVOKE: u32 = u32::MAX;

/// `pairs` are the history's (`History::pairs`), already made for the facts.
pub(crate) fn by_key(history: HistoryRef<'_>, pairs: &[OpPair]) -> BTreeMap<String, KeyLag> {
    // Per completion position, its invocation's (`NO_INVOKE`: none); an
    // invocation's time is read only for the `ok` polls and txns below
    // (issue 13, "Speed").
    let mut invoke_of: Vec<u32> = vec![NO_INVOKE; history.len()];
    for p in pairs {
        if let (Some(c), Some(Ok(i))) = (p.completion, p.invoke.map(u32::try_from)) {
            if let Some(slot) = invoke_of.get_mut(c) {
                *slot = i;
            }
        }
    }
    let invoked_at = |pos: usize| {
        invoke_of
            .get(pos)
            .filter(|&&i| i != NO_INVOKE)
            .and_then(|&i| history.get(i as usize))
            .and_then(|op| op.time_ns)
    };
    let is_client_rw =
        |op: &OpRef| !op.process.is_nemesis() && matches!(op.f.as_str(), "send" | "poll" | "txn");
    let mut keys = KeyIds::default();
    let mut highest: Vec<(KeyId, i64)> = Vec::new();
    let mut known: Vec<Known> = Vec::new();
    // The highest offsets of each `ok` poll or txn, kept for the second
    // pass: (position, its range of `remembered_offsets`).
    let mut remembered: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    let mut remembered_offsets: Vec<(KeyId, i64)> = Vec::new();
    // The history's time range, for the spans below.
    let (mut lo, mut hi) = (u64::MAX, 0);
    // The positions the second pass reads: `ok` client assigns,
    // subscribes, polls and txns, so it need not walk every op again.
    let mut later: Vec<usize> = Vec::new();
    for (pos, op) in history.iter().enumerate() {
        if let Some(t) = op.time_ns {
            (lo, hi) = (lo.min(t), hi.max(t));
        }
        if op.op_type == OpType::Ok
            && !op.process.is_nemesis()
            && matches!(op.f.as_str(), "assign" | "subscribe" | "poll" | "txn")
        {
            later.push(pos);
        }
        let (true, true, Some(t)) = (
            matches!(op.op_type, OpType::Ok | OpType::Info),
            is_client_rw(&op),
            op.time_ns,
        ) else {
            continue;
        };
        max_offsets(op, &mut keys, &mut highest);
        if op.op_type == OpType::Ok && matches!(op.f.as_str(), "poll" | "txn") {
            let start = remembered_offsets.len();
            remembered_offsets.extend_from_slice(&highest);
            remembered.push((pos, start..remembered_offsets.len()));
        }
        for &(k, o) in &highest {
            if known.len() <= k {
                known.resize_with(k + 1, Known::default);
            }
            known[k].note(o, t);
        }
    }
    // Lags go straight into SERIES_POINTS equal spans of the history's time,
    // each keeping its worst, so memory does not grow with the polls.
    let span = hi.saturating_sub(lo) / SERIES_POINTS as u64 + 1;
    let mut positions: OrderedMap<&Process, OrderedMap<KeyId, Held>> = OrderedMap::default();
    let mut lags = Lags::default();
    let mut cursor = 0;
    for (pos, op) in later
        .into_iter()
        .filter_map(|pos| history.get(pos).map(|op| (pos, op)))
    {
        match (op.f.as_str(), op.value.whole()) {
            ("assign", Some(OpValue::Keys(assigned))) => {
                let held = positions.entry(op.process).or_default();
                let kept: OrderedMap<KeyId, Held> = assigned
                    .iter()
                    .map(|k| {
                        let k = keys.id(k);
                        (k, held.get(&k).copied().unwrap_or(Held::at(-1, &known, k)))
                    })
                    .collect();
                *held = kept;
            }
            ("subscribe", _) => {
                positions.insert(op.process, OrderedMap::default());
            }
            ("poll" | "txn", _) => {
                let Some(invoke_ns) = invoked_at(pos).or(op.time_ns) else {
                    continue;
                };
                let held = positions.entry(op.process).or_default();
                while remembered.get(cursor).is_some_and(|(p, _)| *p < pos) {
                    cursor += 1;
                }
                let offsets: &[(KeyId, i64)] = match remembered.get(cursor) {
                    Some((p, range)) if *p == pos => {
                        remembered_offsets.get(range.clone()).unwrap_or_default()
                    }
                    _ => {
                        max_offsets(op, &mut keys, &mut highest);
                        &highest
                    }
                };
                for &(k, o) in offsets {
                    let h = held.entry(k).or_insert(Held::at(o, &known, k));
                    if o > h.offset {
                        *h = Held::at(o, &known, k);
                    }
                }
                lags.grow(keys.ids.len());
                let bucket = (invoke_ns.saturating_sub(lo) / span) as usize;
                for (&k, h) in held.iter() {
                    let lag = h.since.map_or(0, |t| invoke_ns.saturating_sub(t));
                    lags.note(k, bucket, lag, invoke_ns, op.process);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (&name, &k) in &keys.ids {
        if let Some(lag) = lags.of(k) {
            out.insert(name.to_string(), lag);
        }
    }
    out
}

/// Spans per key: the lag at an invocation falls into one of
/// `SERIES_POINTS` equal spans of the history's time, or the end's.
const SPANS: usize = SERIES_POINTS + 1;

/// Per key: the worst lag so far, and the worst in each span (a key's spans
/// made when a poll first holds it, so keys never held cost nothing). Every
/// `ok` poll visits every key its process holds (9.6 million visits in a
/// million-op history, issue 13 "Speed"), so a visit only compares numbers.
/// Ties keep the earliest, as polls come in history order.
#[derive(Default)]
struct Lags<'h> {
    worst: Vec<Option<Worst<'h>>>,
    spans: Vec<Vec<Option<SeriesPoint>>>,
}

#[derive(Clone, Copy)]
struct Worst<'h> {
    lag_ns: u64,
    at_ns: u64,
    process: &'h Process,
}

impl<'h> Lags<'h> {
    /// Room for `keys` keys.
    fn grow(&mut self, keys: usize) {
        if self.worst.len() < keys {
            self.worst.resize(keys, None);
            self.spans.resize_with(keys, Vec::new);
        }
    }

    /// A poll invoked at `at_ns`, in span `span`, by `process`, lagged
    /// `lag_ns` on `key`.
    fn note(&mut self, key: KeyId, span: usize, lag_ns: u64, at_ns: u64, process: &'h Process) {
        if let Some(worst) = self.worst.get_mut(key) {
            if worst.is_none_or(|w| lag_ns > w.lag_ns) {
                *worst = Some(Worst {
                    lag_ns,
                    at_ns,
                    process,
                });
            }
        }
        let Some(spans) = self.spans.get_mut(key) else {
            return;
        };
        if spans.is_empty() {
            spans.resize(SPANS, None);
        }
        if let Some(slot) = spans.get_mut(span) {
            if slot.is_none_or(|p| lag_ns > p.value) {
                *slot = Some(SeriesPoint {
                    time_ns: at_ns,
                    value: lag_ns,
                });
            }
        }
    }

    /// A key's lag, if some poll held it.
    fn of(&self, key: KeyId) -> Option<KeyLag> {
        let worst = self.worst.get(key).copied().flatten()?;
        let spans = self.spans.get(key).map(Vec::as_slice).unwrap_or_default();
        Some(KeyLag {
            worst_lag_ns: worst.lag_ns,
            worst_at_ns: worst.at_ns,
            worst_process: Some(worst.process.clone()),
            series: spans.iter().flatten().copied().collect(),
        })
    }
}
