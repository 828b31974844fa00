//! Whole runs of a catalogue scenario, one after another on one core.
use logjam_harness::run::run;
use logjam_scenarios::catalogue;
use std::time::Instant;

pub fn bench(name: &str, runs: u64) {
    let scenario = match catalogue::scenario(name) {
        Some(Ok(s)) => s,
        _ => {
            eprintln!("error: unknown scenario {name:?}");
            std::process::exit(2);
        }
    };
    let mut walls_ms = Vec::new();
    let mut sim_ms = 0;
    let mut steps = 0;
    let mut acked = 0;
    for seed in 0..runs {
        let started = Instant::now();
        let out = run(&scenario, seed, None).unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
        walls_ms.push(started.elapsed().as_secs_f64() * 1e3);
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
    let sending_ms = scenario.duration_ms + scenario.sim.recovery_ms;
    println!(
        "  acknowledged sends (last seed): {acked}, {:.0} per simulated second of sending ({sending_ms} ms)",
        acked as f64 * 1e3 / sending_ms as f64
    );
}
