//! `logjam replay`: rerun a run exactly (from its folder, or scenario + seed
//! run twice) and compare the histories byte for byte.
use super::exit::{CliError, ExitStatus};
use logjam_harness::run::run;
use logjam_harness::run_folder::history_bytes;
use logjam_scenarios::compare;
use logjam_scenarios::source::{Origin, RunArgs, RunSource};

#[derive(clap::Args)]
pub struct ReplayCommand {
    #[command(flatten)]
    source: RunArgs,
}

impl ReplayCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let RunSource {
            origin,
            scenario,
            seed,
            schedule,
        } = self.source.resolve()?;
        let replayed = run(&scenario, seed, schedule)?;
        let replayed_bytes = history_bytes(&replayed);
        let (recorded, what) = match &origin {
            Origin::Folder(dir) => {
                let path = dir.join("history.jsonl");
                let recorded = std::fs::read(&path)
                    .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
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
                Ok(ExitStatus::Kept)
            }
            Some(difference) => {
                println!(
                    "{what}: history DIFFERS: {}",
                    logjam_scenarios::terminal::escape(&difference.to_string())
                );
                Ok(ExitStatus::ReplayDiffered)
            }
        }
    }
}
