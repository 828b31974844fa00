//! `logjam run`: run scenarios (default: a small built-in set) over seeds,
//! write each run's folder and page and the index, print a row per run.
use super::exit::{CliError, ExitStatus};
use super::format::Format;
use super::pages::write_index_over;
use logjam_harness::nemesis::schedule::{load_schedule, Schedule};
use logjam_harness::run::{run_with_progress, FaultTally};
use logjam_harness::run_folder::{run_dir, run_dir_with_faults, write_run_folder};
use logjam_harness::scenario::Scenario;
use logjam_scenarios::progress::SimulatedTime;
use logjam_scenarios::summary::{print_table, RunRow};
use logjam_scenarios::{catalogue, load, seeds};
use std::ops::Range;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RunCommand {
    /// A catalogue scenario by name (repeatable); see `logjam list`.
    #[arg(long)]
    scenario: Vec<String>,
    /// A scenario TOML file.
    #[arg(long, conflicts_with = "scenario")]
    file: Option<PathBuf>,
    /// One seed.
    #[arg(long, conflicts_with = "seeds", value_parser = seeds::parse_one_seed)]
    seed: Option<Range<u64>>,
    /// Seeds: N (0..N), A..B (end exclusive) or A..=B. Default 0..5.
    #[arg(long, value_parser = seeds::parse_seed_range)]
    seeds: Option<Range<u64>>,
    /// A fault schedule replacing the scenario's faults: a JSON array of
    /// entries, a JSON object {"duration_ms": N, "faults": [...]} that also
    /// sets the fault window, or TOML with [[fault]] tables. The run gets a
    /// folder of its own (`<seed>-faults-<hash>`), beside the original run.
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Where run folders go.
    #[arg(long, default_value = "logjam-store")]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Show each run's simulated time on stderr from its start, terminal or
    /// not (on a terminal it shows anyway once a run takes a few seconds).
    #[arg(long)]
    progress: bool,
}

impl RunCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let out = &self.out;
        let mut scenarios: Vec<Scenario> = match &self.file {
            Some(f) => vec![load::load_scenario_file(f)?],
            None if self.scenario.is_empty() => catalogue::DEFAULT_SET
                .iter()
                .map(|n| catalogue::lookup(n))
                .collect::<Result<_, _>>()?,
            None => self
                .scenario
                .iter()
                .map(|n| catalogue::lookup(n))
                .collect::<Result<_, _>>()?,
        };
        let schedule: Option<Schedule> = self.faults.map(|f| load_schedule(&f)).transpose()?;
        // A schedule found in a shorter fault window (`logjam shrink`) replays in it.
        if let Some(d) = schedule.as_ref().and_then(|s| s.duration_ms) {
            scenarios.iter_mut().for_each(|s| s.duration_ms = d);
        }
        let faults = schedule.map(|s| s.faults);
        let seeds = self.seed.or(self.seeds).unwrap_or(0..5);
        let mut rows = Vec::new();
        let mut new_dirs = Vec::new();
        let mut tally = FaultTally::default();
        for scenario in &scenarios {
            for seed in seeds.clone() {
                let mut progress =
                    SimulatedTime::new(format!("{} seed {seed}", scenario.name), self.progress);
                let output =
                    run_with_progress(scenario, seed, faults.clone(), &mut |ms, total| {
                        progress.update(ms, total)
                    })?;
                progress.finish();
                tally.scheduled += output.fault_tally.scheduled;
                tally.not_fired += output.fault_tally.not_fired;
                let dir = match &faults {
                    Some(f) => run_dir_with_faults(out, scenario, seed, f),
                    None => run_dir(out, scenario, seed),
                };
                write_run_folder(&dir, scenario, &output)?;
                logjam_reports::write_run_report(&dir)?;
                let shown = std::path::absolute(&dir).unwrap_or_else(|_| dir.clone());
                rows.push(RunRow {
                    semantics: logjam_harness::semantics::semantics_of_workload(
                        &scenario.cluster,
                        &scenario.workload,
                    ),
                    scenario: scenario.name.clone(),
                    preset: scenario.preset_label().to_string(),
                    seed,
                    result: output.result,
                    dir: shown.display().to_string(),
                });
                new_dirs.push(dir);
            }
        }
        if self.format == Format::Json {
            let json: Vec<_> = rows
                .iter()
                .map(|r| serde_json::json!({"scenario": r.scenario, "preset": r.preset, "seed": r.seed, "dir": r.dir, "result": r.result}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&json)?);
        } else {
            print_table(&rows);
            if tally.not_fired > 0 {
                println!(
                    "{} of {} scheduled faults did not fire (their target had no holder then; see faults.jsonl)",
                    tally.not_fired, tally.scheduled
                );
            }
            println!("run folders under {}", out.join("runs").display());
        }
        // Every run folder under `out` goes into the index, earlier
        // invocations too; only this invocation's pages are rendered.
        let index = write_index_over(
            out,
            &[out.join("runs")],
            "logjam run (see each run's replay command)",
        )?;
        if self.format == Format::Text {
            println!("report: {}", index.display());
        }
        Ok(ExitStatus::kept_if(
            !rows.iter().any(|r| r.result.valid == Some(false)),
        ))
    }
}
