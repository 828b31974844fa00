//! `logjam chaos`: a long randomized sweep over scenarios × presets × seeds, one
//! simulation per worker thread (each simulation is single-threaded), results
//! appended to `results.jsonl` as runs finish so an interrupted sweep loses
//! nothing and `--resume` continues it.
use crate::catalogue;
use logjam_checker::AnomalyKind;
use logjam_harness::run::run;
use logjam_harness::scenario::Scenario;
/// A `results.jsonl` line is the reports crate's [`RunSummary`] (or, for a run
/// whose simulation failed, a [`RunFailure`]), so `logjam report` reads sweeps
/// and run folders alike.
use logjam_reports::{ResultLine, RunFailure, RunSummary};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// One (scenario, preset) pair of the sweep.
#[derive(Clone, Debug)]
pub struct Combo {
    pub scenario: String,
    pub preset: Option<String>,
    pub resolved: Scenario,
}

impl Combo {
    fn key(&self, seed: u64) -> (String, String, u64) {
        (
            self.scenario.clone(),
            self.resolved.preset_label().to_string(),
            seed,
        )
    }
}

pub struct Plan {
    pub combos: Vec<Combo>,
    pub work: Work,
    pub duration: Option<Duration>,
    pub workers: usize,
    pub out: PathBuf,
    pub resume: bool,
}

impl Plan {
    /// The combination a result line names, if this plan has it.
    fn combo(&self, scenario: &str, preset: &str) -> Option<&Combo> {
        self.combos
            .iter()
            .find(|c| c.scenario == scenario && c.resolved.preset_label() == preset)
    }
}

/// Which (combo, seed) items a sweep runs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    pub first_seed: u64,
    /// Seeds per combo (None: until the duration is spent).
    pub seeds: Option<u64>,
    /// `--shard K/N`: shard K (0-based) of N.
    pub shard: (u64, u64),
}

impl Work {
    /// The i-th item of this shard's (possibly endless) work list, as (combo
    /// index, seed). Seeds are dealt out to shards (shard K takes seed
    /// indexes K, K+N, K+2N, ...) and every shard runs every combo of its
    /// seeds, so N machines split a sweep with no coordinator, each covering
    /// every scenario × preset. Seeds are outermost, so every combo advances
    /// together and a time-boxed sweep covers them all.
    pub fn item(&self, combos: usize, i: u64) -> Option<(usize, u64)> {
        let n = u64::try_from(combos).ok().filter(|&n| n > 0)?;
        let (k, of) = self.shard;
        let seed_index = (i / n).checked_mul(of)?.checked_add(k)?;
        if self.seeds.is_some_and(|s| seed_index >= s) {
            return None;
        }
        Some(((i % n) as usize, self.first_seed.checked_add(seed_index)?))
    }

    /// How many items this shard runs, when the seeds are bounded (and the
    /// count fits).
    pub fn len(&self, combos: usize) -> Option<u64> {
        let (k, of) = self.shard;
        let seeds = self.seeds?;
        seeds
            .saturating_sub(k)
            .div_ceil(of)
            .checked_mul(u64::try_from(combos).ok()?)
    }

    /// Whether `seed` is one of this shard's seeds.
    pub fn has_seed(&self, seed: u64) -> bool {
        let (k, of) = self.shard;
        seed.checked_sub(self.first_seed)
            .is_some_and(|index| index % of == k && self.seeds.is_none_or(|seeds| index < seeds))
    }
}

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
/// is skipped, not fatal.
pub fn read_results(path: &Path) -> Vec<ResultLine> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| ResultLine::parse(l).ok())
        .collect()
}

pub struct Outcome {
    /// Every run's summary, those from before a `--resume` included.
    pub results: Vec<RunSummary>,
    /// Runs whose simulation failed, those from before a `--resume` included.
    pub failures: Vec<RunFailure>,
    /// Runs this invocation did (the rest were already in results.jsonl).
    pub new_runs: u64,
    pub interrupted: bool,
    pub elapsed: Duration,
}

impl Outcome {
    fn add(&mut self, line: ResultLine) {
        match line {
            ResultLine::Run(s) => self.results.push(s),
            ResultLine::Failed(f) => self.failures.push(f),
        }
    }
}

/// Run the plan's work list on its workers, appending each result to
/// `results.jsonl` as it comes. `progress` makes the progress bar from the
/// number of runs left to do, when the seeds are bounded.
pub fn sweep(
    plan: Arc<Plan>,
    stop: Arc<AtomicBool>,
    progress: impl FnOnce(Option<u64>) -> indicatif::ProgressBar,
) -> std::io::Result<Outcome> {
    std::fs::create_dir_all(&plan.out)?;
    let results_path = plan.out.join(logjam_reports::RESULTS_FILE);
    let previous = if plan.resume {
        repair_results(&results_path)?;
        read_results(&results_path)
    } else {
        std::fs::write(&results_path, b"")?;
        Vec::new()
    };
    let done: Arc<BTreeSet<(String, String, u64)>> =
        Arc::new(previous.iter().map(ResultLine::key).collect());
    let mut outcome = Outcome {
        results: Vec::new(),
        failures: Vec::new(),
        new_runs: 0,
        interrupted: false,
        elapsed: Duration::ZERO,
    };
    for line in previous {
        outcome.add(line);
    }
    // Count what is already done from the results, not by walking the work
    // list: a seed range may be far longer than any sweep gets through.
    let remaining = plan.work.len(plan.combos.len()).map(|len| {
        let already = done
            .iter()
            .filter(|(scenario, preset, seed)| {
                plan.work.has_seed(*seed) && plan.combo(scenario, preset).is_some()
            })
            .count();
        len.saturating_sub(already as u64)
    });
    let progress = progress(remaining);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&results_path)?;
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<ResultLine>();
    let workers: Vec<_> = (0..plan.workers.max(1))
        .map(|_| {
            let (plan, next, tx, stop, done) = (
                plan.clone(),
                next.clone(),
                tx.clone(),
                stop.clone(),
                done.clone(),
            );
            std::thread::spawn(move || worker(&plan, &next, &tx, &stop, &done, started))
        })
        .collect();
    drop(tx);
    let (mut anomalous, mut broken, mut failed) = (0u64, 0u64, 0u64);
    for line in rx {
        // One write per line, so an interruption cuts at most the last line.
        file.write_all(line.to_line().as_bytes())?;
        file.flush()?;
        match &line {
            ResultLine::Run(r) => {
                anomalous += u64::from(!r.counts.is_empty());
                broken += u64::from(r.valid == Some(false));
            }
            ResultLine::Failed(_) => failed += 1,
        }
        outcome.new_runs += 1;
        progress.inc(1);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        let failed_note = if failed > 0 {
            format!(", {failed} FAILED to simulate")
        } else {
            String::new()
        };
        progress.set_message(format!(
            "{:.1} runs/s, {anomalous} with anomalies, {broken} broke a promise{failed_note}",
            outcome.new_runs as f64 / secs
        ));
        outcome.add(line);
    }
    for w in workers {
        let _ = w.join();
    }
    progress.finish_and_clear();
    outcome.interrupted = stop.load(Ordering::SeqCst);
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

/// Take items until the list, the time or the patience (Ctrl-C) runs out. Each
/// run is a whole simulation on this thread; nothing is shared inside a run.
fn worker(
    plan: &Plan,
    next: &AtomicU64,
    tx: &mpsc::Sender<ResultLine>,
    stop: &AtomicBool,
    done: &BTreeSet<(String, String, u64)>,
    started: Instant,
) {
    loop {
        if stop.load(Ordering::SeqCst) || plan.duration.is_some_and(|d| started.elapsed() >= d) {
            return;
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some((c, seed)) = plan.work.item(plan.combos.len(), i) else {
            return;
        };
        let combo = &plan.combos[c];
        if done.contains(&combo.key(seed)) {
            continue;
        }
        let t = Instant::now();
        let preset = combo.resolved.preset_label();
        let line = match run(&combo.resolved, seed, None) {
            Ok(out) => ResultLine::Run(RunSummary::new(
                &combo.scenario,
                preset,
                seed,
                &out.result,
                t.elapsed().as_millis() as u64,
                out.simulated_ms,
            )),
            Err(e) => ResultLine::Failed(RunFailure {
                scenario: combo.scenario.clone(),
                preset: preset.to_string(),
                seed,
                error: e.to_string(),
                wall_ms: t.elapsed().as_millis() as u64,
            }),
        };
        if tx.send(line).is_err() {
            return;
        }
    }
}

/// Every (scenario, preset) pair: the given scenarios (default: the whole
/// catalogue) each with its own preset, or with each of the given presets.
pub fn combos(scenarios: &[String], presets: &[String]) -> Result<Vec<Combo>, String> {
    let names: Vec<String> = if scenarios.is_empty() {
        catalogue::names().map(String::from).collect()
    } else {
        scenarios.to_vec()
    };
    let mut out = Vec::new();
    for name in &names {
        let preset_list: Vec<Option<&str>> = if presets.is_empty() {
            vec![None]
        } else {
            presets.iter().map(|p| Some(p.as_str())).collect()
        };
        for p in preset_list {
            let resolved = catalogue::scenario_with_preset(name, p)
                .ok_or_else(|| format!("unknown scenario {name:?}"))?
                .map_err(|e| e.to_string())?;
            out.push(Combo {
                scenario: name.clone(),
                preset: p.map(String::from),
                resolved,
            });
        }
    }
    Ok(out)
}

/// The terminal summary: preset × anomaly kind, with counts, a rate, and an
/// example seed (the run with the fewest operations).
pub fn summary_table(results: &[RunSummary]) -> String {
    let mut cells: BTreeMap<(String, AnomalyKind), (u64, u64, &RunSummary)> = BTreeMap::new();
    // Per preset: runs, acknowledged sends, records processed.
    let mut per_preset: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for r in results {
        let p = per_preset.entry(r.preset.clone()).or_default();
        p.0 += 1;
        p.1 += r.sends_ok;
        p.2 += r.records_processed;
        for (&kind, &n) in &r.counts {
            let e = cells.entry((r.preset.clone(), kind)).or_insert((0, 0, r));
            e.0 += 1;
            e.1 += n;
            if r.ops < e.2.ops {
                e.2 = r;
            }
        }
    }
    let mut s = format!(
        "{:<26} {:<22} {:>6} {:>10} {:>8}  {}\n",
        "preset", "anomaly", "runs", "instances", "per 1k", "example (fewest ops)"
    );
    for (preset, &(n, sends, processed)) in &per_preset {
        let mut any = false;
        for ((_, kind), (runs, total, ex)) in cells.iter().filter(|((p, _), _)| p == preset) {
            any = true;
            let broke = if ex.broken.is_empty() { "" } else { " BROKEN" };
            let per = if kind.is_group_level() {
                processed
            } else {
                sends
            };
            let rate = if per == 0 {
                "-".to_string()
            } else {
                format!("{:.1}", *total as f64 * 1000.0 / per as f64)
            };
            s += &format!(
                "{preset:<26} {:<22} {runs:>6} {total:>10} {rate:>8}  {} seed {}{broke}\n",
                kind.to_string(),
                ex.scenario,
                ex.seed
            );
        }
        if !any {
            s += &format!(
                "{preset:<26} {:<22} {:>6} {:>10} {:>8}\n",
                "(none found)", n, 0, "0.0"
            );
        }
    }
    s += "per 1k: instances per 1000 acknowledged sends over the preset's runs \
          (per 1000 records processed for lost- and duplicate-processing)\n";
    s
}

/// How many seeds each anomaly kind took to first appear, per (scenario,
/// preset) where it appeared at all, and the median over those: how hard the
/// kind is to find. Seeds of a combination run from its lowest seed up.
pub fn first_appearance_table(results: &[RunSummary]) -> String {
    let mut lowest_seed: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut first: BTreeMap<(AnomalyKind, &str, &str), u64> = BTreeMap::new();
    for r in results {
        let combo = (r.scenario.as_str(), r.preset.as_str());
        let low = lowest_seed.entry(combo).or_insert(r.seed);
        *low = (*low).min(r.seed);
        for &kind in r.counts.keys() {
            let e = first.entry((kind, combo.0, combo.1)).or_insert(r.seed);
            *e = (*e).min(r.seed);
        }
    }
    let mut seeds_by_kind: BTreeMap<AnomalyKind, Vec<u64>> = BTreeMap::new();
    for ((kind, scenario, preset), seed) in first {
        seeds_by_kind
            .entry(kind)
            .or_default()
            .push(seed - lowest_seed[&(scenario, preset)] + 1);
    }
    let mut s = format!(
        "{:<22} {:>9} {:>8}  {}\n",
        "anomaly", "combos", "median", "seeds to first appearance, per scenario x preset"
    );
    for (kind, mut seeds) in seeds_by_kind {
        seeds.sort_unstable();
        let median = seeds[seeds.len() / 2];
        let listed: Vec<String> = seeds.iter().map(u64::to_string).collect();
        s += &format!(
            "{:<22} {:>9} {:>8}  {}\n",
            kind.to_string(),
            seeds.len(),
            median,
            listed.join(" ")
        );
    }
    s
}

/// Rerun the smallest example of each (scenario, preset, anomaly kind) and write its run
/// folder: runs are deterministic, so a sweep need not keep every history.
/// Stops early when `stop` is raised after it started (a Ctrl-C during the
/// reruns); a sweep already interrupted still gets its examples.
pub fn write_examples(
    plan: &Plan,
    results: &[RunSummary],
    stop: &AtomicBool,
) -> std::io::Result<Vec<PathBuf>> {
    let interrupted_before = stop.load(Ordering::SeqCst);
    // One example per cell of the index's matrix: (scenario, preset) × kind.
    let mut best: BTreeMap<(&str, &str, AnomalyKind), &RunSummary> = BTreeMap::new();
    for r in results {
        for &kind in r.counts.keys() {
            let e = best.entry((&r.scenario, &r.preset, kind)).or_insert(r);
            if r.ops < e.ops {
                *e = r;
            }
        }
    }
    let mut wanted: BTreeSet<(String, String, u64)> = best.values().map(|r| r.key()).collect();
    // A clean run per preset too, so the index can show what was exercised.
    for r in results.iter().filter(|r| r.counts.is_empty()) {
        if !wanted.iter().any(|(_, p, _)| *p == r.preset) {
            wanted.insert(r.key());
        }
    }
    let mut dirs = Vec::new();
    for (scenario, preset, seed) in wanted {
        if !interrupted_before && stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(combo) = plan.combo(&scenario, &preset) else {
            continue;
        };
        let out = match run(&combo.resolved, seed, None) {
            Ok(out) => out,
            Err(e) => {
                eprintln!(
                    "warning: rerunning {scenario} {preset} seed {seed} for its run folder: {e}"
                );
                continue;
            }
        };
        let dir = logjam_harness::run_folder::run_dir(&plan.out, &combo.resolved, seed);
        logjam_harness::run_folder::write_run_folder(&dir, &combo.resolved, &out)?;
        dirs.push(dir);
    }
    Ok(dirs)
}

/// The runs whose simulation failed, one line each (empty when none did).
pub fn failures_table(failures: &[RunFailure]) -> String {
    if failures.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "{} runs FAILED to simulate (error lines in results.jsonl):\n",
        failures.len()
    );
    for f in failures {
        s += &format!(
            "  {} {} seed {}: {}\n",
            f.scenario, f.preset, f.seed, f.error
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(work: &Work, combos: usize) -> Vec<(usize, u64)> {
        (0..).map_while(|i| work.item(combos, i)).collect()
    }

    /// Shards are disjoint, together they are the whole sweep, each runs every
    /// combination (when it has a seed at all), and `len` counts its items.
    #[test]
    fn shards_split_seeds_and_keep_every_combination() {
        for combos in 1..=4 {
            for seeds in 0..=7 {
                let whole = Work {
                    first_seed: 10,
                    seeds: Some(seeds),
                    shard: (0, 1),
                };
                let all = items(&whole, combos);
                assert_eq!(all.len() as u64, seeds * combos as u64);
                for of in 1..=4 {
                    let mut union = Vec::new();
                    for k in 0..of {
                        let work = Work {
                            shard: (k, of),
                            ..whole
                        };
                        let mine = items(&work, combos);
                        assert_eq!(work.len(combos), Some(mine.len() as u64));
                        assert!(mine.iter().all(|&(_, seed)| work.has_seed(seed)));
                        let theirs = (0..k).chain(k + 1..of).map(|j| Work {
                            shard: (j, of),
                            ..whole
                        });
                        for other in theirs {
                            assert!(items(&other, combos)
                                .iter()
                                .all(|&(_, s)| !work.has_seed(s)));
                        }
                        let covered: BTreeSet<usize> = mine.iter().map(|&(c, _)| c).collect();
                        if !mine.is_empty() {
                            assert_eq!(covered.len(), combos, "shard {k}/{of}");
                        }
                        union.extend(mine);
                    }
                    let distinct: BTreeSet<(usize, u64)> = union.iter().copied().collect();
                    assert_eq!(distinct.len(), union.len(), "disjoint");
                    assert_eq!(distinct, all.iter().copied().collect(), "union");
                }
            }
        }
    }

    #[test]
    fn an_endless_sweep_does_not_overflow() {
        let work = Work {
            first_seed: u64::MAX - 1,
            seeds: None,
            shard: (1, 3),
        };
        assert_eq!(work.item(2, 1), Some((1, u64::MAX)));
        assert_eq!(work.item(2, 2), None, "the next seed would overflow");
        assert_eq!(work.item(2, u64::MAX), None);
        let work = Work {
            first_seed: 0,
            seeds: None,
            shard: (0, 1),
        };
        assert_eq!(work.item(0, 5), None, "no combinations, no items");
        assert_eq!(work.item(3, 7), Some((1, 2)));
    }

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
        assert_eq!(read_results(&path).len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
