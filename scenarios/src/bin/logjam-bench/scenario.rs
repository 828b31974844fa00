//! Whole runs of a catalogue scenario, one after another on one core.
use logjam_harness::run::{run, RunOutput};
use logjam_harness::scenario::Scenario;
use logjam_scenarios::catalogue;
use std::time::Instant;

pub fn bench(name: &str, runs: u64) {
    let scenario = load(name, None);
    let mut walls_ms = Vec::new();
    let mut sim_ms = 0;
    let mut steps = 0;
    let mut acked = 0;
    for seed in 0..runs {
        let (wall_ms, out) = timed_run(&scenario, seed);
        walls_ms.push(wall_ms);
        sim_ms = out.simulated_ms;
        steps = out.steps;
        acked = out.result.stats.sends_ok;
    }
    let (min, max) = walls_ms
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), &w| (lo.min(w), hi.max(w)));
    let median = super::median_ms(walls_ms);
    println!("scenario {name}: {runs} runs (seeds 0..{runs}), release build, one core");
    println!("  wall time per run: median {median:.1} ms (min {min:.1}, max {max:.1})");
    println!(
        "  simulated per run: {} ms in {steps} steps (last seed)",
        sim_ms
    );
    println!(
        "  simulated seconds per wall second: {:.0}",
        sim_ms as f64 / median
    );
    println!(
        "  wall time per step: {:.1} µs",
        median * 1e3 / steps as f64
    );
    // Producers send through the fault window and the recovery after it.
    let sending_ms = sending_ms(&scenario);
    println!(
        "  acknowledged sends (last seed): {acked}, {:.0} per simulated second of sending ({sending_ms} ms)",
        acked as f64 * 1e3 / sending_ms as f64
    );
}

/// A catalogue scenario, with its preset replaced when `preset` is given;
/// exits with status 2 naming what is unknown.
pub fn load(name: &str, preset: Option<&str>) -> Scenario {
    match catalogue::scenario_with_preset(name, preset) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
        None => {
            eprintln!(
                "error: unknown scenario {name:?}; known: {}",
                catalogue::names().collect::<Vec<_>>().join(", ")
            );
            std::process::exit(2);
        }
    }
}

/// One run of `scenario` with `seed`, and its wall time in milliseconds.
pub fn timed_run(scenario: &Scenario, seed: u64) -> (f64, RunOutput) {
    let started = Instant::now();
    let out = run(scenario, seed, None).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    (started.elapsed().as_secs_f64() * 1e3, out)
}

/// How long producers send, in simulated milliseconds: through the fault
/// window and the recovery after it (the run stops them then).
pub fn sending_ms(scenario: &Scenario) -> u64 {
    scenario.duration_ms + scenario.sim.recovery_ms
}
