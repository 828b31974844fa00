//! `just bench`: wall time of whole runs and of the checker, reported as
//! medians and ratios, never asserted.
//!
//! Usage:
//!   logjam-bench [SCENARIO] [RUNS]        whole runs of a catalogue scenario
//!   logjam-bench checker [OPS] [RUNS]     parse and check a synthetic history file,
//!                                         then the cycle search on a transactional one
//!   logjam-bench checker-write FILE [OPS] that synthetic history, written to FILE
//!   logjam-bench checker-file FILE        one round of `checker` on FILE
//!   logjam-bench presets [--scenario NAME] PRESET... [RUNS]
//!                                         one scenario (default `standard`) under each
//!                                         preset, side by side (see presets.rs)
//!   logjam-bench txn-cost [--scenario NAME] [RUNS]
//!                                         `presets durable transactional`: what
//!                                         transactions cost
mod checker;
mod committed;
mod cycles;
mod presets;
mod scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    match args.first().map(String::as_str) {
        Some("checker") => {
            let (ops, rounds) = (number(1).unwrap_or(1_000_000), number(2).unwrap_or(5));
            checker::bench(ops, rounds);
            cycles::bench(ops, rounds);
        }
        // One round of `checker`, in its own process (see checker.rs).
        Some("checker-file") => match args.get(1) {
            Some(path) => checker::round(std::path::Path::new(path)),
            None => eprintln!("usage: logjam-bench checker-file HISTORY.jsonl"),
        },
        // The synthetic history itself, for profiling a round by hand.
        Some("checker-write") => match args.get(1) {
            Some(path) => {
                checker::write(std::path::Path::new(path), number(2).unwrap_or(1_000_000))
            }
            None => eprintln!("usage: logjam-bench checker-write HISTORY.jsonl [OPS]"),
        },
        Some("presets") => {
            let (scenario, presets, runs) = presets_args(&args[1..]);
            presets::bench(&scenario, &presets, runs);
        }
        Some("txn-cost") => {
            let mut with_presets = vec!["durable".to_string(), "transactional".to_string()];
            with_presets.extend(args[1..].iter().cloned());
            let (scenario, presets, runs) = presets_args(&with_presets);
            presets::bench(&scenario, &presets, runs);
        }
        name => scenario::bench(name.unwrap_or("standard"), number(1).unwrap_or(11)),
    }
}

const PRESETS_SCENARIO: &str = "standard";
const PRESETS_RUNS: u64 = 11;

/// `[--scenario NAME] PRESET... [RUNS]`: a last argument that is a number is
/// the run count. Bad arguments exit with status 2, saying what was expected.
fn presets_args(args: &[String]) -> (String, Vec<String>, u64) {
    let fail = |message: String| -> ! {
        eprintln!("error: {message}");
        eprintln!("usage: logjam-bench presets [--scenario NAME] PRESET... [RUNS]");
        std::process::exit(2)
    };
    let mut scenario = PRESETS_SCENARIO.to_string();
    let mut presets = Vec::new();
    let mut runs = PRESETS_RUNS;
    let mut rest = args.iter().peekable();
    while let Some(arg) = rest.next() {
        if arg == "--scenario" {
            match rest.next() {
                Some(name) => scenario = name.clone(),
                None => fail("--scenario: expected a catalogue scenario's name".into()),
            }
        } else if arg.starts_with(|c: char| c.is_ascii_digit()) && rest.peek().is_none() {
            runs = match arg.parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => fail(format!(
                    "RUNS: expected a positive whole number, got {arg:?}"
                )),
            };
        } else {
            presets.push(arg.clone());
        }
    }
    if presets.is_empty() {
        fail("expected at least one PRESET (see `logjam list`)".into());
    }
    (scenario, presets, runs)
}

/// The median of some timings, in milliseconds.
fn median_ms(mut walls_ms: Vec<f64>) -> f64 {
    walls_ms.sort_by(f64::total_cmp);
    walls_ms[walls_ms.len() / 2]
}
