//! The cycle search alone (`logjam_checker::find_cycles`) on a synthetic
//! transactional history (`synthetic_txn_history`: overlapping transactions,
//! read_committed consumers), with ww dependencies inferred so the graph has
//! every kind of edge and write cycles to find; then on the plain synthetic
//! history without ww dependencies, as every `check` runs it. Medians over
//! several rounds, wall and CPU.
use logjam_checker::find_cycles;
use logjam_checker::history::synthetic::{synthetic_history, synthetic_txn_history};
use logjam_checker::history::History;
use std::time::Instant;

pub fn bench(ops: u64, rounds: u64) {
    let history = synthetic_txn_history(ops as usize, 1);
    time(&history, rounds, true, "a transactional history");
    // Part of every check: the plain synthetic history, no ww dependencies.
    let plain = synthetic_history(ops as usize, 1);
    time(&plain, rounds, false, "the plain history above");
}

fn time(history: &History, rounds: u64, ww_deps: bool, what: &str) {
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    let mut cycles = 0;
    for _ in 0..rounds.max(1) {
        let (t, cpu) = (Instant::now(), cpu_ns());
        let found = find_cycles(history, ww_deps);
        walls.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(before), Some(after)) = (cpu, cpu_ns()) {
            cpus.push((after - before) as f64 / 1e6);
        }
        cycles = found.values().map(Vec::len).sum::<usize>();
    }
    // On a shared machine the wall time includes waiting for a core; the
    // CPU time of this thread does not.
    let cpu = if cpus.is_empty() {
        String::new()
    } else {
        format!(", {:.0} ms on the CPU", super::median_ms(cpus))
    };
    println!(
        "  cycles median {:.0} ms{cpu} on {what} of {} operations (ww_deps {}, gathering facts included; {cycles} cycles found)",
        super::median_ms(walls),
        history.ops.len(),
        if ww_deps { "on" } else { "off" }
    );
}

/// Nanoseconds this thread has run on a CPU (Linux's schedstat); None elsewhere.
pub fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}
