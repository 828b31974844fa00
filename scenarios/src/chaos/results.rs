//! `results.jsonl`, the sweep's record: one line per finished run, appended
//! as runs finish. Reading it back skips a line cut short; repairing it
//! before appending ends or drops an interrupted last line.
use logjam_reports::ResultLine;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Make an interrupted `results.jsonl` whole again before appending: a last
/// line without its newline is ended if it is a complete result, dropped if
/// it was cut short.
pub fn repair_results(path: &Path) -> std::io::Result<()> {
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let tail = std::str::from_utf8(&bytes[start..]).unwrap_or("");
    if ResultLine::parse(tail).is_ok() {
        file.seek(SeekFrom::End(0))?;
        file.write_all(b"\n")
    } else {
        file.set_len(start as u64)
    }
}

/// The lines of a `results.jsonl`; a line cut short or otherwise unreadable
/// is skipped, not fatal, and comes back as a warning naming the file and
/// the line (its run is done again).
pub fn read_results(path: &Path) -> (Vec<ResultLine>, Vec<String>) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return (Vec::new(), Vec::new());
    };
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    for (i, l) in text.lines().enumerate() {
        match ResultLine::parse(l) {
            Ok(line) => lines.push(line),
            Err(e) => warnings.push(format!(
                "{}:{}: skipped, not a whole result ({e}); its run will be done again",
                path.display(),
                i + 1
            )),
        }
    }
    (lines, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use logjam_reports::RunFailure;

    #[test]
    fn a_cut_off_last_line_is_dropped_and_a_whole_one_ended() {
        let dir = std::env::temp_dir().join(format!("logjam-chaos-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.jsonl");
        let whole = ResultLine::Failed(RunFailure {
            scenario: "s".into(),
            preset: "p".into(),
            seed: 1,
            error: "x".into(),
            wall_ms: 0,
        })
        .to_line();
        std::fs::write(&path, format!("{whole}{{\"scenario\":\"s\",\"pre")).unwrap();
        repair_results(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), whole);
        std::fs::write(&path, whole.trim_end()).unwrap();
        repair_results(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), whole);
        assert_eq!(read_results(&path).0.len(), 1);
        // A line torn in the middle of the file is named.
        std::fs::write(&path, format!("{whole}{{\"scen\n{whole}")).unwrap();
        let (lines, warnings) = read_results(&path);
        assert_eq!(lines.len(), 2);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("results.jsonl:2: skipped"),
            "{warnings:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
