//! The sweep index (`index.html`): the configuration × anomaly matrix first,
//! then what was run. A cell is red when some run broke a promise with that
//! kind, amber when the kind occurred but the configuration allows it, green
//! when runs could have shown it and none did, grey when no run exercised it
//! (so a green cell means something). A cell with findings links to its
//! smallest example run on disk, or names the command that reproduces it.
use crate::error::ReportError;
use crate::html::{path_url, thousands};
use crate::run_page::{write_run_report, REPORT_FILE};
use crate::summary::RunSummary;
use askama::Template;
use logjam_checker::AnomalyKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

pub struct IndexInput {
    pub title: String,
    /// The command that reproduces the whole sweep.
    pub reproduce_command: String,
    /// Every run of the sweep (may be thousands).
    pub runs: Vec<RunSummary>,
    /// Run folders that exist on disk (a subset of `runs`), to link to.
    pub example_dirs: Vec<PathBuf>,
}

/// The index file name.
pub const INDEX_FILE: &str = "index.html";
/// Failing runs listed by name below the matrix; the rest are counted.
const MAX_FAILING: usize = 200;

struct Cell {
    class: &'static str,
    text: String,
    title: String,
    href: Option<String>,
    /// "seed N" when no example is on disk, and the command that reproduces it.
    seed: Option<String>,
    command: Option<String>,
}

struct Row {
    scenario: String,
    preset: String,
    runs: String,
    cells: Vec<Cell>,
}

struct ConfigLine {
    scenario: String,
    preset: String,
    runs: String,
    seeds: String,
    broken: String,
    anomalous: String,
    simulated: String,
    wall: String,
}

struct Failing {
    name: String,
    broken: String,
    counts: String,
    href: Option<String>,
    command: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    title: String,
    /// One sentence answering the sweep, before anything else.
    answer: String,
    kinds: Vec<&'static str>,
    /// Kinds no run exercised, named instead of given grey columns.
    folded_kinds: String,
    rows: Vec<Row>,
    configs: Vec<ConfigLine>,
    total_runs: String,
    total_broken: String,
    total_simulated: String,
    failing: Vec<Failing>,
    more_failing: usize,
    reproduce_command: String,
    /// Some cell has no run folder on disk (list their commands).
    has_commands: bool,
    version: &'static str,
}

type Key = (String, String, u64);

/// Render `index.html` into `out_dir`; returns its path. Links to run pages
/// are relative to `out_dir`; a linked run folder without `report.html` gets
/// one rendered, so no link on the page is dead.
pub fn write_index(out_dir: &Path, input: &IndexInput) -> Result<PathBuf, ReportError> {
    fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
    let html = render_index(out_dir, input)?;
    let path = out_dir.join(INDEX_FILE);
    fs::write(&path, html).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

fn render_index(out_dir: &Path, input: &IndexInput) -> Result<String, ReportError> {
    // One summary per run, in key order.
    let mut runs: BTreeMap<Key, &RunSummary> = BTreeMap::new();
    for r in &input.runs {
        runs.entry(r.key()).or_insert(r);
    }
    // Example folders by run key (the first, in path order, wins).
    let mut dirs: Vec<&PathBuf> = input.example_dirs.iter().collect();
    dirs.sort();
    let mut examples: BTreeMap<Key, (PathBuf, u64)> = BTreeMap::new();
    for d in dirs {
        match RunSummary::from_run_dir(d) {
            Ok(s) => {
                examples.entry(s.key()).or_insert((d.clone(), s.ops));
            }
            Err(e) => eprintln!("warning: example run folder skipped: {e}"),
        }
    }
    let mut linker = Linker {
        out_dir,
        examples: &examples,
        cache: BTreeMap::new(),
    };
    let mut configs: BTreeMap<(String, String), Vec<&RunSummary>> = BTreeMap::new();
    for r in runs.values() {
        configs
            .entry((r.scenario.clone(), r.preset.clone()))
            .or_default()
            .push(r);
    }
    // Columns for kinds no run could exercise are folded into one line; a
    // kind of Jepsen's verdict only is never a column.
    let (shown_kinds, folded_kinds): (Vec<AnomalyKind>, Vec<AnomalyKind>) = AnomalyKind::ALL
        .iter()
        .filter(|k| !k.is_jepsen_verdict_only())
        .partition(|k| {
            runs.values()
                .any(|r| r.exercised.contains(k) || r.counts.get(k).is_some_and(|n| *n > 0))
        });
    let rows: Vec<Row> = configs
        .iter()
        .map(|((scenario, preset), rs)| Row {
            scenario: scenario.clone(),
            preset: preset.clone(),
            runs: thousands(rs.len() as u64),
            cells: shown_kinds
                .iter()
                .map(|k| cell(*k, rs, &mut linker))
                .collect(),
        })
        .collect();
    let answer = sweep_answer(&configs);
    let config_lines = configs
        .iter()
        .map(|((scenario, preset), rs)| ConfigLine {
            scenario: scenario.clone(),
            preset: preset.clone(),
            runs: thousands(rs.len() as u64),
            seeds: seed_ranges(rs.iter().map(|r| r.seed)),
            broken: thousands(rs.iter().filter(|r| r.valid == Some(false)).count() as u64),
            anomalous: thousands(rs.iter().filter(|r| !r.counts.is_empty()).count() as u64),
            simulated: crate::html::ms_secs(rs.iter().map(|r| r.simulated_ms).sum()),
            wall: match rs.iter().map(|r| r.wall_ms).sum() {
                0 => "—".to_string(),
                ms => crate::html::ms_secs(ms),
            },
        })
        .collect();
    let failing_runs: Vec<&&RunSummary> =
        runs.values().filter(|r| r.valid == Some(false)).collect();
    let failing = failing_runs
        .iter()
        .take(MAX_FAILING)
        .map(|r| Failing {
            name: format!("{} / {} / seed {}", r.scenario, r.preset, r.seed),
            broken: r.broken.join(", "),
            counts: r
                .counts
                .iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            href: linker.href(&r.key()),
            command: run_command(r),
        })
        .collect();
    let has_commands = rows
        .iter()
        .any(|r: &Row| r.cells.iter().any(|c| c.command.is_some()));
    let page = IndexPage {
        has_commands,
        title: input.title.clone(),
        kinds: shown_kinds.iter().map(|k| k.as_str()).collect(),
        folded_kinds: folded_kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        answer,
        rows,
        configs: config_lines,
        total_runs: thousands(runs.len() as u64),
        total_broken: thousands(failing_runs.len() as u64),
        total_simulated: crate::html::ms_secs(runs.values().map(|r| r.simulated_ms).sum()),
        more_failing: failing_runs.len().saturating_sub(MAX_FAILING),
        failing,
        reproduce_command: input.reproduce_command.clone(),
        version: crate::LOGJAM_VERSION,
    };
    page.render().map_err(|e| ReportError::render("index", e))
}

/// What a kind of anomaly cost, for the sweep's one-sentence answer.
fn cost(kind: AnomalyKind) -> &'static str {
    match kind {
        AnomalyKind::LostWrite
        | AnomalyKind::Unseen
        | AnomalyKind::LostProcessing
        | AnomalyKind::InconsistentOffsets
        | AnomalyKind::ReplicaDivergence => "lost",
        AnomalyKind::Duplicate | AnomalyKind::IntDuplicate | AnomalyKind::DuplicateProcessing => {
            "duplicated"
        }
        AnomalyKind::G1a | AnomalyKind::PrecommittedRead => "exposed uncommitted",
        _ => "reordered",
    }
}

/// "13 of 22 configurations lost or duplicated data (11 lost, 6
/// duplicated); none broke a promise."
fn sweep_answer(configs: &BTreeMap<(String, String), Vec<&RunSummary>>) -> String {
    let n = configs.len();
    let mut by_cost: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut affected = 0;
    let mut broke = 0;
    for rs in configs.values() {
        let costs: BTreeSet<&'static str> = rs
            .iter()
            .flat_map(|r| {
                r.counts
                    .iter()
                    .filter(|(_, c)| **c > 0)
                    .map(|(k, _)| cost(*k))
            })
            .collect();
        if !costs.is_empty() {
            affected += 1;
        }
        for c in costs {
            *by_cost.entry(c).or_insert(0) += 1;
        }
        if rs.iter().any(|r| r.valid == Some(false)) {
            broke += 1;
        }
    }
    let of = |k: usize| format!("{k} of {n} configuration{}", if n == 1 { "" } else { "s" });
    let promises = match broke {
        0 => "none broke a promise".to_string(),
        b if b == n => "all broke a promise".to_string(),
        b => format!("{b} broke a promise"),
    };
    if affected == 0 {
        return format!(
            "None of {n} configurations lost, duplicated or reordered data; {promises}."
        );
    }
    let order = ["lost", "duplicated", "reordered", "exposed uncommitted"];
    let verbs: Vec<String> = order
        .iter()
        .filter(|c| by_cost.contains_key(*c))
        .map(|c| c.to_string())
        .collect();
    let detail: Vec<String> = order
        .iter()
        .filter_map(|c| by_cost.get(c).map(|k| format!("{k} {c}")))
        .collect();
    let mut sentence = format!(
        "{} {} data",
        of(affected),
        crate::html::and_list(&verbs).replace(" and ", " or ")
    );
    if detail.len() > 1 {
        sentence.push_str(&format!(" ({})", detail.join(", ")));
    }
    format!("{sentence}; {promises}.")
}

/// The command that reruns one run of a sweep.
fn run_command(r: &RunSummary) -> String {
    format!("logjam run --scenario {} --seed {}", r.scenario, r.seed)
}

fn cell(kind: AnomalyKind, rs: &[&RunSummary], linker: &mut Linker<'_>) -> Cell {
    let found: Vec<&RunSummary> = rs
        .iter()
        .copied()
        .filter(|r| r.counts.get(&kind).is_some_and(|n| *n > 0))
        .collect();
    let broken: Vec<&RunSummary> = found
        .iter()
        .copied()
        .filter(|r| r.unallowed(kind) > 0)
        .collect();
    let exercised = rs.iter().any(|r| r.exercised.contains(&kind)) || !found.is_empty();
    let total: u64 = found.iter().map(|r| r.counts[&kind]).sum();
    let (class, what) = if !broken.is_empty() {
        ("red", "broke a promise")
    } else if !found.is_empty() {
        ("amber", "not promised by the configuration")
    } else if exercised {
        ("green", "none found")
    } else {
        ("grey", "not exercised by this configuration")
    };
    if found.is_empty() {
        return Cell {
            class,
            text: String::new(),
            title: format!("{kind}: {what}"),
            href: None,
            seed: None,
            command: None,
        };
    }
    // The smallest example: broken runs first for a red cell, fewest ops, then lowest key.
    let pool = if broken.is_empty() { &found } else { &broken };
    let on_disk = pool
        .iter()
        .filter_map(|r| {
            linker
                .examples
                .get(&r.key())
                .map(|(_, ops)| (*ops, r.key()))
        })
        .min();
    let (href, seed, command) = match on_disk.and_then(|(_, key)| linker.href(&key)) {
        Some(h) => (Some(h), None, None),
        None => {
            let smallest = pool
                .iter()
                .min_by_key(|r| (r.ops, r.key()))
                .expect("pool is not empty");
            (
                None,
                Some(format!("seed {}", smallest.seed)),
                Some(run_command(smallest)),
            )
        }
    };
    Cell {
        class,
        text: compact(total),
        title: format!(
            "{kind}: {what}; {} found in {} of {} runs{}",
            thousands(total),
            found.len(),
            rs.len(),
            if broken.is_empty() {
                String::new()
            } else {
                format!(" ({} broke a promise)", broken.len())
            }
        ),
        href,
        seed,
        command,
    }
}

/// "17", "1.2k", "3.4M": cells are small.
fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// "0–99, 120, 200–201".
fn seed_ranges(seeds: impl Iterator<Item = u64>) -> String {
    let seeds: BTreeSet<u64> = seeds.collect();
    let mut out: Vec<String> = Vec::new();
    let mut it = seeds.into_iter().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end = it.next().unwrap_or(end);
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
    }
    out.join(", ")
}

/// Links from the index to run pages, rendering a page that is missing.
struct Linker<'a> {
    out_dir: &'a Path,
    examples: &'a BTreeMap<Key, (PathBuf, u64)>,
    cache: BTreeMap<Key, Option<String>>,
}

impl Linker<'_> {
    fn href(&mut self, key: &Key) -> Option<String> {
        if let Some(h) = self.cache.get(key) {
            return h.clone();
        }
        let h = self.examples.get(key).and_then(|(dir, _)| {
            let page = dir.join(REPORT_FILE);
            if !page.is_file() {
                if let Err(e) = write_run_report(dir) {
                    eprintln!("warning: no run page for {}: {e}", dir.display());
                    return None;
                }
            }
            Some(relative_url(self.out_dir, &page))
        });
        self.cache.insert(key.clone(), h.clone());
        h
    }
}

/// `target` as a URL relative to the directory `from`.
pub(crate) fn relative_url(from: &Path, target: &Path) -> String {
    let from = absolute(from);
    let target = absolute(target);
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    path_url(&parts)
}

/// An absolute, lexically normalised path (canonical when it exists, so
/// symlinked temp dirs compare equal).
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    let base = if p.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    let mut out = PathBuf::new();
    for c in base.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_compress_into_ranges() {
        assert_eq!(seed_ranges([0, 1, 2, 5, 7, 8].into_iter()), "0–2, 5, 7–8");
        assert_eq!(seed_ranges(std::iter::empty()), "");
    }

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_url(
                Path::new("/a/b/out"),
                Path::new("/a/b/runs/s p/1/report.html")
            ),
            "../runs/s%20p/1/report.html"
        );
        assert_eq!(
            relative_url(Path::new("/a"), Path::new("/a/x.html")),
            "x.html"
        );
        assert_eq!(compact(1234), "1.2k");
    }
}
