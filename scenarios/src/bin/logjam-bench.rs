//! `just bench`: wall time of whole runs, reported as medians and ratios, never
//! asserted. Usage: logjam-bench [SCENARIO] [RUNS]
use logjam_harness::run::run;
use logjam_scenarios::catalogue;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("standard", String::as_str);
    let runs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(11);
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
    walls_ms.sort_by(f64::total_cmp);
    let median = walls_ms[walls_ms.len() / 2];
    println!("scenario {name}: {runs} runs (seeds 0..{runs}), release build, one core");
    println!(
        "  wall time per run: median {median:.1} ms (min {:.1}, max {:.1})",
        walls_ms[0],
        walls_ms[walls_ms.len() - 1]
    );
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
    println!(
        "  acknowledged sends (last seed): {acked}, {:.0} per simulated second",
        acked as f64 * 1e3 / sim_ms as f64
    );
}
