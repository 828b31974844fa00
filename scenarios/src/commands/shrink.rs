//! `logjam shrink`: minimize a failing run's fault schedule (fewest faults,
//! earliest times, shortest fault window, still failing the same way), write
//! it and the shrunk run's folder, and print the commands that reproduce it.
use super::exit::{CliError, ExitStatus};
use logjam_checker::AnomalyKind;
use logjam_harness::nemesis::schedule::Schedule;
use logjam_harness::run::{run, schedule_for};
use logjam_harness::run_folder::{run_dir, write_run_folder};
use logjam_harness::shrink::{shrink, Target};
use logjam_scenarios::load;
use logjam_scenarios::source::{Origin, RunArgs};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ShrinkCommand {
    #[command(flatten)]
    source: RunArgs,
    /// The anomaly kind to keep (default: what broke a promise, else the first found).
    #[arg(long)]
    anomaly: Option<String>,
    #[arg(long, default_value = "logjam-store/shrink")]
    out: PathBuf,
}

impl ShrinkCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let out = &self.out;
        let source = self.source.resolve()?;
        let (scenario, seed) = (&source.scenario, source.seed);
        let schedule = source
            .schedule
            .clone()
            .unwrap_or_else(|| schedule_for(scenario, seed));
        let original = run(scenario, seed, Some(schedule.clone()))?;
        let target = match self.anomaly {
            Some(name) => {
                let kind: AnomalyKind = name
                    .parse()
                    .map_err(|e| CliError::BadInput(format!("--anomaly: {e}")))?;
                if original
                    .result
                    .broken()
                    .any(|p| p.broken_by.contains_key(&kind))
                {
                    Target::Broken(kind)
                } else {
                    Target::Found(kind)
                }
            }
            None => Target::of(&original.result).ok_or_else(|| {
                CliError::BadInput(format!(
                    "{} seed {seed} shows no anomaly: nothing to shrink",
                    scenario.name
                ))
            })?,
        };
        if !target.holds(&original.result) {
            return Err(CliError::BadInput(format!(
                "{} seed {seed} does not show {target}",
                scenario.name
            )));
        }
        // Same name as the original, so that the replay commands below give the
        // shrunk run's history byte for byte; so it must not land on the original.
        let run_folder = run_dir(out, scenario, seed);
        if let Origin::Folder(original_dir) = &source.origin {
            let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
            if same(original_dir, &run_folder) {
                return Err(CliError::BadInput(format!(
                    "--out {}: the shrunk run would overwrite the run it shrinks ({}); choose another --out",
                    out.display(),
                    original_dir.display()
                )));
            }
        }
        let shrunk = shrink(scenario, seed, schedule, &target)?;
        // Shrinking keeps the faults in time order.
        let faults = &shrunk.schedule;
        let result = run(&shrunk.scenario, seed, Some(faults.clone()))?;
        write_run_folder(&run_folder, &shrunk.scenario, &result)?;
        let stem = format!("{}-{}-seed{seed}", scenario.name, scenario.preset_label());
        let schedule_file = out.join(format!("{stem}.json"));
        let saved = Schedule {
            duration_ms: Some(shrunk.scenario.duration_ms),
            faults: faults.clone(),
        };
        std::fs::write(&schedule_file, serde_json::to_string_pretty(&saved)? + "\n")?;
        let scenario_args = match source.run_args() {
            Some(args) => args,
            // No catalogue name for it: write the scenario out as a file.
            None => {
                let path = out.join(format!("{stem}.toml"));
                std::fs::write(&path, load::to_toml(scenario)?)?;
                format!("--file {}", path.display())
            }
        };
        println!(
            "{} seed {seed}, keeping {target}: {} faults → {}, fault window {} ms → {} ms, in {} runs",
            scenario.name,
            shrunk.original_faults,
            faults.len(),
            scenario.duration_ms,
            shrunk.scenario.duration_ms,
            shrunk.runs
        );
        for f in faults {
            println!(
                "  at {:>6} ms  {}",
                f.at_ms,
                serde_json::to_string(&f.fault)?
            );
        }
        println!(
            "schedule: {}\nreplay:   logjam replay {}\n      or: logjam run {scenario_args} --seed {seed} --faults {}",
            schedule_file.display(),
            run_folder.display(),
            schedule_file.display(),
        );
        Ok(ExitStatus::Kept)
    }
}
