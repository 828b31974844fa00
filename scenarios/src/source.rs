//! Where `logjam replay` and `logjam shrink` take a run from: a run folder, or
//! a seed with a catalogue scenario or a scenario file.
use crate::{catalogue, load};
use logjam_harness::nemesis::fault::ScheduledFault;
use logjam_harness::run_folder::read_run_meta;
use logjam_harness::scenario::Scenario;
use std::path::PathBuf;

/// The run to replay or shrink, as the command line names it.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// A run folder written by `logjam run` or `logjam chaos`.
    #[arg(conflicts_with_all = ["scenario", "file", "seed"])]
    pub dir: Option<PathBuf>,
    /// A catalogue scenario by name (with --seed).
    #[arg(long, requires = "seed", conflicts_with = "file")]
    pub scenario: Option<String>,
    /// A scenario TOML file (with --seed).
    #[arg(long, requires = "seed")]
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Where the scenario came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Folder(PathBuf),
    Catalogue(String),
    File(PathBuf),
}

pub struct RunSource {
    pub origin: Origin,
    pub scenario: Scenario,
    pub seed: u64,
    /// The schedule the run used, when a run folder recorded it (otherwise
    /// the run generates it from the seed).
    pub schedule: Option<Vec<ScheduledFault>>,
}

impl RunArgs {
    pub fn resolve(&self) -> Result<RunSource, String> {
        let seed_only = |origin: Origin, scenario: Scenario, seed: u64| RunSource {
            origin,
            scenario,
            seed,
            schedule: None,
        };
        match (&self.dir, &self.scenario, &self.file, self.seed) {
            (Some(dir), None, None, None) => {
                let meta = read_run_meta(dir)?;
                Ok(RunSource {
                    origin: Origin::Folder(dir.clone()),
                    scenario: meta.resolved_scenario,
                    seed: meta.seed,
                    schedule: Some(meta.schedule),
                })
            }
            (None, Some(name), None, Some(seed)) => Ok(seed_only(
                Origin::Catalogue(name.clone()),
                catalogue::lookup(name)?,
                seed,
            )),
            (None, None, Some(file), Some(seed)) => Ok(seed_only(
                Origin::File(file.clone()),
                load::load_scenario_file(file).map_err(|e| e.to_string())?,
                seed,
            )),
            _ => Err(
                "give a run folder, or --scenario NAME --seed N, or --file PATH --seed N".into(),
            ),
        }
    }
}

impl RunSource {
    /// How `logjam run` names this scenario (`--scenario NAME` or `--file
    /// PATH`), when it can: a run folder's scenario is named by its catalogue
    /// name if the catalogue's scenario is the same but for its faults and
    /// fault window (which a schedule file replaces).
    pub fn run_args(&self) -> Option<String> {
        match &self.origin {
            Origin::Catalogue(name) => Some(format!("--scenario {name}")),
            Origin::File(path) => Some(format!("--file {}", path.display())),
            Origin::Folder(_) => {
                let mut same = catalogue::lookup(&self.scenario.name).ok()?;
                same.faults = self.scenario.faults.clone();
                same.duration_ms = self.scenario.duration_ms;
                (same == self.scenario).then(|| format!("--scenario {}", self.scenario.name))
            }
        }
    }
}
