//! `logjam`: run scenarios under faults, replay a run byte for byte, check any
//! history, list what there is. Exit status: 0 every promise kept, 1 a promise
//! broken, 2 bad usage or bad input.
use clap::{Parser, Subcommand, ValueEnum};
use logjam_harness::check::{self, CheckOptions, Semantics};
use logjam_harness::history::read_history_file;
use logjam_harness::nemesis::fault::{Fault, ScheduledFault};
use logjam_harness::nemesis::schedule::load_schedule;
use logjam_harness::run::run;
use logjam_harness::run_folder::{history_bytes, read_run_meta, run_dir, write_run_folder};
use logjam_harness::scenario::Scenario;
use logjam_harness::semantics::semantics_of;
use logjam_scenarios::summary::{print_table, RunRow};
use logjam_scenarios::{catalogue, load, presets, seeds};
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
        #[arg(long, conflicts_with = "seeds")]
        seed: Option<u64>,
        /// A seed range, A..B (end exclusive) or A..=B. Default 0..5.
        #[arg(long, value_parser = seeds::parse_seed_range)]
        seeds: Option<std::ops::Range<u64>>,
        /// A fault schedule (JSON, or TOML with [[fault]] tables) replacing the scenario's faults.
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
        /// A run folder written by `logjam run`.
        dir: Option<PathBuf>,
        #[arg(long, requires = "seed")]
        scenario: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
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
        } => cmd_run(
            scenario,
            file,
            seed.map(|s| s..s + 1).or(seeds),
            faults,
            &out,
            format,
        ),
        Command::Replay {
            dir,
            scenario,
            seed,
        } => cmd_replay(dir, scenario, seed),
        Command::Check {
            file,
            config,
            format,
        } => cmd_check(&file, config, format),
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
    match catalogue::scenario(name) {
        Some(s) => Ok(s?),
        None => {
            let known: Vec<&str> = catalogue::names().collect();
            Err(BadInput(format!(
                "unknown scenario {name:?}; known: {}",
                known.join(", ")
            )))
        }
    }
}

fn cmd_run(
    names: Vec<String>,
    file: Option<PathBuf>,
    seeds: Option<std::ops::Range<u64>>,
    faults: Option<PathBuf>,
    out: &Path,
    format: Format,
) -> Result<u8, BadInput> {
    let scenarios: Vec<Scenario> = match file {
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
    let schedule: Option<Vec<ScheduledFault>> = faults.map(|f| load_schedule(&f)).transpose()?;
    let seeds = seeds.unwrap_or(0..5);
    let mut rows = Vec::new();
    for scenario in &scenarios {
        for seed in seeds.clone() {
            let output = run(scenario, seed, schedule.clone())?;
            let dir = run_dir(out, scenario, seed);
            write_run_folder(&dir, scenario, &output)?;
            rows.push(RunRow {
                scenario: scenario.name.clone(),
                preset: scenario.preset.clone().unwrap_or_else(|| "custom".into()),
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
    Ok(if rows.iter().any(|r| r.result.valid == Some(false)) {
        1
    } else {
        0
    })
}

fn cmd_replay(
    dir: Option<PathBuf>,
    scenario: Option<String>,
    seed: Option<u64>,
) -> Result<u8, BadInput> {
    let (scenario, seed, schedule, recorded) = match (dir, scenario, seed) {
        (Some(dir), None, None) => {
            let meta = read_run_meta(&dir).map_err(BadInput)?;
            let path = dir.join("history.jsonl");
            let recorded =
                std::fs::read(&path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            (
                meta.resolved_scenario,
                meta.seed,
                Some(meta.schedule),
                Some(recorded),
            )
        }
        (None, Some(name), Some(seed)) => (catalogue_scenario(&name)?, seed, None, None),
        _ => {
            return Err(BadInput(
                "give a run folder, or --scenario NAME --seed N".into(),
            ))
        }
    };
    let output = run(&scenario, seed, schedule)?;
    let replayed = history_bytes(&output);
    match recorded {
        Some(recorded) if recorded == replayed => {
            println!(
                "replayed {} seed {}: history identical ({} bytes, {} ops)",
                scenario.name,
                seed,
                replayed.len(),
                output.history.ops.len()
            );
            Ok(0)
        }
        Some(recorded) => {
            let line = recorded
                .split(|&b| b == b'\n')
                .zip(replayed.split(|&b| b == b'\n'))
                .position(|(a, b)| a != b)
                .map_or(0, |l| l + 1);
            println!(
                "replayed {} seed {}: history DIFFERS from line {line}",
                scenario.name, seed
            );
            Ok(1)
        }
        None => {
            let first = run(&scenario, seed, None)?;
            let same = history_bytes(&first) == replayed;
            println!(
                "ran {} seed {} twice: histories {} ({} bytes)",
                scenario.name,
                seed,
                if same { "identical" } else { "DIFFER" },
                replayed.len()
            );
            Ok(if same { 0 } else { 1 })
        }
    }
}

fn semantics_from(config: &str) -> Result<Semantics, BadInput> {
    if presets::preset_table(config).is_some() {
        let text = format!("name = \"check\"\npreset = \"{config}\"\n[cluster]\n[[cluster.topics]]\nname = \"t\"\n");
        return Ok(semantics_of(
            &load::load_scenario_str(&text, &format!("preset {config}"))?.cluster,
        ));
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
    let result = check::check(
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
        println!(
            "  {:<24} {}\n  {:<24} promises: {}",
            p.name, p.description, "", p.promises
        );
    }
    println!("\nFault kinds (in schedules: {{\"at_ms\": N, \"fault\": {{\"kind\": KIND, ...}}}}):");
    for (kind, what) in Fault::KINDS {
        println!("  {kind:<24} {what}");
    }
}
