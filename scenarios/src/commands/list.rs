//! `logjam list`: the catalogue's scenarios, the presets with what each
//! promises (from the promise table), the kinds a scenario's fault mix
//! draws from, and the schedule's fault kinds with an example.
use super::exit::{CliError, ExitStatus};
use logjam_checker::PromiseName;
use logjam_harness::nemesis::fault::FaultTag;
use logjam_harness::nemesis::generator::FaultKind;
use logjam_models::config::KafkaVersion;
use logjam_scenarios::table::{render, Column};
use logjam_scenarios::{catalogue, presets, promised};

#[derive(clap::Args)]
pub struct ListCommand {}

/// A name column (indented two spaces, at least `name_chars` wide) and text.
fn columns(name_chars: u16) -> [Column; 2] {
    [Column::left(name_chars).indent(2), Column::left(0)]
}

impl ListCommand {
    pub fn run(self) -> Result<ExitStatus, CliError> {
        println!("Scenarios (logjam run --scenario NAME):");
        print!("{}", render(&columns(28), None, scenario_rows()));
        println!("\nPresets (preset = \"NAME\" in a scenario file):");
        print!("{}", render(&columns(24), None, preset_rows()));
        println!(
            "\nFault-mix kinds (a scenario's [faults.mix] kinds = [...], drawn from the seed):"
        );
        print!("{}", render(&columns(24), None, mix_rows()));
        println!("\nFault kinds (schedule entries {{\"at_ms\": N, \"fault\": {{\"kind\": KIND, ...}}}}, each with an example fault):");
        print!("{}", render(&columns(24), None, fault_rows()));
        Ok(ExitStatus::Kept)
    }
}

fn scenario_rows() -> Vec<Vec<String>> {
    catalogue::names()
        .map(|name| {
            let description = match catalogue::scenario(name) {
                Some(Ok(s)) => s
                    .description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => "(does not load)".to_string(),
            };
            vec![name.to_string(), description]
        })
        .collect()
}

fn preset_rows() -> Vec<Vec<String>> {
    let listed = |names: &[PromiseName]| {
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    };
    let mut rows = Vec::new();
    for p in presets::presets() {
        rows.push(vec![p.name.clone(), p.description]);
        match promised::promised(&p.name) {
            Some(Ok((crashes, power_loss))) => {
                rows.push(vec![
                    String::new(),
                    format!(
                        "promises under partitions, crashes, pauses: {}",
                        listed(&crashes)
                    ),
                ]);
                if power_loss != crashes {
                    rows.push(vec![
                        String::new(),
                        format!("... and with power loss: {}", listed(&power_loss)),
                    ]);
                }
                // Only 4.1 changes a promise (KIP-966); a preset that cannot
                // run on it (a ZooKeeper-era switch) shows nothing here.
                if let Some(Ok((_, power_loss_4_1))) =
                    promised::promised_on(&p.name, Some(KafkaVersion::V4_1))
                {
                    if power_loss_4_1 != power_loss {
                        rows.push(vec![
                            String::new(),
                            format!(
                                "... with power loss on kafka.version 4.1: {}",
                                listed(&power_loss_4_1)
                            ),
                        ]);
                    }
                }
            }
            _ => rows.push(vec![String::new(), "(does not load)".to_string()]),
        }
    }
    rows
}

fn mix_rows() -> Vec<Vec<String>> {
    FaultKind::all()
        .map(|k| vec![k.as_str().to_string(), k.description().to_string()])
        .collect()
}

fn fault_rows() -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for tag in FaultTag::all() {
        let example = serde_json::to_string(&tag.example()).expect("a fault serializes");
        rows.push(vec![
            tag.as_str().to_string(),
            tag.description().to_string(),
        ]);
        rows.push(vec![String::new(), example]);
    }
    rows
}
