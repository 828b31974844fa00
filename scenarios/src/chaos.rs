//! `logjam chaos`: a long randomized sweep over scenarios × presets × seeds, one
//! simulation per worker thread (each simulation is single-threaded), results
//! appended to `results.jsonl` as runs finish so an interrupted sweep loses
//! nothing and `--resume` continues it.
use crate::catalogue;
use logjam_harness::check::AnomalyKind;
use logjam_harness::run::run;
use logjam_harness::scenario::Scenario;
/// A `results.jsonl` line is the reports crate's [`RunSummary`], so `logjam
/// report` reads sweeps and run folders alike.
use logjam_reports::RunSummary;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
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

pub fn preset_label(s: &Scenario) -> String {
    s.preset.clone().unwrap_or_else(|| "custom".into())
}

pub struct Plan {
    pub combos: Vec<Combo>,
    pub first_seed: u64,
    /// Stop after this many seeds per combo (None: until the duration is spent).
    pub seeds: Option<u64>,
    pub duration: Option<Duration>,
    pub shard: (u64, u64),
    pub workers: usize,
    pub out: PathBuf,
    pub resume: bool,
}

/// The i-th item of the (infinite) work list: seeds outermost, so every combo
/// advances together and a time-boxed sweep covers them all.
fn item(plan: &Plan, i: u64) -> Option<(usize, u64)> {
    let n = plan.combos.len() as u64;
    let seed_index = i / n;
    if plan.seeds.is_some_and(|s| seed_index >= s) {
        return None;
    }
    Some(((i % n) as usize, plan.first_seed + seed_index))
}

pub fn read_results(path: &Path) -> Vec<RunSummary> {
    let Ok(f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    // A line cut short by an interrupted write is skipped, not fatal.
    std::io::BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect()
}

pub struct Outcome {
    pub results: Vec<RunSummary>,
    pub interrupted: bool,
    pub elapsed: Duration,
}

pub fn sweep(
    plan: Arc<Plan>,
    stop: Arc<AtomicBool>,
    progress: &indicatif::ProgressBar,
) -> std::io::Result<Outcome> {
    std::fs::create_dir_all(&plan.out)?;
    let results_path = plan.out.join("results.jsonl");
    let mut results = if plan.resume {
        read_results(&results_path)
    } else {
        Vec::new()
    };
    if !plan.resume {
        std::fs::write(&results_path, b"")?;
    }
    let done: Arc<BTreeSet<(String, String, u64)>> =
        Arc::new(results.iter().map(RunSummary::key).collect());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&results_path)?;
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<RunSummary>();
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
    let (mut anomalous, mut broken) = (0u64, 0u64);
    for r in rx {
        serde_json::to_writer(&mut file, &r)?;
        file.write_all(b"\n")?;
        file.flush()?;
        anomalous += u64::from(!r.counts.is_empty());
        broken += u64::from(r.valid == Some(false));
        progress.inc(1);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        progress.set_message(format!(
            "{:.1} runs/s, {anomalous} with anomalies, {broken} broke a promise",
            progress.position() as f64 / secs
        ));
        results.push(r);
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(Outcome {
        results,
        interrupted: stop.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    })
}

/// Take items until the list, the time or the patience (Ctrl-C) runs out. Each
/// run is a whole simulation on this thread; nothing is shared inside a run.
fn worker(
    plan: &Plan,
    next: &AtomicU64,
    tx: &mpsc::Sender<RunSummary>,
    stop: &AtomicBool,
    done: &BTreeSet<(String, String, u64)>,
    started: Instant,
) {
    let (shard, of) = plan.shard;
    loop {
        if stop.load(Ordering::SeqCst) || plan.duration.is_some_and(|d| started.elapsed() >= d) {
            return;
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some((c, seed)) = item(plan, i) else {
            return;
        };
        // --shard K/N: a fixed share of the list, so N machines split a sweep
        // with no coordinator.
        if i % of != shard {
            continue;
        }
        let combo = &plan.combos[c];
        if done.contains(&(combo.scenario.clone(), preset_label(&combo.resolved), seed)) {
            continue;
        }
        let t = Instant::now();
        let Ok(out) = run(&combo.resolved, seed, None) else {
            continue;
        };
        let r = RunSummary::new(
            &combo.scenario,
            &preset_label(&combo.resolved),
            seed,
            &out.result,
            t.elapsed().as_millis() as u64,
            out.simulated_ms,
        );
        if tx.send(r).is_err() {
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

/// The terminal summary: preset × anomaly kind, with counts and an example seed
/// (the run with the fewest operations).
pub fn summary_table(results: &[RunSummary]) -> String {
    let mut cells: BTreeMap<(String, AnomalyKind), (u64, u64, &RunSummary)> = BTreeMap::new();
    let mut runs_per_preset: BTreeMap<String, u64> = BTreeMap::new();
    for r in results {
        *runs_per_preset.entry(r.preset.clone()).or_default() += 1;
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
        "{:<26} {:<22} {:>6} {:>10}  {}\n",
        "preset", "anomaly", "runs", "instances", "example (fewest ops)"
    );
    for (preset, n) in &runs_per_preset {
        let mut any = false;
        for ((_, kind), (runs, total, ex)) in cells.iter().filter(|((p, _), _)| p == preset) {
            any = true;
            let broke = if ex.broken.is_empty() { "" } else { " BROKEN" };
            s += &format!(
                "{preset:<26} {:<22} {runs:>6} {total:>10}  {} seed {}{broke}\n",
                kind.to_string(),
                ex.scenario,
                ex.seed
            );
        }
        if !any {
            s += &format!("{preset:<26} {:<22} {:>6} {:>10}\n", "(none found)", n, 0);
        }
    }
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
pub fn write_examples(plan: &Plan, results: &[RunSummary]) -> std::io::Result<Vec<PathBuf>> {
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
        let Some(combo) = plan
            .combos
            .iter()
            .find(|c| c.scenario == scenario && preset_label(&c.resolved) == preset)
        else {
            continue;
        };
        let Ok(out) = run(&combo.resolved, seed, None) else {
            continue;
        };
        let dir = logjam_harness::run_folder::run_dir(&plan.out, &combo.resolved, seed);
        logjam_harness::run_folder::write_run_folder(&dir, &combo.resolved, &out)?;
        dirs.push(dir);
    }
    Ok(dirs)
}
