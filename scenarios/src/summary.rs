//! The short human summary `logjam run` prints: one row per run.
use crate::table::{render, Column};
use logjam_checker::CheckResult;

pub struct RunRow {
    pub scenario: String,
    pub preset: String,
    pub seed: u64,
    pub result: CheckResult,
    pub dir: String,
}

pub fn verdict(r: &CheckResult) -> &'static str {
    match r.valid {
        // Kept only what the run exercised (issue 14).
        Some(true) if r.nothing_exercised() => "nothing exercised",
        Some(true) => "kept",
        Some(false) => "BROKEN",
        None => "unknown",
    }
}

fn anomalies(r: &CheckResult) -> String {
    if r.counts.is_empty() {
        return "none".into();
    }
    r.counts
        .iter()
        .map(|(k, n)| format!("{k}×{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn print_table(rows: &[RunRow]) {
    let header = ["scenario", "preset", "seed", "promises", "anomalies"].map(String::from);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.scenario.clone(),
                r.preset.clone(),
                r.seed.to_string(),
                verdict(&r.result).to_string(),
                anomalies(&r.result),
            ]
        })
        .collect();
    let columns = [Column::left(0).gap(2); 5];
    print!("{}", render(&columns, Some(header.to_vec()), cells));
    let broken: Vec<&RunRow> = rows
        .iter()
        .filter(|r| r.result.valid == Some(false))
        .collect();
    if !broken.is_empty() {
        println!();
        for r in broken {
            let names: Vec<String> = r.result.broken().map(|p| p.name.to_string()).collect();
            println!(
                "{} seed {}: broke {} — replay: logjam replay {}",
                r.scenario,
                r.seed,
                names.join(", "),
                r.dir
            );
        }
    }
    let kept = rows
        .iter()
        .filter(|r| r.result.valid == Some(true) && !r.result.nothing_exercised())
        .count();
    let broke = rows
        .iter()
        .filter(|r| r.result.valid == Some(false))
        .count();
    let idle = rows.len() - kept - broke;
    let idle = if idle > 0 {
        format!(", {idle} exercised none")
    } else {
        String::new()
    };
    println!(
        "\n{} runs: {} kept every promise, {} broke one{idle}",
        rows.len(),
        kept,
        broke
    );
}
