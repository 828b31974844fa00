//! What a check returns, as written to `result.json`.
use super::anomaly::{Anomaly, AnomalyKind};
use super::faults::FaultClasses;
use super::jepsen::JepsenVerdict;
use super::promise::PromiseName;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Every promise kept (`Some(true)`), one broken (`Some(false)`), or no
    /// configuration given, so nothing was promised (`None`: anomalies only).
    pub valid: Option<bool>,
    /// The promises the configuration makes under the injected faults.
    pub promises: Vec<PromiseVerdict>,
    /// Every anomaly found, by kind; kinds with none are absent.
    pub anomalies: BTreeMap<AnomalyKind, Vec<Anomaly>>,
    /// How many of each kind; kinds with none are absent.
    pub counts: BTreeMap<AnomalyKind, u64>,
    /// The counts of kinds that broke no promise: allowed by the
    /// configuration. Empty when no configuration was given.
    pub allowed: BTreeMap<AnomalyKind, u64>,
    /// The fault classes the promises were judged under.
    pub faults: FaultClasses,
    pub stats: Stats,
    /// Informational series (Jepsen's plots): unseen over time, realtime
    /// lag per key. They judge nothing.
    #[serde(default)]
    pub series: Series,
    /// Validity as Jepsen's Kafka checker computes it, when asked for
    /// (`logjam check --jepsen`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jepsen: Option<JepsenVerdict>,
}

/// At most this many points per series in `result.json`.
pub const SERIES_POINTS: usize = 200;

/// One point of a series over simulated time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub time_ns: u64,
    pub value: u64,
}

/// Realtime lag of one key (Jepsen's `realtime-lag`): at each `ok` poll by a
/// process holding the key, how long since the offset after the last one it
/// had read was first known to exist (a lower bound on how far behind it was).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLag {
    /// The worst lag, when it was measured (the poll's invocation) and by whom.
    pub worst_lag_ns: u64,
    pub worst_at_ns: u64,
    pub worst_process: Option<super::history::Process>,
    /// The lag over time, the worst in each of at most [`SERIES_POINTS`] spans.
    pub series: Vec<SeriesPoint>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Series {
    /// Values sent by `ok` ops that no `ok` poll had read yet, over time (the
    /// last point of each of at most [`SERIES_POINTS`] spans).
    pub unseen: Vec<SeriesPoint>,
    /// Realtime lag per key; empty when the history carries no times.
    pub realtime_lag: BTreeMap<String, KeyLag>,
}

/// Thin a time-ordered series to at most [`SERIES_POINTS`] points: equal
/// spans of time, each keeping its last point (what the count was then).
pub(crate) fn downsample(points: Vec<SeriesPoint>) -> Vec<SeriesPoint> {
    thin(points, |kept, p| *kept = p)
}

fn thin(
    mut points: Vec<SeriesPoint>,
    keep: impl Fn(&mut SeriesPoint, SeriesPoint),
) -> Vec<SeriesPoint> {
    if points.len() <= SERIES_POINTS {
        return points;
    }
    points.sort_by_key(|p| p.time_ns);
    let lo = points.iter().map(|p| p.time_ns).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.time_ns).max().unwrap_or(0);
    let span = (hi - lo) / SERIES_POINTS as u64 + 1;
    let mut out: Vec<(u64, SeriesPoint)> = Vec::with_capacity(SERIES_POINTS);
    for p in points {
        let bucket = (p.time_ns - lo) / span;
        match out.last_mut() {
            Some((b, kept)) if *b == bucket => keep(kept, p),
            _ => out.push((bucket, p)),
        }
    }
    out.into_iter().map(|(_, p)| p).collect()
}

impl CheckResult {
    /// The exit status of `logjam check`: 0 when every promise was kept (or,
    /// without a configuration, when nothing was found), 1 a promise broken,
    /// 4 anomalies found with no configuration (nothing promised), 5 a
    /// configuration none of whose promises the history exercised. Status 2
    /// (bad input) is the caller's.
    pub fn exit_code(&self) -> i32 {
        match self.valid {
            Some(false) => 1,
            Some(true) if self.nothing_exercised() => 5,
            Some(true) => 0,
            None if self.counts.is_empty() => 0,
            None => 4,
        }
    }

    /// The promises broken, by name.
    pub fn broken(&self) -> impl Iterator<Item = &PromiseVerdict> {
        self.promises.iter().filter(|p| !p.kept)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromiseVerdict {
    pub name: PromiseName,
    /// Why the configuration promises it (the SEMANTICS.md row).
    pub reason: String,
    pub kept: bool,
    /// The history could have shown it broken (`verdict::exercised`):
    /// a promise kept but not exercised is reported as "not exercised", never
    /// "kept". Results written before this field read as exercised.
    #[serde(default = "exercised_by_default")]
    pub exercised: bool,
    /// The anomaly kinds that broke it, with their counts.
    pub broken_by: BTreeMap<AnomalyKind, u64>,
}

fn exercised_by_default() -> bool {
    true
}

impl CheckResult {
    /// A configuration was given and the history exercised none of its
    /// promises: nothing can be said to be kept.
    pub fn nothing_exercised(&self) -> bool {
        self.valid.is_some() && !self.promises.iter().any(|p| p.exercised)
    }
}

/// Sizes of the history, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Lines (operations) in the history.
    pub ops: u64,
    /// Send micro-operations by outcome.
    pub sends_ok: u64,
    pub sends_info: u64,
    pub sends_fail: u64,
    /// Poll micro-operations that returned records (possibly none).
    pub polls: u64,
    /// Of those, the ones in the final read.
    pub final_polls: u64,
    /// Distinct keys (partitions) sent to or read.
    pub keys: u64,
    /// Sends made inside transactions.
    pub txn_sends: u64,
    /// Completed `process` operations (consumer group workloads).
    pub processed: u64,
    /// Distinct records those operations processed (duplicate-processing
    /// counts the ones processed more than once).
    pub records_processed: u64,
    /// Replica logs in the end-of-run dump (`replicas.jsonl`), if one was given.
    pub replica_logs: u64,
    /// Poll micro-operations by processes the history declares
    /// read_committed, and of those the final reads.
    pub read_committed_polls: u64,
    pub read_committed_final_polls: u64,
    /// Dependencies of the cycle search (`cycles`): write-write (only with
    /// `ww_deps`) and write-read edges between operations.
    pub ww_dependencies: u64,
    pub wr_dependencies: u64,
}

impl Stats {
    /// Whether this history gave the checker what it needs to find `kind` at
    /// all: a report shows a kind never exercised as grey, not green.
    pub fn exercises(&self, kind: AnomalyKind) -> bool {
        use AnomalyKind::*;
        let sends = self.sends_ok + self.sends_info + self.sends_fail;
        match kind {
            LostWrite => self.sends_ok > 0 && self.final_polls > 0,
            Unseen | Duplicate | IntDuplicate | InconsistentOffsets | NonmonotonicSend
            | IntNonmonotonicSend => sends > 0 && self.polls > 0,
            PollSkip | NonmonotonicPoll | IntPollSkip | IntNonmonotonicPoll => self.polls > 0,
            G1a => self.sends_fail > 0 && self.polls > 0,
            PrecommittedRead => self.txn_sends > 0 && self.polls > 0,
            // Judged on read_committed reads only (HISTORY.md, "Isolation").
            TornTransaction => self.txn_sends > 0 && self.read_committed_polls > 0,
            StuckLso => self.sends_ok > 0 && self.read_committed_final_polls > 0,
            // Write cycles need ww dependencies, inferred only with `ww_deps`.
            G0 | G0Process | G0Realtime => self.ww_dependencies > 0,
            G1c | G1cProcess | G1cRealtime => self.wr_dependencies > 0,
            LostProcessing | DuplicateProcessing => self.processed > 0,
            // Two replicas of one partition at least.
            ReplicaDivergence => self.replica_logs > 1,
            IntSendSkip => sends > 0 && self.polls > 0,
            // Judged in Jepsen's verdict only, never a logjam anomaly.
            EmptyTransactionGraph => false,
        }
    }

    /// The kinds [`Stats::exercises`].
    pub fn exercised(&self) -> Vec<AnomalyKind> {
        AnomalyKind::ALL
            .into_iter()
            .filter(|k| self.exercises(*k))
            .collect()
    }
}
