//! After a sweep: rerun the smallest example of each finding and write its
//! run folder, so a sweep need not keep every history (runs are deterministic).
use super::plan::Plan;
use super::run_key::RunKey;
use logjam_checker::AnomalyKind;
use logjam_harness::run::run;
use logjam_reports::RunSummary;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

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
    let mut wanted: BTreeSet<RunKey> = best.values().map(|r| RunKey::of_summary(r)).collect();
    // A clean run per preset too, so the index can show what was exercised.
    for r in results.iter().filter(|r| r.counts.is_empty()) {
        if !wanted.iter().any(|key| key.preset == r.preset) {
            wanted.insert(RunKey::of_summary(r));
        }
    }
    let mut dirs = Vec::new();
    for RunKey {
        scenario,
        preset,
        seed,
    } in wanted
    {
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
