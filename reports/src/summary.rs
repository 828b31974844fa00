//! One run's outcome in a few hundred bytes: what the index needs, and the
//! line format of a chaos sweep's `results.jsonl` (a sweep of thousands of
//! runs keeps only the interesting run folders, but every run's summary).
use crate::error::ReportError;
use logjam_checker::{AnomalyKind, CheckResult};
use logjam_harness::run_folder::read_run_meta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// One run's outcome, enough for the index; also the line format of a chaos sweep's results.jsonl.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunSummary {
    pub scenario: String,
    pub preset: String,
    pub seed: u64,
    /// As `CheckResult::valid`: `None` when no configuration was judged.
    pub valid: Option<bool>,
    /// The names of the promises broken.
    pub broken: Vec<String>,
    /// Every anomaly found, by kind.
    pub counts: BTreeMap<AnomalyKind, u64>,
    /// Of those, the ones the configuration allows.
    #[serde(default)]
    pub allowed: BTreeMap<AnomalyKind, u64>,
    /// The kinds this run could have exhibited at all (grey cells otherwise).
    #[serde(default)]
    pub exercised: Vec<AnomalyKind>,
    /// Operations in the history: how big an example is.
    pub ops: u64,
    /// Acknowledged sends and records processed: what anomaly rates are per.
    #[serde(default)]
    pub sends_ok: u64,
    #[serde(default)]
    pub records_processed: u64,
    pub wall_ms: u64,
    pub simulated_ms: u64,
}

/// The preset name used when a scenario names none (as the run folder does).
pub(crate) use logjam_harness::scenario::NO_PRESET;

impl RunSummary {
    pub fn new(
        scenario: &str,
        preset: &str,
        seed: u64,
        result: &CheckResult,
        wall_ms: u64,
        simulated_ms: u64,
    ) -> Self {
        Self {
            scenario: scenario.to_string(),
            preset: preset.to_string(),
            seed,
            valid: result.valid,
            broken: result
                .broken()
                .map(|p| p.name.as_str().to_string())
                .collect(),
            counts: result.counts.clone(),
            allowed: result.allowed.clone(),
            exercised: result.stats.exercised(),
            ops: result.stats.ops,
            sends_ok: result.stats.sends_ok,
            records_processed: result.stats.records_processed,
            wall_ms,
            simulated_ms,
        }
    }

    /// Runs are identified by (scenario, preset, seed): the run folder's path.
    pub fn key(&self) -> (String, String, u64) {
        (self.scenario.clone(), self.preset.clone(), self.seed)
    }

    /// From a run folder's run.json + result.json. The wall time is not kept
    /// in a run folder (it would break byte-for-byte replay), so it is 0.
    pub fn from_run_dir(dir: &Path) -> Result<Self, ReportError> {
        let meta = read_run_meta(dir).map_err(|message| ReportError::Json {
            path: dir.join("run.json"),
            line: None,
            message,
        })?;
        let result = read_result(dir)?;
        Ok(Self::new(
            &meta.scenario,
            meta.preset.as_deref().unwrap_or(NO_PRESET),
            meta.seed,
            &result,
            0,
            meta.simulated_ms,
        ))
    }

    /// Anomalies of `kind` the configuration does not allow: a broken promise.
    pub fn unallowed(&self, kind: AnomalyKind) -> u64 {
        let found = self.counts.get(&kind).copied().unwrap_or(0);
        found.saturating_sub(self.allowed.get(&kind).copied().unwrap_or(0))
    }
}

/// A `results.jsonl` line for a run whose simulation failed: no verdict, the
/// error instead, so a sweep surfaces the failure and `--resume` knows the run
/// was tried (runs are deterministic: it would fail again).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RunFailure {
    pub scenario: String,
    pub preset: String,
    pub seed: u64,
    pub error: String,
    pub wall_ms: u64,
}

/// One line of a sweep's `results.jsonl`: a run's summary, or a failed run.
#[derive(Clone, Debug, PartialEq)]
pub enum ResultLine {
    Run(RunSummary),
    Failed(RunFailure),
}

impl ResultLine {
    /// Parse a line; a line that is neither gets the summary's parse error.
    pub fn parse(line: &str) -> Result<Self, serde_json::Error> {
        match serde_json::from_str::<RunSummary>(line) {
            Ok(s) => Ok(Self::Run(s)),
            Err(e) => serde_json::from_str::<RunFailure>(line)
                .map(Self::Failed)
                .map_err(|_| e),
        }
    }

    /// The line as written, newline included.
    pub fn to_line(&self) -> String {
        let json = match self {
            Self::Run(s) => serde_json::to_string(s),
            Self::Failed(f) => serde_json::to_string(f),
        };
        json.expect("plain data serializes") + "\n"
    }

    /// (scenario, preset, seed), as [`RunSummary::key`].
    pub fn key(&self) -> (String, String, u64) {
        match self {
            Self::Run(s) => s.key(),
            Self::Failed(f) => (f.scenario.clone(), f.preset.clone(), f.seed),
        }
    }
}

/// A run folder's `result.json`.
pub(crate) fn read_result(dir: &Path) -> Result<CheckResult, ReportError> {
    let path = dir.join("result.json");
    let text = fs::read_to_string(&path).map_err(|e| ReportError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| ReportError::json(&path, None, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines_are_summaries_or_failures() {
        let run = r#"{"scenario":"s","preset":"p","seed":1,"valid":true,"broken":[],"counts":{},"ops":10,"wall_ms":5,"simulated_ms":100}"#;
        let line = ResultLine::parse(run).expect("a summary");
        assert!(matches!(&line, ResultLine::Run(s) if s.seed == 1));
        assert_eq!(line.key(), ("s".into(), "p".into(), 1));

        let failed = ResultLine::Failed(RunFailure {
            scenario: "s".into(),
            preset: "p".into(),
            seed: 2,
            error: "simulation failed: boom".into(),
            wall_ms: 3,
        });
        let text = failed.to_line();
        assert!(text.ends_with('\n') && text.contains("\"error\""), "{text}");
        assert_eq!(ResultLine::parse(text.trim_end()).unwrap(), failed);

        let err = ResultLine::parse(r#"{"scenario":"s"}"#).unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
