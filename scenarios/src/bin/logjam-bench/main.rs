//! `just bench`: wall time of whole runs and of the checker, reported as
//! medians and ratios, never asserted.
//!
//! Usage:
//!   logjam-bench [SCENARIO] [RUNS]        whole runs of a catalogue scenario
//!   logjam-bench checker [OPS] [RUNS]     parse and check a synthetic history file
mod checker;
mod scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    match args.first().map(String::as_str) {
        Some("checker") => checker::bench(number(1).unwrap_or(1_000_000), number(2).unwrap_or(5)),
        // One round of `checker`, in its own process (see checker.rs).
        Some("checker-file") => match args.get(1) {
            Some(path) => checker::round(std::path::Path::new(path)),
            None => eprintln!("usage: logjam-bench checker-file HISTORY.jsonl"),
        },
        name => scenario::bench(name.unwrap_or("standard"), number(1).unwrap_or(11)),
    }
}

/// The median of some timings, in milliseconds.
fn median_ms(mut walls_ms: Vec<f64>) -> f64 {
    walls_ms.sort_by(f64::total_cmp);
    walls_ms[walls_ms.len() / 2]
}
