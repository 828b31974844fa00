//! `logjam check`: check any history file (HISTORY.md format), optionally
//! against a configuration's promises.
use super::exit::{CliError, ExitStatus};
use super::format::Format;
use logjam_checker::history::{read_edn_table_file, read_table_file};
use logjam_checker::replicas::read_replicas;
use logjam_checker::{check_with_replicas, CheckOptions, JepsenOptions};
use logjam_reports::findings::headline;
use logjam_scenarios::promised::semantics_from;
use logjam_scenarios::terminal::escape;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CheckCommand {
    file: PathBuf,
    /// The configuration whose promises apply: a preset name, a scenario TOML
    /// file, or a JSON/TOML file of checker semantics. Default: anomalies only.
    #[arg(long)]
    config: Option<String>,
    /// An end-of-run replica dump (`replicas.jsonl` in a run folder) to
    /// judge replica divergence too.
    #[arg(long)]
    replicas: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also judge validity as Jepsen's Kafka checker does (docs/JEPSEN.md):
    /// valid when none of Jepsen's "bad" kinds was found.
    #[arg(long)]
    jepsen: bool,
    /// With --jepsen: consumers subscribed (Jepsen's `:sub-via :subscribe`),
    /// so poll-skip and nonmonotonic-poll are allowed. A history with a
    /// `subscribe` op counts as such anyway.
    #[arg(long, requires = "jepsen")]
    subscribe: bool,
    /// With --jepsen: write-write edges are inferred from the version order
    /// (Jepsen's `:ww-deps`): the cycle search then finds G0, and G1c cycles
    /// are allowed (by Jepsen's verdict and by logjam's promises).
    #[arg(long, requires = "jepsen")]
    ww_deps: bool,
    /// How FILE is written: JSON Lines (HISTORY.md) or a Jepsen store's
    /// `history.edn`. Default: by extension (`.edn` is EDN, anything else JSONL).
    #[arg(long, value_enum)]
    history_format: Option<HistoryFormat>,
}

/// The history file formats `check` reads.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum HistoryFormat {
    Jsonl,
    Edn,
}

impl CheckCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let file = &self.file;
        let semantics = self.config.as_deref().map(semantics_from).transpose()?;
        let by_extension = if file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("edn"))
        {
            HistoryFormat::Edn
        } else {
            HistoryFormat::Jsonl
        };
        // Read straight into the checker's compact form (issue 13, "Speed").
        let history = match self.history_format.unwrap_or(by_extension) {
            HistoryFormat::Jsonl => read_table_file(file),
            HistoryFormat::Edn => read_edn_table_file(file),
        }
        .map_err(|e| CliError::BadInput(format!("{}: {e}", file.display())))?;
        let replicas = match &self.replicas {
            None => Vec::new(),
            Some(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
                read_replicas(std::io::BufReader::new(file))
                    .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?
            }
        };
        let result = check_with_replicas(
            &history,
            &replicas,
            &CheckOptions {
                semantics: semantics.clone(),
                faults: None,
                jepsen: self.jepsen.then_some(JepsenOptions {
                    subscribe: self.subscribe,
                    ww_deps: self.ww_deps,
                }),
            },
        );
        if self.format == Format::Json {
            println!("{}", serde_json::to_string_pretty(&result)?);
        } else {
            println!(
                "{}: {} ops, {} sends ok, {} info, {} failed",
                escape(&file.display().to_string()),
                result.stats.ops,
                result.stats.sends_ok,
                result.stats.sends_info,
                result.stats.sends_fail
            );
            // Led by the answer, worded as `logjam run`'s table and the run
            // page word it (`logjam_reports::findings`).
            let h = headline(&result, semantics.as_ref());
            println!("  {} | {}", h.found(), h.verdict());
            for (name, reason) in h.broken_promises() {
                println!("  breaks {name}, promised by {reason}");
            }
            for reason in h.not_promised_reasons() {
                println!("  not promised by {reason}");
            }
            if result.nothing_exercised() {
                println!(
                    "  nothing exercised: no operation could have broken a promise (no \
                     acknowledged send read back, no polls, no processing), so none is kept"
                );
            }
            for (label, kept, exercised) in [
                ("promises kept", true, true),
                ("promises not exercised", true, false),
            ] {
                let names: Vec<&str> = result
                    .promises
                    .iter()
                    .filter(|p| p.kept == kept && p.exercised == exercised)
                    .map(|p| p.name.as_str())
                    .collect();
                if !names.is_empty() {
                    println!("  {label}: {}", names.join(", "));
                }
            }
            for (kind, list) in &result.anomalies {
                println!("  {kind}: {}", list.len());
                for a in list.iter().take(3) {
                    println!("    {}", escape(&a.explanation));
                }
            }
            if let Some(j) = &result.jepsen {
                let bad: Vec<&str> = j.bad.iter().map(|k| k.as_str()).collect();
                println!(
                    "  jepsen: {} (subscribe {}, ww-deps {}){}",
                    if j.valid { "valid" } else { "INVALID" },
                    j.options.subscribe,
                    j.options.ww_deps,
                    if bad.is_empty() {
                        String::new()
                    } else {
                        format!(", bad: {}", bad.join(", "))
                    }
                );
            }
        }
        // Every verdict asked for must hold: the promises (--config) and
        // Jepsen's (--jepsen). With --jepsen alone, Jepsen's verdict decides.
        let jepsen_ok = result.jepsen.as_ref().is_none_or(|j| j.valid);
        if !jepsen_ok {
            return Ok(ExitStatus::Broken);
        }
        Ok(match (&result.valid, &result.jepsen) {
            (None, Some(_)) => ExitStatus::Kept,
            _ => match result.exit_code() {
                0 => ExitStatus::Kept,
                1 => ExitStatus::Broken,
                4 => ExitStatus::AnomaliesFound,
                _ => ExitStatus::NothingExercised,
            },
        })
    }
}
