//! `logjam chaos`: parse the sweep's arguments into a plan, run it on every
//! core (Ctrl-C ends it cleanly), print the summaries and the command that
//! reproduces it, rerun the examples and write the index.
use super::exit::{CliError, ExitStatus, INTERRUPTED};
use logjam_scenarios::chaos::{self, Plan, Work};
use logjam_scenarios::{progress, seeds};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ChaosCommand {
    /// Catalogue scenarios to sweep (repeatable; default: the whole catalogue).
    #[arg(long)]
    scenario: Vec<String>,
    /// Presets to run each scenario with (repeatable; default: each scenario's own).
    #[arg(long)]
    preset: Vec<String>,
    /// Seeds per (scenario, preset): N (0..N), A..B or A..=B. Without it the
    /// sweep runs until --duration.
    #[arg(long, value_parser = seeds::parse_seed_range)]
    seeds: Option<Range<u64>>,
    /// Wall-clock budget, e.g. 60s, 10m (default 60s when no --seeds).
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    #[arg(long, default_value = "logjam-store/chaos")]
    out: PathBuf,
    /// Continue an interrupted sweep: skip runs already in results.jsonl.
    #[arg(long, conflicts_with = "fresh")]
    resume: bool,
    /// Start over: replace the results.jsonl already in --out.
    #[arg(long)]
    fresh: bool,
    /// Run only shard K of N (0-based), e.g. 2/8: N machines split a sweep.
    #[arg(long, value_parser = seeds::parse_shard)]
    shard: Option<(u64, u64)>,
    /// Worker threads (default: every core), at least 1.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=4096))]
    jobs: Option<u64>,
}

impl ChaosCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let combos = chaos::combos(&self.scenario, &self.preset)?;
        let duration = match (&self.seeds, self.duration) {
            (None, None) => Some(Duration::from_secs(60)),
            (_, d) => d,
        };
        let workers = self.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| n as usize,
        );
        let out = self.out.clone();
        let results = out.join(logjam_reports::RESULTS_FILE);
        // Never truncate a sweep's record by accident (issue 14).
        if results.is_file() && !self.resume && !self.fresh {
            return Err(CliError::BadInput(format!(
                "{} already holds a sweep's results: --resume to continue it, --fresh to \
                 replace it, or another --out",
                results.display()
            )));
        }
        let plan = Arc::new(Plan {
            work: Work {
                first_seed: self.seeds.as_ref().map_or(0, |r| r.start),
                seeds: self.seeds.as_ref().map(|r| r.end - r.start),
                shard: self.shard.unwrap_or((0, 1)),
            },
            combos,
            duration,
            workers,
            out: out.clone(),
            resume: self.resume,
        });
        let stop = Arc::new(AtomicBool::new(false));
        {
            let stop = stop.clone();
            // The first Ctrl-C ends the sweep cleanly: runs in progress finish and
            // the summary prints. A second one quits at once (results.jsonl keeps
            // every finished run; --resume repairs a line cut short).
            let _ = ctrlc::set_handler(move || {
                if stop.swap(true, Ordering::SeqCst) {
                    std::process::exit(i32::from(INTERRUPTED));
                }
                eprintln!("\nstopping after the runs in progress (Ctrl-C again to quit at once)");
            });
        }
        eprintln!(
            "chaos: {} scenario×preset combinations, {} workers, {}; results in {}",
            plan.combos.len(),
            workers,
            match (plan.work.seeds, plan.duration) {
                (Some(n), Some(d)) =>
                    format!("{n} seeds each, at most {}", humantime::format_duration(d)),
                (Some(n), None) => format!("{n} seeds each"),
                (None, Some(d)) => format!("for {}", humantime::format_duration(d)),
                (None, None) => unreachable!("a default duration is set above"),
            },
            out.join(logjam_reports::RESULTS_FILE).display()
        );
        let outcome = chaos::sweep(plan.clone(), stop.clone(), |remaining| {
            progress::bar(remaining, duration)
        })?;
        let secs = outcome.elapsed.as_secs_f64().max(1e-3);
        println!(
            "{}{} new runs in {:.1}s ({:.1} runs/s on {workers} workers)",
            if outcome.interrupted {
                "interrupted: "
            } else {
                ""
            },
            outcome.new_runs,
            secs,
            outcome.new_runs as f64 / secs
        );
        let total = outcome.results.len() + outcome.failures.len();
        let previous = total as u64 - outcome.new_runs;
        if previous > 0 {
            println!("{previous} runs were already in results.jsonl: {total} runs in all");
        }
        println!();
        print!("{}", chaos::failures_table(&outcome.failures));
        print!("{}", chaos::summary_table(&outcome.results));
        println!();
        print!("{}", chaos::first_appearance_table(&outcome.results));
        // A sweep bounded by time ran the seeds it had time for: name them.
        let seed_range = self.seeds.clone().unwrap_or_else(|| {
            let end = outcome
                .results
                .iter()
                .map(|r| r.seed)
                .chain(outcome.failures.iter().map(|f| f.seed))
                .max()
                .map_or(0, |s| s.saturating_add(1));
            plan.work.first_seed..end
        });
        let reproduce = self.reproduce_command(&seed_range);
        let broke_a_promise = outcome.results.iter().any(|r| r.valid == Some(false));
        let dirs = chaos::write_examples(&plan, &outcome.results, &stop)?;
        for dir in &dirs {
            logjam_reports::write_run_report(dir)?;
        }
        let failed = !outcome.failures.is_empty();
        let index = logjam_reports::write_index(
            &out,
            &logjam_reports::IndexInput {
                title: "logjam chaos".into(),
                reproduce_command: reproduce,
                runs: outcome.results,
                example_dirs: dirs,
            },
        )?;
        println!("\nreport: {}", index.display());
        Ok(if stop.load(Ordering::SeqCst) {
            ExitStatus::Interrupted
        } else if broke_a_promise {
            ExitStatus::Broken
        } else if failed {
            ExitStatus::SimulationFailed
        } else {
            ExitStatus::Kept
        })
    }

    /// The command that runs this sweep again over `seed_range`.
    fn reproduce_command(&self, seed_range: &Range<u64>) -> String {
        let mut reproduce = format!("logjam chaos --out {}", self.out.display());
        for s in &self.scenario {
            reproduce += &format!(" --scenario {s}");
        }
        for p in &self.preset {
            reproduce += &format!(" --preset {p}");
        }
        reproduce += &format!(" --seeds {}..{}", seed_range.start, seed_range.end);
        if let Some((k, n)) = self.shard {
            reproduce += &format!(" --shard {k}/{n}");
        }
        reproduce
    }
}
