//! Reading a run folder into memory, and the lookups every part of the run
//! page needs: an op by its `index`, the pair an op belongs to, and each op's
//! time (carried forward when a hand-written history omits it).
use super::cluster_events::read_events;
use super::faults::FaultEvent;
use crate::error::ReportError;
use crate::summary::read_result;
use logjam_checker::history::{read_history_file, History, Op, OpPair, OpType};
use logjam_checker::CheckResult;
use logjam_harness::run::FaultTally;
use logjam_harness::run_folder::{read_fault_tally, read_run_meta, RunMeta};
use logjam_models::events::TimedEvent;
use std::fs;
use std::path::Path;

pub(crate) struct RunData {
    pub meta: RunMeta,
    pub history: History,
    pub faults: Vec<FaultEvent>,
    /// The cluster's own account (`events.jsonl`; empty without one).
    pub events: Vec<TimedEvent>,
    pub result: CheckResult,
    /// Scheduled faults and those that did not fire (`result.json`).
    pub fault_tally: FaultTally,
    pub pairs: Vec<OpPair>,
    /// For each op position, the position of its pair in `pairs`.
    pub pair_of: Vec<usize>,
    /// For each op position, its time in simulated ns.
    pub times: Vec<u64>,
    /// The end of the run in simulated ns: the later of the run's simulated
    /// time and the last op.
    pub end_ns: u64,
}

impl RunData {
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        let meta = read_run_meta(dir).map_err(|message| ReportError::Json {
            path: dir.join("run.json"),
            line: None,
            message,
        })?;
        let history_path = dir.join("history.jsonl");
        let history = read_history_file(&history_path).map_err(|e| ReportError::History {
            path: history_path.clone(),
            message: e.to_string(),
        })?;
        let result = read_result(dir)?;
        let faults_path = dir.join("faults.jsonl");
        let faults = if faults_path.is_file() {
            read_faults(&faults_path)?
        } else {
            FaultEvent::from_history(&history)
        };
        let mut data = Self::new(meta, history, faults, result);
        data.events = read_events(dir)?;
        data.fault_tally = read_fault_tally(dir);
        Ok(data)
    }

    pub fn new(
        meta: RunMeta,
        history: History,
        faults: Vec<FaultEvent>,
        result: CheckResult,
    ) -> Self {
        let pairs = history.pairs();
        let mut pair_of = vec![0; history.ops.len()];
        for (i, p) in pairs.iter().enumerate() {
            for pos in [p.invoke, p.completion].into_iter().flatten() {
                if let Some(slot) = pair_of.get_mut(pos) {
                    *slot = i;
                }
            }
        }
        let any_time = history.ops.iter().any(|o| o.time_ns.is_some());
        let mut last = 0;
        let times: Vec<u64> = history
            .ops
            .iter()
            .map(|o| {
                if !any_time {
                    // No times at all: lay the ops out one millisecond apart.
                    return o.index.saturating_mul(1_000_000);
                }
                if let Some(t) = o.time_ns {
                    last = t;
                }
                last
            })
            .collect();
        let last_op = times.iter().copied().max().unwrap_or(0);
        let last_fault = faults
            .iter()
            .map(|f| f.at_ms.saturating_mul(1_000_000))
            .max()
            .unwrap_or(0);
        let end_ns = meta
            .simulated_ms
            .saturating_mul(1_000_000)
            .max(last_op)
            .max(last_fault)
            .max(1);
        Self {
            meta,
            history,
            faults,
            events: Vec::new(),
            result,
            fault_tally: FaultTally::default(),
            pairs,
            pair_of,
            times,
            end_ns,
        }
    }

    /// The position of the op with this `index` (indices strictly increase).
    pub fn pos_of(&self, index: u64) -> Option<usize> {
        self.history
            .ops
            .binary_search_by_key(&index, |o| o.index)
            .ok()
    }

    pub fn op(&self, pos: usize) -> &Op {
        &self.history.ops[pos]
    }

    /// The op that tells how a pair ended (its completion), else its invocation.
    pub fn outcome_op(&self, pair: &OpPair) -> &Op {
        self.op(pair.last())
    }

    pub fn outcome(&self, pair: &OpPair) -> OpType {
        pair.outcome(&self.history)
    }
}

fn read_faults(path: &Path) -> Result<Vec<FaultEvent>, ReportError> {
    let text = fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ev: FaultEvent =
            serde_json::from_str(line).map_err(|e| ReportError::json(path, Some(i + 1), &e))?;
        out.push(ev);
    }
    // Stable: faults fired at the same moment keep their file order.
    out.sort_by_key(|f| f.at_ms);
    Ok(out)
}
