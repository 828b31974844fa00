//! Shrinking a failing run: the fewest faults, at the earliest times, in the
//! shortest run that still fails the same way. Greedy and deterministic: each
//! candidate is a whole run with the same seed, so a step is kept only if the
//! simulation itself still shows the failure.
use crate::check::{AnomalyKind, CheckResult};
use crate::nemesis::fault::{Fault, ScheduledFault};
use crate::run::{run, RunError};
use crate::scenario::Scenario;

/// What "failing the same way" means for a shrink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A promise broken by this anomaly kind.
    Broken(AnomalyKind),
    /// This anomaly kind found, promise or not.
    Found(AnomalyKind),
}

impl Target {
    pub fn holds(&self, r: &CheckResult) -> bool {
        match self {
            Target::Broken(k) => r.broken().any(|p| p.broken_by.contains_key(k)),
            Target::Found(k) => r.counts.contains_key(k),
        }
    }

    /// The default target of a result: its first broken promise's first
    /// anomaly kind, else its first anomaly kind.
    pub fn of(r: &CheckResult) -> Option<Target> {
        if let Some(k) = r.broken().find_map(|p| p.broken_by.keys().next().copied()) {
            return Some(Target::Broken(k));
        }
        r.counts.keys().next().copied().map(Target::Found)
    }
}

pub struct Shrunk {
    pub scenario: Scenario,
    pub schedule: Vec<ScheduledFault>,
    pub original_faults: usize,
    pub runs: u64,
}

/// Undo faults restore the cluster; without the fault they undo they do nothing,
/// and removing them alone could leave a node down for the final reads.
fn is_undo(f: &Fault) -> bool {
    matches!(
        f,
        Fault::Heal
            | Fault::Restart
            | Fault::Resume
            | Fault::RestartConsumers
            | Fault::ResumeConsumers
    )
}

/// Shrink `schedule` for `scenario` + `seed` while `target` keeps holding.
pub fn shrink(
    scenario: &Scenario,
    seed: u64,
    schedule: Vec<ScheduledFault>,
    target: &Target,
) -> Result<Shrunk, RunError> {
    let original_faults = schedule.len();
    let mut runs = 0u64;
    let mut fails = |sc: &Scenario, sched: &[ScheduledFault]| -> Result<bool, RunError> {
        runs += 1;
        Ok(target.holds(&run(sc, seed, Some(sched.to_vec()))?.result))
    };
    let mut sc = scenario.clone();
    // The generator's faults are already in `schedule`; a mix would add more.
    sc.faults.mix = None;
    sc.faults.schedule = Vec::new();
    let mut best = schedule;
    if !fails(&sc, &best)? {
        return Ok(Shrunk {
            scenario: sc,
            schedule: best,
            original_faults,
            runs,
        });
    }
    // 1. Fewest faults: drop chunks, halving the chunk size (ddmin-style), then
    //    single faults; undo faults whose fault is gone go with it.
    let mut chunk = best.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        let mut progressed = false;
        while i < best.len() {
            let mut candidate: Vec<ScheduledFault> = best[..i].to_vec();
            candidate.extend_from_slice(&best[(i + chunk).min(best.len())..]);
            if candidate.len() < best.len() && fails(&sc, &candidate)? {
                best = candidate;
                progressed = true;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 && !progressed {
            break;
        }
        chunk = (chunk / 2).max(1);
    }
    // Undo faults with nothing left to undo are noise.
    if best.iter().all(|f| is_undo(&f.fault)) && fails(&sc, &[])? {
        best.clear();
    }
    // 2. Earliest times: move each fault halfway towards its predecessor while
    //    the failure stays.
    for i in 0..best.len() {
        let floor = if i == 0 { 0 } else { best[i - 1].at_ms };
        let mut step = (best[i].at_ms - floor) / 2;
        while step >= 10 {
            let mut candidate = best.clone();
            candidate[i].at_ms -= step;
            if fails(&sc, &candidate)? {
                best = candidate;
            } else {
                step /= 2;
            }
        }
    }
    // 3. Shortest run: cut the fault window down to just after the last fault.
    let last = best.last().map_or(0, |f| f.at_ms);
    let mut duration = sc.duration_ms;
    while duration > last + 500 {
        let mut shorter = sc.clone();
        shorter.duration_ms = (last + 500).max((duration + last) / 2);
        if shorter.duration_ms >= duration || !fails(&shorter, &best)? {
            break;
        }
        duration = shorter.duration_ms;
        sc = shorter;
    }
    Ok(Shrunk {
        scenario: sc,
        schedule: best,
        original_faults,
        runs,
    })
}
