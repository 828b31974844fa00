//! The short human summary `logjam run` prints: one row per run, led by
//! what was found and whether the configuration promised against it
//! (`logjam_reports::findings`, as the run page says it).
use crate::table::{render, Column};
use logjam_checker::{CheckResult, Semantics};
use logjam_reports::findings::{headline, Headline, Tone};
use std::collections::BTreeSet;

pub struct RunRow {
    pub scenario: String,
    pub preset: String,
    pub seed: u64,
    pub result: CheckResult,
    /// The configuration the run was judged against.
    pub semantics: Semantics,
    pub dir: String,
}

impl RunRow {
    fn headline(&self) -> Headline {
        headline(&self.result, Some(&self.semantics))
    }
}

pub fn print_table(rows: &[RunRow]) {
    let header = ["scenario", "preset", "seed", "found", "verdict"].map(String::from);
    let headlines: Vec<Headline> = rows.iter().map(RunRow::headline).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .zip(&headlines)
        .map(|(r, h)| {
            vec![
                r.scenario.clone(),
                r.preset.clone(),
                r.seed.to_string(),
                h.found(),
                h.verdict(),
            ]
        })
        .collect();
    let columns = [Column::left(0).gap(2); 5];
    print!("{}", render(&columns, Some(header.to_vec()), cells));
    // Each reason once, in full: the row only names the setting.
    let reasons: BTreeSet<&str> = headlines
        .iter()
        .flat_map(Headline::not_promised_reasons)
        .collect();
    if !reasons.is_empty() {
        println!();
        for reason in reasons {
            println!("not promised by {reason}");
        }
    }
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
    let broke = headlines.iter().filter(|h| h.tone == Tone::Broken).count();
    let found_any = headlines.iter().filter(|h| !h.findings.is_empty()).count();
    let idle = headlines
        .iter()
        .filter(|h| h.tone == Tone::Unexercised)
        .count();
    let idle = if idle > 0 {
        format!(", {idle} exercised none")
    } else {
        String::new()
    };
    println!(
        "\n{} runs: {} found anomalies, {}{idle}",
        rows.len(),
        found_any,
        match broke {
            0 => "none broke a promise".to_string(),
            n => format!("{n} broke a promise"),
        }
    );
}
