//! How long a run page takes to render, and how big it is, for a large
//! history. `report-bench [OPS] [ITERATIONS]` builds a synthetic run folder of
//! about OPS operations (default 100,000) under `target/report-bench/`,
//! renders its page ITERATIONS times (default 7) and prints the median
//! render time and the page size; with `--transactional` first, the
//! producers run transactions instead of single sends (so the timeline draws
//! transaction spans). `report-bench --dir RUN_DIR` renders an existing run
//! folder instead (and writes its report.html).
use logjam_reports::{render_run_page, testkit, write_run_report};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--dir") {
        for d in &args[1..] {
            match write_run_report(&PathBuf::from(d)) {
                Ok(p) => println!("{}", p.display()),
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2);
                }
            }
        }
        return;
    }
    let transactional = args.first().map(String::as_str) == Some("--transactional");
    if transactional {
        args.remove(0);
    }
    let ops: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let iterations: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(7).max(1);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/report-bench")
        .join(format!("{ops}{}", if transactional { "-txn" } else { "" }));
    let t = Instant::now();
    if let Err(e) = testkit::write_synthetic_with(&dir, ops, transactional) {
        eprintln!("error: writing {}: {e}", dir.display());
        std::process::exit(2);
    }
    let lines = std::fs::read_to_string(dir.join("history.jsonl"))
        .map(|s| s.lines().count())
        .unwrap_or(0);
    println!(
        "run folder: {} ({lines} history lines, built in {} ms)",
        dir.display(),
        t.elapsed().as_millis()
    );
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..iterations {
        let t = Instant::now();
        match render_run_page(&dir) {
            Ok(page) => size = page.len(),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let page = write_run_report(&dir)
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    println!(
        "render: median {median:.1} ms over {iterations} runs (min {:.1}, max {:.1})",
        times[0],
        times[times.len() - 1]
    );
    println!("page: {size} bytes ({:.2} MB) at {page}", size as f64 / 1e6);
}
