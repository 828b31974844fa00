//! The checker on a synthetic history (`logjam_checker::history::synthetic`):
//! write it as JSONL, parse it back, check it; medians over several rounds,
//! and the process's peak resident memory.
use logjam_checker::history::synthetic::synthetic_history;
use logjam_checker::history::{parse_history, MicroOp};
use logjam_checker::{check, CheckOptions};
use std::time::Instant;

pub fn bench(ops: u64, rounds: u64) {
    let history = synthetic_history(ops as usize, 1);
    let (mut write, mut parse, mut checks) = (Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    let mut found = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let text = history.to_jsonl();
        write.push(t.elapsed().as_secs_f64() * 1e3);
        bytes = text.len();
        let t = Instant::now();
        let parsed = parse_history(&text).expect("our own history parses");
        parse.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let result = check(&parsed, &CheckOptions::default());
        checks.push(t.elapsed().as_secs_f64() * 1e3);
        found = result.counts.values().sum::<u64>();
    }
    let n = history.ops.len();
    let records_read: usize = history
        .ops
        .iter()
        .flat_map(|op| op.value.micro_ops())
        .map(|m| match m {
            MicroOp::Poll { reads: Some(r) } => r.values().map(Vec::len).sum(),
            _ => 0,
        })
        .sum();
    println!(
        "checker: synthetic history of {n} operations, {records_read} records read ({:.1} MB of JSONL), {rounds} rounds, one core",
        bytes as f64 / 1e6
    );
    println!("  write  median {:.0} ms", super::median_ms(write));
    println!("  parse  median {:.0} ms", super::median_ms(parse));
    let check_ms = super::median_ms(checks);
    println!(
        "  check  median {check_ms:.0} ms ({:.2} µs per operation; {found} anomalies found)",
        check_ms * 1e3 / n as f64
    );
    if let Some(kb) = peak_rss_kb() {
        println!(
            "  peak resident memory of this process: {:.0} MB",
            kb as f64 / 1024.0
        );
    }
}

/// VmHWM from /proc (Linux); None elsewhere.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
