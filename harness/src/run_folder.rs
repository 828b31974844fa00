//! The run folder (DESIGN.md): `run.json` (everything needed to replay), the
//! history, the faults as fired, each replica's log at the end, and the
//! checker's result.
use crate::nemesis::fault::ScheduledFault;
use crate::run::{FaultTally, RunOutput};
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

/// The folder of a run whose faults a schedule file replaced (`logjam run
/// --faults F`): beside the scenario's own run, never on it, named by a hash
/// of the schedule and its fault window, so each schedule keeps its folder:
/// `<root>/runs/<scenario>/<preset>/<seed>-faults-<hash>`.
pub fn run_dir_with_faults(
    root: &Path,
    scenario: &Scenario,
    seed: u64,
    schedule: &[ScheduledFault],
) -> PathBuf {
    let text =
        serde_json::to_string(&(scenario.duration_ms, schedule)).expect("a schedule serializes");
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    run_dir(root, scenario, seed).with_file_name(format!("{seed}-faults-{hash:08x}"))
}

pub fn write_run_folder(dir: &Path, scenario: &Scenario, out: &RunOutput) -> io::Result<RunMeta> {
    fs::create_dir_all(dir)?;
    let meta = RunMeta {
        scenario: scenario.name.clone(),
        preset: scenario.preset.clone(),
        seed: out.seed,
        logjam_version: env!("CARGO_PKG_VERSION").to_string(),
        // Absolute, so the command works from any folder.
        replay_command: format!(
            "logjam replay {}",
            std::path::absolute(dir)
                .unwrap_or_else(|_| dir.to_path_buf())
                .display()
        ),
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
    let mut events = BufWriter::new(fs::File::create(dir.join("events.jsonl"))?);
    events.write_all(&events_bytes(out))?;
    events.flush()?;
    let mut replicas = BufWriter::new(fs::File::create(dir.join("replicas.jsonl"))?);
    write_replicas(&out.replicas, &mut replicas)?;
    replicas.flush()?;
    write_json(
        &dir.join("result.json"),
        &ResultFile {
            result: &out.result,
            fault_tally: out.fault_tally,
        },
    )?;
    Ok(meta)
}

/// `result.json`: the checker's result, and how many of the schedule's
/// faults fired (a page banner says "2 of 12 faults did not fire").
#[derive(Serialize)]
struct ResultFile<'a> {
    #[serde(flatten)]
    result: &'a logjam_checker::CheckResult,
    fault_tally: FaultTally,
}

/// The fault tally a run folder's `result.json` holds (zero for folders
/// written before it was recorded).
pub fn read_fault_tally(dir: &Path) -> FaultTally {
    #[derive(Deserialize)]
    struct Tally {
        #[serde(default)]
        fault_tally: FaultTally,
    }
    fs::read_to_string(dir.join("result.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Tally>(&t).ok())
        .map_or_else(FaultTally::default, |t| t.fault_tally)
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

/// `events.jsonl` as a run writes it: one event per line (docs/EVENTS.md).
pub fn events_bytes(out: &RunOutput) -> Vec<u8> {
    let mut buf = Vec::new();
    for e in &out.events {
        serde_json::to_writer(&mut buf, e).expect("writing to memory");
        buf.push(b'\n');
    }
    buf
}

/// The history file's bytes as a run would write them (for replay comparison).
pub fn history_bytes(out: &RunOutput) -> Vec<u8> {
    let mut buf = Vec::new();
    write_jsonl(&out.history, &mut buf).expect("writing to memory");
    buf
}
