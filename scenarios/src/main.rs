//! `logjam`: run scenarios under faults, replay a run byte for byte, check any
//! history, list what there is. This file parses the command line and hands
//! it to the command's module in `commands/`; `commands/exit.rs` says what
//! the exit status means (0 nothing broken, 1 a promise broken, 2 bad usage
//! or bad input, 3 a replay differed, 4 anomalies found with nothing
//! promised, 5 nothing exercised, 6 a simulation failed, 130 interrupted).
mod commands;

use clap::{Parser, Subcommand};
use commands::exit::{exit_code, CliError, ExitStatus};
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

#[derive(Subcommand)]
enum Command {
    /// Run scenarios (default: a small built-in set) over one or more seeds.
    Run(commands::run::RunCommand),
    /// Rerun a run exactly (from its folder, or scenario + seed) and compare histories.
    Replay(commands::replay::ReplayCommand),
    /// Check any history file (HISTORY.md format).
    Check(commands::check::CheckCommand),
    /// A long randomized sweep over scenarios × presets × seeds on every core.
    Chaos(commands::chaos::ChaosCommand),
    /// Minimize a failing run's fault schedule: fewest faults, earliest times,
    /// shortest run, still failing the same way.
    Shrink(commands::shrink::ShrinkCommand),
    /// Rebuild the HTML pages of run folders and sweeps (`results.jsonl`),
    /// merging shards: a `report.html` in every run folder and one index.
    Report(commands::report::ReportCommand),
    /// List scenarios, presets and fault kinds.
    List(commands::list::ListCommand),
}

impl Command {
    fn run(self) -> Result<ExitStatus, CliError> {
        match self {
            Command::Run(c) => c.run(),
            Command::Replay(c) => c.run(),
            Command::Check(c) => c.run(),
            Command::Chaos(c) => c.run(),
            Command::Shrink(c) => c.run(),
            Command::Report(c) => c.run(),
            Command::List(c) => c.run(),
        }
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
    exit_code(Cli::parse().command.run())
}
