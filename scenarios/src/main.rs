//! `logjam`: run scenarios under faults, replay a run byte for byte, check any
//! history, list what there is. Exit status: 0 every promise kept, 1 a promise
//! broken, 2 bad usage or bad input.
use clap::{Parser, Subcommand, ValueEnum};
use logjam_checker::history::read_history_file;
use logjam_checker::{check, CheckOptions, PromiseName, Semantics};
use logjam_harness::nemesis::fault::FaultTag;
use logjam_harness::nemesis::schedule::{load_schedule, Schedule};
use logjam_harness::run::run;
use logjam_harness::run_folder::{history_bytes, run_dir, write_run_folder};
use logjam_harness::scenario::Scenario;
use logjam_harness::semantics::semantics_of;
use logjam_scenarios::source::{Origin, RunArgs, RunSource};
use logjam_scenarios::summary::{print_table, RunRow};
use logjam_scenarios::{catalogue, compare, load, presets, progress, seeds};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "logjam",
    version,
    about = "Can this Kafka configuration lose, duplicate or reorder messages under these faults? Run it and see."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios (default: a small built-in set) over one or more seeds.
    Run {
        /// A catalogue scenario by name (repeatable); see `logjam list`.
        #[arg(long)]
        scenario: Vec<String>,
        /// A scenario TOML file.
        #[arg(long, conflicts_with = "scenario")]
        file: Option<PathBuf>,
        /// One seed.
        #[arg(long, conflicts_with = "seeds", value_parser = seeds::parse_one_seed)]
        seed: Option<std::ops::Range<u64>>,
        /// A seed range, A..B (end exclusive) or A..=B. Default 0..5.
        #[arg(long, value_parser = seeds::parse_seed_range)]
        seeds: Option<std::ops::Range<u64>>,
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
    },
    /// Rerun a run exactly (from its folder, or scenario + seed) and compare histories.
    Replay {
        #[command(flatten)]
        source: RunArgs,
    },
    /// Check any history file (HISTORY.md format).
    Check {
        file: PathBuf,
        /// The configuration whose promises apply: a preset name, a scenario TOML
        /// file, or a JSON/TOML file of checker semantics. Default: anomalies only.
        #[arg(long)]
        config: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// A long randomized sweep over scenarios × presets × seeds on every core.
    Chaos {
        /// Catalogue scenarios to sweep (repeatable; default: the whole catalogue).
        #[arg(long)]
        scenario: Vec<String>,
        /// Presets to run each scenario with (repeatable; default: each scenario's own).
        #[arg(long)]
        preset: Vec<String>,
        /// Seeds per (scenario, preset), A..B. Without it the sweep runs until --duration.
        #[arg(long, value_parser = seeds::parse_seed_range)]
        seeds: Option<std::ops::Range<u64>>,
        /// Wall-clock budget, e.g. 60s, 10m (default 60s when no --seeds).
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<std::time::Duration>,
        #[arg(long, default_value = "target/logjam/chaos")]
        out: PathBuf,
        /// Continue an interrupted sweep: skip runs already in results.jsonl.
        #[arg(long)]
        resume: bool,
        /// Run only shard K of N (0-based), e.g. 2/8: N machines split a sweep.
        #[arg(long, value_parser = seeds::parse_shard)]
        shard: Option<(u64, u64)>,
        /// Worker threads (default: every core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Minimize a failing run's fault schedule: fewest faults, earliest times,
    /// shortest run, still failing the same way.
    Shrink {
        #[command(flatten)]
        source: RunArgs,
        /// The anomaly kind to keep (default: what broke a promise, else the first found).
        #[arg(long)]
        anomaly: Option<String>,
        #[arg(long, default_value = "target/logjam/shrink")]
        out: PathBuf,
    },
    /// Rebuild the HTML pages of run folders and sweeps (`results.jsonl`),
    /// merging shards: a `report.html` in every run folder and one index.
    Report {
        /// Run folders, `logjam run --out` or `logjam chaos --out` folders,
        /// shard folders: searched recursively.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where `index.html` goes (default: the first DIR).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List scenarios, presets and fault kinds.
    List,
}

/// A failure that is the user's input, not a verdict: exit status 2.
struct BadInput(String);

impl<E: std::fmt::Display> From<E> for BadInput {
    fn from(e: E) -> Self {
        BadInput(e.to_string())
    }
}

fn main() -> ExitCode {
    // Behave like other Unix tools when the reader goes away (`logjam list | head`):
    // end quietly instead of panicking on a failed print.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any other code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            file,
            seed,
            seeds,
            faults,
            out,
            format,
        } => cmd_run(scenario, file, seed.or(seeds), faults, &out, format),
        Command::Replay { source } => cmd_replay(&source),
        Command::Check {
            file,
            config,
            format,
        } => cmd_check(&file, config, format),
        Command::Chaos {
            scenario,
            preset,
            seeds,
            duration,
            out,
            resume,
            shard,
            jobs,
        } => cmd_chaos(scenario, preset, seeds, duration, out, resume, shard, jobs),
        Command::Shrink {
            source,
            anomaly,
            out,
        } => cmd_shrink(&source, anomaly, &out),
        Command::Report { dirs, out } => cmd_report(&dirs, out),
        Command::List => {
            cmd_list();
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn catalogue_scenario(name: &str) -> Result<Scenario, BadInput> {
    catalogue::lookup(name).map_err(BadInput)
}

fn cmd_run(
    names: Vec<String>,
    file: Option<PathBuf>,
    seeds: Option<std::ops::Range<u64>>,
    faults: Option<PathBuf>,
    out: &Path,
    format: Format,
) -> Result<u8, BadInput> {
    let mut scenarios: Vec<Scenario> = match file {
        Some(f) => vec![load::load_scenario_file(&f)?],
        None if names.is_empty() => catalogue::DEFAULT_SET
            .iter()
            .map(|n| catalogue_scenario(n))
            .collect::<Result<_, _>>()?,
        None => names
            .iter()
            .map(|n| catalogue_scenario(n))
            .collect::<Result<_, _>>()?,
    };
    let schedule: Option<Schedule> = faults.map(|f| load_schedule(&f)).transpose()?;
    // A schedule found in a shorter fault window (`logjam shrink`) replays in it.
    if let Some(d) = schedule.as_ref().and_then(|s| s.duration_ms) {
        scenarios.iter_mut().for_each(|s| s.duration_ms = d);
    }
    let faults = schedule.map(|s| s.faults);
    let seeds = seeds.unwrap_or(0..5);
    let mut rows = Vec::new();
    for scenario in &scenarios {
        for seed in seeds.clone() {
            let output = run(scenario, seed, faults.clone())?;
            let dir = run_dir(out, scenario, seed);
            write_run_folder(&dir, scenario, &output)?;
            logjam_reports::write_run_report(&dir)?;
            rows.push(RunRow {
                scenario: scenario.name.clone(),
                preset: scenario.preset_label().to_string(),
                seed,
                result: output.result,
                dir: dir.display().to_string(),
            });
        }
    }
    if format == Format::Json {
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
    if format == Format::Text {
        println!("report: {}", index.display());
    }
    Ok(if rows.iter().any(|r| r.result.valid == Some(false)) {
        1
    } else {
        0
    })
}

fn cmd_replay(args: &RunArgs) -> Result<u8, BadInput> {
    let RunSource {
        origin,
        scenario,
        seed,
        schedule,
    } = args.resolve().map_err(BadInput)?;
    let replayed = run(&scenario, seed, schedule)?;
    let replayed_bytes = history_bytes(&replayed);
    let (recorded, what) = match &origin {
        Origin::Folder(dir) => {
            let path = dir.join("history.jsonl");
            let recorded =
                std::fs::read(&path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            (recorded, format!("replayed {} seed {seed}", scenario.name))
        }
        // Nothing recorded: run it a second time and compare the two.
        _ => (
            history_bytes(&run(&scenario, seed, None)?),
            format!("ran {} seed {seed} twice", scenario.name),
        ),
    };
    match compare::first_difference(&recorded, &replayed_bytes) {
        None => {
            println!(
                "{what}: history identical ({} bytes, {} ops)",
                replayed_bytes.len(),
                replayed.history.ops.len()
            );
            Ok(0)
        }
        Some(difference) => {
            println!("{what}: history DIFFERS: {difference}");
            Ok(1)
        }
    }
}

fn semantics_from(config: &str) -> Result<Semantics, BadInput> {
    if let Some(semantics) = presets::preset_semantics(config) {
        return Ok(semantics?);
    }
    let path = Path::new(config);
    let text = std::fs::read_to_string(path).map_err(|e| {
        BadInput(format!(
            "--config {config}: not a preset and not a readable file ({e})"
        ))
    })?;
    if config.ends_with(".json") {
        return serde_json::from_str(&text).map_err(|e| BadInput(format!("{config}: {e}")));
    }
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| BadInput(format!("{config}: {e}")))?;
    if table.contains_key("cluster") {
        Ok(semantics_of(
            &load::load_scenario_str(&text, config)?.cluster,
        ))
    } else {
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| BadInput(format!("{config}: {}", e.message())))
    }
}

fn cmd_check(file: &Path, config: Option<String>, format: Format) -> Result<u8, BadInput> {
    let semantics = config.as_deref().map(semantics_from).transpose()?;
    let history =
        read_history_file(file).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let result = check(
        &history,
        &CheckOptions {
            semantics,
            faults: None,
        },
    );
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "{}: {} ops, {} sends ok, {} info, {} failed",
            file.display(),
            result.stats.ops,
            result.stats.sends_ok,
            result.stats.sends_info,
            result.stats.sends_fail
        );
        for p in &result.promises {
            println!(
                "  {} {} ({})",
                if p.kept { "kept  " } else { "BROKEN" },
                p.name,
                p.reason
            );
        }
        for (kind, list) in &result.anomalies {
            println!("  {kind}: {}", list.len());
            for a in list.iter().take(3) {
                println!("    {}", a.explanation);
            }
        }
        if result.counts.is_empty() {
            println!("  no anomalies");
        }
    }
    Ok(result.exit_code() as u8)
}

/// The exit status of a command interrupted by Ctrl-C (128 + SIGINT).
const INTERRUPTED: u8 = 130;

#[allow(clippy::too_many_arguments)]
fn cmd_chaos(
    scenarios: Vec<String>,
    presets: Vec<String>,
    seeds: Option<std::ops::Range<u64>>,
    duration: Option<std::time::Duration>,
    out: PathBuf,
    resume: bool,
    shard: Option<(u64, u64)>,
    jobs: Option<usize>,
) -> Result<u8, BadInput> {
    use logjam_scenarios::chaos;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let combos = chaos::combos(&scenarios, &presets).map_err(BadInput)?;
    let duration = match (&seeds, duration) {
        (None, None) => Some(std::time::Duration::from_secs(60)),
        (_, d) => d,
    };
    let workers =
        jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let plan = Arc::new(chaos::Plan {
        work: chaos::Work {
            first_seed: seeds.as_ref().map_or(0, |r| r.start),
            seeds: seeds.as_ref().map(|r| r.end - r.start),
            shard: shard.unwrap_or((0, 1)),
        },
        combos,
        duration,
        workers,
        out: out.clone(),
        resume,
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
    let seed_range = seeds.clone().unwrap_or_else(|| {
        let end = outcome
            .results
            .iter()
            .map(|r| r.seed)
            .chain(outcome.failures.iter().map(|f| f.seed))
            .max()
            .map_or(0, |s| s.saturating_add(1));
        plan.work.first_seed..end
    });
    let mut reproduce = format!("logjam chaos --out {}", out.display());
    for s in &scenarios {
        reproduce += &format!(" --scenario {s}");
    }
    for p in &presets {
        reproduce += &format!(" --preset {p}");
    }
    reproduce += &format!(" --seeds {}..{}", seed_range.start, seed_range.end);
    if let Some((k, n)) = shard {
        reproduce += &format!(" --shard {k}/{n}");
    }
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
        INTERRUPTED
    } else {
        u8::from(broke_a_promise || failed)
    })
}

fn cmd_shrink(args: &RunArgs, anomaly: Option<String>, out: &Path) -> Result<u8, BadInput> {
    use logjam_checker::AnomalyKind;
    use logjam_harness::run::schedule_for;
    use logjam_harness::shrink::{shrink, Target};
    let source = args.resolve().map_err(BadInput)?;
    let (scenario, seed) = (&source.scenario, source.seed);
    let schedule = source
        .schedule
        .clone()
        .unwrap_or_else(|| schedule_for(scenario, seed));
    let original = run(scenario, seed, Some(schedule.clone()))?;
    let target = match anomaly {
        Some(name) => {
            let kind: AnomalyKind = name
                .parse()
                .map_err(|e| BadInput(format!("--anomaly: {e}")))?;
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
            BadInput(format!(
                "{} seed {seed} shows no anomaly: nothing to shrink",
                scenario.name
            ))
        })?,
    };
    if !target.holds(&original.result) {
        return Err(BadInput(format!(
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
            return Err(BadInput(format!(
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
            std::fs::write(&path, load::to_toml(scenario).map_err(BadInput)?)?;
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
    Ok(0)
}

/// Rebuild the pages of every run and sweep under `roots` and the index over
/// them in `out`; returns the index's path.
fn write_pages(out: &Path, roots: &[PathBuf], reproduce: &str) -> Result<PathBuf, BadInput> {
    let (runs, dirs) = logjam_reports::collect(roots)?;
    for dir in &dirs {
        logjam_reports::write_run_report(dir)?;
    }
    let input = logjam_reports::IndexInput {
        title: "logjam".into(),
        reproduce_command: reproduce.to_string(),
        runs,
        example_dirs: dirs,
    };
    Ok(logjam_reports::write_index(out, &input)?)
}

fn cmd_report(dirs: &[PathBuf], out: Option<PathBuf>) -> Result<u8, BadInput> {
    let out = out.unwrap_or_else(|| dirs[0].clone());
    let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    let index = write_pages(&out, dirs, &format!("logjam report {}", listed.join(" ")))?;
    println!("{}", index.display());
    Ok(0)
}

fn cmd_list() {
    println!("Scenarios (logjam run --scenario NAME):");
    for name in catalogue::names() {
        match catalogue::scenario(name) {
            Some(Ok(s)) => println!(
                "  {name:<28} {}",
                s.description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            _ => println!("  {name:<28} (does not load)"),
        }
    }
    println!("\nPresets (preset = \"NAME\" in a scenario file):");
    for p in presets::presets() {
        println!("  {:<24} {}", p.name, p.description);
        let listed = |names: &[PromiseName]| {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        };
        match presets::promised(&p.name) {
            Some(Ok((crashes, power_loss))) => {
                println!(
                    "  {:<24} promises under partitions, crashes, pauses: {}",
                    "",
                    listed(&crashes)
                );
                if power_loss != crashes {
                    println!(
                        "  {:<24} ... and with power loss: {}",
                        "",
                        listed(&power_loss)
                    );
                }
            }
            _ => println!("  {:<24} (does not load)", ""),
        }
    }
    println!("\nFault kinds (schedule entries {{\"at_ms\": N, \"fault\": {{\"kind\": KIND, ...}}}}, each with an example fault):");
    for tag in FaultTag::all() {
        let example = serde_json::to_string(&tag.example()).expect("a fault serializes");
        println!("  {:<24} {}", tag.as_str(), tag.description());
        println!("  {:<24} {example}", "");
    }
}
