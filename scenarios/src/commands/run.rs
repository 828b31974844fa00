//! `logjam run`: run scenarios (default: a small built-in set) over seeds,
//! write each run's folder and page and the index, print a row per run.
use super::exit::{CliError, ExitStatus};
use super::format::Format;
use super::pages::write_pages;
use logjam_harness::nemesis::schedule::{load_schedule, Schedule};
use logjam_harness::run::run;
use logjam_harness::run_folder::{run_dir, write_run_folder};
use logjam_harness::scenario::Scenario;
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
    /// A seed range, A..B (end exclusive) or A..=B. Default 0..5.
    #[arg(long, value_parser = seeds::parse_seed_range)]
    seeds: Option<Range<u64>>,
    /// A fault schedule replacing the scenario's faults: a JSON array of
    /// entries, a JSON object {"duration_ms": N, "faults": [...]} that also
    /// sets the fault window, or TOML with [[fault]] tables.
    #[arg(long)]
    faults: Option<PathBuf>,
    /// Where run folders go.
    #[arg(long, default_value = "target/logjam")]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
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
        for scenario in &scenarios {
            for seed in seeds.clone() {
                let output = run(scenario, seed, faults.clone())?;
                let dir = run_dir(out, scenario, seed);
                write_run_folder(&dir, scenario, &output)?;
                logjam_reports::write_run_report(&dir)?;
                rows.push(RunRow {
                    semantics: logjam_harness::semantics::semantics_of_workload(
                        &scenario.cluster,
                        &scenario.workload,
                    ),
                    scenario: scenario.name.clone(),
                    preset: scenario.preset_label().to_string(),
                    seed,
                    result: output.result,
                    dir: dir.display().to_string(),
                });
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
            println!("run folders under {}", out.join("runs").display());
        }
        // Every run folder under `out` goes into the index, earlier invocations too.
        let index = write_pages(
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
