//! `logjam report`: rebuild the HTML pages of run folders and sweeps,
//! merging shards, and print the index's path.
use super::exit::{CliError, ExitStatus};
use super::pages::write_pages;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReportCommand {
    /// Run folders, `logjam run --out` or `logjam chaos --out` folders,
    /// shard folders: searched recursively.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where `index.html` goes (default: the first DIR).
    #[arg(long)]
    out: Option<PathBuf>,
}

impl ReportCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        let dirs = &self.dirs;
        let out = self.out.unwrap_or_else(|| dirs[0].clone());
        let listed: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        let index = write_pages(&out, dirs, &format!("logjam report {}", listed.join(" ")))?;
        println!("{}", index.display());
        Ok(ExitStatus::Kept)
    }
}
