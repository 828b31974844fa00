//! The worker pool: one simulation per worker thread (each simulation is
//! single-threaded), results sent back to the thread that appends them to
//! `results.jsonl` and moves the progress line.
use super::plan::Plan;
use super::results::{read_results, repair_results};
use super::run_key::RunKey;
use logjam_harness::run::run;
use logjam_reports::{ResultLine, RunFailure, RunSummary};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// What a sweep did.
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
        let (lines, warnings) = read_results(&results_path);
        for w in warnings {
            eprintln!("warning: {w}");
        }
        lines
    } else {
        std::fs::write(&results_path, b"")?;
        Vec::new()
    };
    let done: Arc<BTreeSet<RunKey>> = Arc::new(previous.iter().map(RunKey::of_line).collect());
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
            .filter(|key| {
                plan.work.has_seed(key.seed) && plan.combo(&key.scenario, &key.preset).is_some()
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
        progress.set_message(crate::progress::counts(
            anomalous,
            broken,
            failed,
            outcome.new_runs as f64 / secs,
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
    done: &BTreeSet<RunKey>,
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
