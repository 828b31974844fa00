//! The HTML pages `run` and `report` leave: a page per run folder and one
//! index over every run and sweep found.
use super::exit::CliError;
use std::path::{Path, PathBuf};

/// Rebuild the pages of every run and sweep under `roots` and the index over
/// them in `out`; returns the index's path.
pub fn write_pages(out: &Path, roots: &[PathBuf], reproduce: &str) -> Result<PathBuf, CliError> {
    write(out, roots, reproduce, true)
}

/// The index over every run under `roots`, rendering only the pages of run
/// folders that have none (`logjam run` renders its own runs' pages as they
/// finish; re-rendering hundreds of earlier ones cost ~90 ms each).
pub fn write_index_over(
    out: &Path,
    roots: &[PathBuf],
    reproduce: &str,
) -> Result<PathBuf, CliError> {
    write(out, roots, reproduce, false)
}

fn write(
    out: &Path,
    roots: &[PathBuf],
    reproduce: &str,
    rerender: bool,
) -> Result<PathBuf, CliError> {
    let (runs, dirs) = logjam_reports::collect(roots)?;
    for dir in &dirs {
        if rerender || !dir.join("report.html").is_file() {
            logjam_reports::write_run_report(dir)?;
        }
    }
    let input = logjam_reports::IndexInput {
        title: "logjam".into(),
        reproduce_command: reproduce.to_string(),
        runs,
        example_dirs: dirs,
    };
    Ok(logjam_reports::write_index(out, &input)?)
}
