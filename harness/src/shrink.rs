//! Shrinking a failing run: the fewest faults, at the earliest times, in the
//! shortest run that still fails the same way. Greedy and deterministic: each
//! candidate is a whole run with the same seed, so a step is kept only if the
//! simulation itself still shows the failure.
use crate::nemesis::fault::{self, Fault, ScheduledFault};
use crate::run::{run, RunError};
use crate::scenario::Scenario;
use logjam_checker::{AnomalyKind, CheckResult};

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

/// `lost-write (a broken promise)` or `lost-write`: the anomaly by its history name.
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Broken(k) => write!(f, "{k} (a broken promise)"),
            Target::Found(k) => write!(f, "{k}"),
        }
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

/// Moves of a fault shorter than this are not worth a run.
const MIN_MOVE_MS: u64 = 10;

/// The shortest fault window keeps this much time after the last fault.
const AFTER_LAST_FAULT_MS: u64 = 500;

/// Shrink `schedule` for `scenario` + `seed` while `target` keeps holding.
pub fn shrink(
    scenario: &Scenario,
    seed: u64,
    schedule: Vec<ScheduledFault>,
    target: &Target,
) -> Result<Shrunk, RunError> {
    let mut schedule = schedule;
    // Step 2 moves each fault towards its predecessor in time: time order.
    fault::sort_by_time(&mut schedule);
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
    // 1. Fewest faults: drop chunks, halving the chunk size (ddmin-style) down
    //    to single faults. Undo faults (heal, restart, resume) are dropped like
    //    any other, when the failure stays without them.
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
    // Undo faults left with nothing to undo are noise: try without them all.
    if best.iter().all(|f| is_undo(&f.fault)) && fails(&sc, &[])? {
        best.clear();
    }
    // 2. Earliest times: move each fault halfway towards its predecessor (never
    //    past it, so the schedule stays in time order) while the failure
    //    stays; when a move loses the failure, try half as far.
    let halfway = |at: u64, floor: u64| at.saturating_sub(floor) / 2;
    for i in 0..best.len() {
        let floor = if i == 0 { 0 } else { best[i - 1].at_ms };
        let mut step = halfway(best[i].at_ms, floor);
        while step >= MIN_MOVE_MS {
            let mut candidate = best.clone();
            candidate[i].at_ms = best[i].at_ms.saturating_sub(step).max(floor);
            if fails(&sc, &candidate)? {
                best = candidate;
                step = step.min(halfway(best[i].at_ms, floor));
            } else {
                step /= 2;
            }
        }
    }
    // 3. Shortest run: cut the fault window down to just after the last fault.
    let last = best.last().map_or(0, |f| f.at_ms);
    let mut duration = sc.duration_ms;
    let shortest = last.saturating_add(AFTER_LAST_FAULT_MS);
    while duration > shortest {
        let mut shorter = sc.clone();
        shorter.duration_ms = shortest.max(duration / 2 + last / 2);
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
