//! The sweep's terminal summaries: preset × anomaly kind, seeds to first
//! appearance, and the runs whose simulation failed.
use crate::table::{render, Column};
use logjam_checker::AnomalyKind;
use logjam_reports::{RunFailure, RunSummary};
use std::collections::BTreeMap;

/// The terminal summary: preset × anomaly kind, with counts, a rate, and an
/// example seed (the run with the fewest operations).
pub fn summary_table(results: &[RunSummary]) -> String {
    let mut cells: BTreeMap<(String, AnomalyKind), (u64, u64, &RunSummary)> = BTreeMap::new();
    // Per preset: runs, acknowledged sends, records processed.
    let mut per_preset: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for r in results {
        let p = per_preset.entry(r.preset.clone()).or_default();
        p.0 += 1;
        p.1 += r.sends_ok;
        p.2 += r.records_processed;
        for (&kind, &n) in &r.counts {
            let e = cells.entry((r.preset.clone(), kind)).or_insert((0, 0, r));
            e.0 += 1;
            e.1 += n;
            if r.ops < e.2.ops {
                e.2 = r;
            }
        }
    }
    let header = [
        "preset",
        "anomaly",
        "runs",
        "instances",
        "per 1k",
        "example (fewest ops)",
    ];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (preset, &(n, sends, processed)) in &per_preset {
        let mut any = false;
        for ((_, kind), (runs, total, ex)) in cells.iter().filter(|((p, _), _)| p == preset) {
            any = true;
            let broke = if ex.broken.is_empty() { "" } else { " BROKEN" };
            let per = if kind.is_group_level() {
                processed
            } else {
                sends
            };
            let rate = if per == 0 {
                "-".to_string()
            } else {
                format!("{:.1}", *total as f64 * 1000.0 / per as f64)
            };
            rows.push(vec![
                preset.clone(),
                kind.to_string(),
                runs.to_string(),
                total.to_string(),
                rate,
                format!("{} seed {}{broke}", ex.scenario, ex.seed),
            ]);
        }
        if !any {
            rows.push(vec![
                preset.clone(),
                "(none found)".into(),
                n.to_string(),
                "0".into(),
                "0.0".into(),
                String::new(),
            ]);
        }
    }
    let columns = [
        Column::left(26),
        Column::left(22),
        Column::right(6),
        Column::right(10),
        Column::right(8).gap(2),
        Column::left(0),
    ];
    let mut s = render(&columns, Some(strings(&header)), rows);
    s += "per 1k: instances per 1000 acknowledged sends over the preset's runs \
          (per 1000 records processed for lost- and duplicate-processing)\n";
    s
}

/// How many seeds each anomaly kind took to first appear, per (scenario,
/// preset) where it appeared at all, and the median over those: how hard the
/// kind is to find. Seeds of a combination run from its lowest seed up.
pub fn first_appearance_table(results: &[RunSummary]) -> String {
    let mut lowest_seed: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    let mut first: BTreeMap<(AnomalyKind, &str, &str), u64> = BTreeMap::new();
    for r in results {
        let combo = (r.scenario.as_str(), r.preset.as_str());
        let low = lowest_seed.entry(combo).or_insert(r.seed);
        *low = (*low).min(r.seed);
        for &kind in r.counts.keys() {
            let e = first.entry((kind, combo.0, combo.1)).or_insert(r.seed);
            *e = (*e).min(r.seed);
        }
    }
    let mut seeds_by_kind: BTreeMap<AnomalyKind, Vec<u64>> = BTreeMap::new();
    for ((kind, scenario, preset), seed) in first {
        seeds_by_kind
            .entry(kind)
            .or_default()
            .push(seed - lowest_seed[&(scenario, preset)] + 1);
    }
    let header = [
        "anomaly",
        "combos",
        "median",
        "seeds to first appearance, per scenario x preset",
    ];
    let rows = seeds_by_kind
        .into_iter()
        .map(|(kind, mut seeds)| {
            seeds.sort_unstable();
            let median = seeds[seeds.len() / 2];
            let listed: Vec<String> = seeds.iter().map(u64::to_string).collect();
            vec![
                kind.to_string(),
                seeds.len().to_string(),
                median.to_string(),
                listed.join(" "),
            ]
        })
        .collect();
    let columns = [
        Column::left(22),
        Column::right(9),
        Column::right(8).gap(2),
        Column::left(0),
    ];
    render(&columns, Some(strings(&header)), rows)
}

/// The runs whose simulation failed, one line each (empty when none did).
pub fn failures_table(failures: &[RunFailure]) -> String {
    if failures.is_empty() {
        return String::new();
    }
    let rows = failures
        .iter()
        .map(|f| {
            vec![
                f.scenario.clone(),
                f.preset.clone(),
                format!("seed {}:", f.seed),
                f.error.clone(),
            ]
        })
        .collect();
    let columns = [
        Column::left(0).indent(2),
        Column::left(0),
        Column::left(0),
        Column::left(0),
    ];
    format!(
        "{} runs FAILED to simulate (error lines in results.jsonl):\n{}",
        failures.len(),
        render(&columns, None, rows)
    )
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(scenario: &str, preset: &str, seed: u64, lost: u64, ops: u64) -> RunSummary {
        let counts = if lost > 0 {
            serde_json::json!({"lost-write": lost})
        } else {
            serde_json::json!({})
        };
        serde_json::from_value(serde_json::json!({
            "scenario": scenario, "preset": preset, "seed": seed,
            "valid": true, "broken": [], "counts": counts, "ops": ops,
            "sends_ok": 2000, "records_processed": 0, "wall_ms": 1, "simulated_ms": 1
        }))
        .expect("a run summary")
    }

    /// The columns are those the hand-padded tables had, at the same widths.
    #[test]
    fn tables_keep_their_columns_and_widths() {
        let runs = [
            summary("acks1-leader-crash", "leader-ack", 3, 4, 90),
            summary("acks1-leader-crash", "leader-ack", 5, 2, 80),
            summary("standard", "durable", 0, 0, 100),
        ];
        let table = summary_table(&runs);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "{:<26} {:<22} {:>6} {:>10} {:>8}  {}",
                "preset", "anomaly", "runs", "instances", "per 1k", "example (fewest ops)"
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "{:<26} {:<22} {:>6} {:>10} {:>8}",
                "durable", "(none found)", 1, 0, "0.0"
            )
        );
        assert_eq!(
            lines[2],
            format!(
                "{:<26} {:<22} {:>6} {:>10} {:>8}  {}",
                "leader-ack", "lost-write", 2, 6, "1.5", "acks1-leader-crash seed 5"
            )
        );
        assert!(lines[3].starts_with("per 1k: "), "{table}");
        let first = first_appearance_table(&runs);
        assert_eq!(
            first.lines().nth(1),
            Some(format!("{:<22} {:>9} {:>8}  {}", "lost-write", 1, 1, "1").as_str()),
            "{first}"
        );
        let failed = failures_table(&[RunFailure {
            scenario: "s".into(),
            preset: "p".into(),
            seed: 7,
            error: "simulation failed: x".into(),
            wall_ms: 0,
        }]);
        assert_eq!(
            failed,
            "1 runs FAILED to simulate (error lines in results.jsonl):\n  s p seed 7: simulation failed: x\n"
        );
    }
}
