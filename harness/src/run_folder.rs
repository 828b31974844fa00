//! The run folder (DESIGN.md): `run.json` (everything needed to replay), the
//! history, the faults as fired, each replica's log at the end, and the
//! checker's result.
use crate::nemesis::fault::ScheduledFault;
use crate::run::RunOutput;
use crate::scenario::Scenario;
use logjam_checker::history::write_jsonl;
use logjam_checker::replicas::write_replicas;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunMeta {
    pub scenario: String,
    pub preset: Option<String>,
    pub seed: u64,
    pub logjam_version: String,
    /// The command that reproduces this run byte for byte.
    pub replay_command: String,
    pub steps: u64,
    pub simulated_ms: u64,
    pub final_reads_complete: bool,
    /// The fully resolved scenario and schedule, so replay needs nothing else.
    pub resolved_scenario: Scenario,
    pub schedule: Vec<ScheduledFault>,
}

/// `<root>/runs/<scenario>/<preset>/<seed>`.
pub fn run_dir(root: &Path, scenario: &Scenario, seed: u64) -> PathBuf {
    root.join("runs")
        .join(&scenario.name)
        .join(scenario.preset_label())
        .join(seed.to_string())
}

pub fn write_run_folder(dir: &Path, scenario: &Scenario, out: &RunOutput) -> io::Result<RunMeta> {
    fs::create_dir_all(dir)?;
    let meta = RunMeta {
        scenario: scenario.name.clone(),
        preset: scenario.preset.clone(),
        seed: out.seed,
        logjam_version: env!("CARGO_PKG_VERSION").to_string(),
        replay_command: format!("logjam replay {}", dir.display()),
        steps: out.steps,
        simulated_ms: out.simulated_ms,
        final_reads_complete: out.final_reads_complete,
        resolved_scenario: scenario.clone(),
        schedule: out.schedule.clone(),
    };
    write_json(&dir.join("run.json"), &meta)?;
    let mut history = BufWriter::new(fs::File::create(dir.join("history.jsonl"))?);
    write_jsonl(&out.history, &mut history)?;
    history.flush()?;
    let mut faults = BufWriter::new(fs::File::create(dir.join("faults.jsonl"))?);
    for f in &out.faults {
        serde_json::to_writer(&mut faults, f)?;
        faults.write_all(b"\n")?;
    }
    faults.flush()?;
    let mut replicas = BufWriter::new(fs::File::create(dir.join("replicas.jsonl"))?);
    write_replicas(&out.replicas, &mut replicas)?;
    replicas.flush()?;
    write_json(&dir.join("result.json"), &out.result)?;
    Ok(meta)
}

pub fn read_run_meta(dir: &Path) -> Result<RunMeta, String> {
    let path = dir.join("run.json");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: line {}: {e}", path.display(), e.line()))
}

fn write_json(path: &Path, value: &impl Serialize) -> io::Result<()> {
    let mut f = BufWriter::new(fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut f, value)?;
    f.write_all(b"\n")?;
    f.flush()
}

/// The history file's bytes as a run would write them (for replay comparison).
pub fn history_bytes(out: &RunOutput) -> Vec<u8> {
    let mut buf = Vec::new();
    write_jsonl(&out.history, &mut buf).expect("writing to memory");
    buf
}
