//! One catalogue scenario under several presets, side by side: what a
//! configuration costs. Every preset runs the same scenario (cluster, fault
//! mix, workload shape) with the same seeds, so only the preset differs (with
//! `transactional`, the producers run transactions and the consumers read
//! read_committed). Seeds are interleaved (seed 0 under each preset, then
//! seed 1, ...) so a busy machine slows every preset alike.
//!
//! Per preset: runs per second (1000 over the median wall time of a run;
//! also the median CPU time of this thread, which waiting for a core on a
//! shared machine does not inflate) and committed records per simulated
//! second (`committed.rs`: records of `ok` sends plus records of committed
//! transactions, summed over the seeds, over the simulated time producers
//! send, `duration_ms` + `sim.recovery_ms`, summed over the seeds); then
//! each preset's ratios to the first.
use super::committed::Committed;
use super::cycles::cpu_ns;
use super::scenario::{load, sending_ms, timed_run};
use logjam_scenarios::table::{render, Column};

/// `presets`: the scenario `scenario` under each of `presets`, seeds 0..runs.
pub fn bench(scenario: &str, presets: &[String], runs: u64) {
    let scenarios: Vec<_> = presets
        .iter()
        .map(|p| load(scenario, Some(p.as_str())))
        .collect();
    let mut walls_ms: Vec<Vec<f64>> = vec![Vec::new(); presets.len()];
    let mut cpus_ms: Vec<Vec<f64>> = vec![Vec::new(); presets.len()];
    let mut committed = vec![Committed::default(); presets.len()];
    let mut sending_total_ms = vec![0u64; presets.len()];
    for seed in 0..runs {
        for (i, s) in scenarios.iter().enumerate() {
            let cpu_before = cpu_ns();
            let (wall_ms, out) = timed_run(s, seed);
            if let (Some(before), Some(after)) = (cpu_before, cpu_ns()) {
                cpus_ms[i].push((after - before) as f64 / 1e6);
            }
            walls_ms[i].push(wall_ms);
            committed[i].add(Committed::of(&out.history));
            sending_total_ms[i] += sending_ms(s);
        }
    }
    let rows: Vec<Row> = (0..presets.len())
        .map(|i| Row {
            median_ms: super::median_ms(walls_ms[i].clone()),
            median_cpu_ms: (!cpus_ms[i].is_empty()).then(|| super::median_ms(cpus_ms[i].clone())),
            committed: committed[i],
            per_sim_s: committed[i].records as f64 * 1e3 / sending_total_ms[i] as f64,
        })
        .collect();
    println!(
        "scenario {scenario} under {}: {runs} runs each (seeds 0..{runs}, interleaved), release build, one core",
        presets.join(", ")
    );
    let header = [
        "preset",
        "runs/s",
        "ms/run",
        "CPU ms/run",
        "committed/run",
        "committed/sim s",
        "txns ok/aborted/unknown",
    ];
    let cells: Vec<Vec<String>> = presets
        .iter()
        .zip(&rows)
        .map(|(preset, row)| {
            let c = row.committed;
            vec![
                preset.clone(),
                format!("{:.2}", 1e3 / row.median_ms),
                format!("{:.1}", row.median_ms),
                row.median_cpu_ms
                    .map_or_else(|| "-".to_string(), |ms| format!("{ms:.1}")),
                format!("{:.1}", c.records as f64 / runs as f64),
                format!("{:.1}", row.per_sim_s),
                format!("{}/{}/{}", c.txns_committed, c.txns_aborted, c.txns_unknown),
            ]
        })
        .collect();
    let columns = [
        Column::left(0).indent(2),
        Column::right(0),
        Column::right(0),
        Column::right(0),
        Column::right(0),
        Column::right(0),
        Column::right(0),
    ];
    print!(
        "{}",
        render(&columns, Some(header.map(String::from).to_vec()), cells)
    );
    let base = &rows[0];
    for (preset, row) in presets.iter().zip(&rows).skip(1) {
        println!(
            "  {preset} / {}: runs per second x{:.2}{}, committed records per simulated second x{:.2}",
            presets[0],
            base.median_ms / row.median_ms,
            match (base.median_cpu_ms, row.median_cpu_ms) {
                (Some(b), Some(r)) => format!(" (x{:.2} on the CPU)", b / r),
                _ => String::new(),
            },
            row.per_sim_s / base.per_sim_s
        );
    }
    println!(
        "  committed: records of ok sends plus records of committed txns; per simulated second of sending ({} ms a run)",
        sending_total_ms[0] / runs.max(1)
    );
}

struct Row {
    median_ms: f64,
    /// None where the thread's CPU time cannot be read (not Linux).
    median_cpu_ms: Option<f64>,
    committed: Committed,
    per_sim_s: f64,
}
