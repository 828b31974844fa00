//! Realtime lag (Jepsen's `realtime-lag`, informational): for each `ok` poll
//! or txn, per key the process holds, a lower bound on how far behind the
//! log's end it was: the time from the offset after the last one it had
//! read (or sent) first being known to exist (some `ok` or `info` op read or
//! sent it, or a later one) until the poll was invoked. An `assign` keeps
//! the positions of the keys it still names and starts the others at -1; a
//! `subscribe` forgets every position (the group decides what it gets).
use super::facts::OrderedMap;
use super::result::{KeyLag, SeriesPoint, SERIES_POINTS};
use crate::history::{History, MicroOp, Op, OpType, OpValue, Process};
use std::collections::BTreeMap;

/// Per key, the highest offset each op read or sent.
fn max_offsets(op: &Op) -> BTreeMap<&str, i64> {
    let mut out: BTreeMap<&str, i64> = BTreeMap::new();
    for micro in op.value.micro_ops() {
        match micro {
            MicroOp::Send {
                key,
                offset: Some(o),
                ..
            } => {
                let e = out.entry(key.as_str()).or_insert(*o);
                *e = (*e).max(*o);
            }
            MicroOp::Poll { reads: Some(reads) } => {
                for (key, records) in reads {
                    let e = out.entry(key.as_str()).or_insert(-1);
                    for (o, _) in records {
                        *e = (*e).max(*o);
                    }
                }
            }
            _ => {}
        }
    }
    out
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

pub(crate) fn by_key(history: &History) -> BTreeMap<String, KeyLag> {
    let pairs = history.pairs();
    let mut invoked_at: Vec<Option<u64>> = vec![None; history.ops.len()];
    for p in &pairs {
        if let (Some(c), Some(i)) = (p.completion, p.invoke) {
            if let Some(slot) = invoked_at.get_mut(c) {
                *slot = history.ops.get(i).and_then(|op| op.time_ns);
            }
        }
    }
    let is_client_rw =
        |op: &Op| !op.process.is_nemesis() && matches!(op.f.as_str(), "send" | "poll" | "txn");
    let mut known: BTreeMap<&str, Known> = BTreeMap::new();
    for op in &history.ops {
        let (true, true, Some(t)) = (
            matches!(op.op_type, OpType::Ok | OpType::Info),
            is_client_rw(op),
            op.time_ns,
        ) else {
            continue;
        };
        for (k, o) in max_offsets(op) {
            known.entry(k).or_default().note(o, t);
        }
    }
    // Lags go straight into SERIES_POINTS equal spans of the history's time,
    // each keeping its worst, so memory does not grow with the polls.
    let times = history.ops.iter().filter_map(|op| op.time_ns);
    let (lo, hi) = times.fold((u64::MAX, 0), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let span = hi.saturating_sub(lo) / SERIES_POINTS as u64 + 1;
    let mut positions: OrderedMap<&Process, BTreeMap<&str, i64>> = OrderedMap::default();
    let mut lags: BTreeMap<&str, KeyLag> = BTreeMap::new();
    let mut spans: BTreeMap<&str, Vec<Option<SeriesPoint>>> = BTreeMap::new();
    for (pos, op) in history.ops.iter().enumerate() {
        if op.op_type != OpType::Ok || op.process.is_nemesis() {
            continue;
        }
        match (op.f.as_str(), &op.value) {
            ("assign", OpValue::Keys(keys)) => {
                let held = positions.entry(&op.process).or_default();
                let kept: BTreeMap<&str, i64> = keys
                    .iter()
                    .map(|k| (k.as_str(), held.get(k.as_str()).copied().unwrap_or(-1)))
                    .collect();
                *held = kept;
            }
            ("subscribe", _) => {
                positions.insert(&op.process, BTreeMap::new());
            }
            ("poll" | "txn", _) => {
                let Some(invoke_ns) = invoked_at.get(pos).copied().flatten().or(op.time_ns) else {
                    continue;
                };
                let held = positions.entry(&op.process).or_default();
                for (k, o) in max_offsets(op) {
                    let e = held.entry(k).or_insert(o);
                    *e = (*e).max(o);
                }
                for (&k, &offset) in held.iter() {
                    let since = known.get(k).and_then(|kn| kn.since(offset + 1));
                    let lag = since.map_or(0, |t| invoke_ns.saturating_sub(t));
                    let worst = lags.entry(k).or_insert_with(|| KeyLag {
                        worst_lag_ns: lag,
                        worst_at_ns: invoke_ns,
                        worst_process: Some(op.process.clone()),
                        series: Vec::new(),
                    });
                    if lag > worst.worst_lag_ns {
                        worst.worst_lag_ns = lag;
                        worst.worst_at_ns = invoke_ns;
                        worst.worst_process = Some(op.process.clone());
                    }
                    let point = SeriesPoint {
                        time_ns: invoke_ns,
                        value: lag,
                    };
                    let bucket = (invoke_ns.saturating_sub(lo) / span) as usize;
                    let k_spans = spans
                        .entry(k)
                        .or_insert_with(|| vec![None; SERIES_POINTS + 1]);
                    if let Some(slot) = k_spans.get_mut(bucket) {
                        if slot.is_none_or(|p| lag > p.value) {
                            *slot = Some(point);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (k, lag) in lags.iter_mut() {
        lag.series = spans
            .remove(k)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
    }
    lags.into_iter().map(|(k, l)| (k.to_string(), l)).collect()
}
