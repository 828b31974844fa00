//! Finding runs for `logjam report DIR...`: every `results.jsonl` (a sweep's
//! summaries, possibly split into shards) and every run folder under the
//! roots. Directory entries are visited in sorted order so the result does
//! not depend on the file system.
use crate::error::ReportError;
use crate::summary::{ResultLine, RunSummary};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The name of a sweep's summary file.
pub const RESULTS_FILE: &str = "results.jsonl";

/// For `logjam report DIR...`: gather every `results.jsonl` (one [`RunSummary`]
/// per line) and every run folder (a directory with `run.json` and
/// `result.json`) under the roots, recursively, and merge them: one summary
/// per (scenario, preset, seed), summaries from `results.jsonl` winning over
/// ones rebuilt from run folders (they carry the wall time). A bad line is
/// skipped with a warning naming the file and line; an unreadable root is an
/// error. Runs come back sorted by key, run folders sorted by path.
pub fn collect(roots: &[PathBuf]) -> Result<(Vec<RunSummary>, Vec<PathBuf>), ReportError> {
    let mut found = Found::default();
    for root in roots {
        if !root.exists() {
            return Err(ReportError::io(
                root,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
        if root.is_file() {
            found.results_file(root)?;
        } else {
            found.walk(root)?;
        }
    }
    let mut dirs = found.dirs;
    dirs.sort();
    dirs.dedup();
    let mut runs = found.from_lines;
    for (key, summary) in found.from_dirs {
        runs.entry(key).or_insert(summary);
    }
    Ok((runs.into_values().collect(), dirs))
}

#[derive(Default)]
struct Found {
    from_lines: BTreeMap<(String, String, u64), RunSummary>,
    from_dirs: BTreeMap<(String, String, u64), RunSummary>,
    dirs: Vec<PathBuf>,
}

impl Found {
    fn walk(&mut self, dir: &Path) -> Result<(), ReportError> {
        if dir.join("run.json").is_file() && dir.join("result.json").is_file() {
            match RunSummary::from_run_dir(dir) {
                Ok(s) => {
                    self.from_dirs.entry(s.key()).or_insert(s);
                    self.dirs.push(dir.to_path_buf());
                }
                Err(e) => eprintln!("warning: skipping run folder: {e}"),
            }
            // A run folder holds no further runs.
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(|e| ReportError::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                self.walk(&path)?;
            } else if path.file_name().is_some_and(|n| n == RESULTS_FILE) {
                self.results_file(&path)?;
            }
        }
        Ok(())
    }

    fn results_file(&mut self, path: &Path) -> Result<(), ReportError> {
        let text = fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match ResultLine::parse(line) {
                Ok(ResultLine::Run(s)) => {
                    self.from_lines.entry(s.key()).or_insert(s);
                }
                // A run whose simulation failed has no verdict to show.
                Ok(ResultLine::Failed(_)) => {}
                Err(e) => {
                    let err = ReportError::json(path, Some(i + 1), &e);
                    eprintln!("warning: skipping a line: {err}");
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep's error line (a run whose simulation failed) is read past, not
    /// taken for a bad line, and the runs around it are kept.
    #[test]
    fn failed_runs_in_results_are_tolerated() {
        let dir = std::env::temp_dir().join(format!("logjam-collect-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let run = r#"{"scenario":"s","preset":"p","seed":1,"valid":true,"broken":[],"counts":{},"ops":10,"wall_ms":5,"simulated_ms":100}"#;
        let failed =
            r#"{"scenario":"s","preset":"p","seed":2,"error":"simulation failed: x","wall_ms":1}"#;
        fs::write(dir.join(RESULTS_FILE), format!("{run}\n{failed}\n")).unwrap();
        let (runs, dirs) = collect(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].seed, 1);
        assert!(dirs.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
