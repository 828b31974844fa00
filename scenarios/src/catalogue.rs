//! The built-in scenarios (catalogue/*.toml), compiled into the binary so a
//! newcomer's first command works from anywhere.
use crate::load::{load_scenario_str, LoadError};
use logjam_harness::scenario::Scenario;

pub const CATALOGUE: &[(&str, &str)] = &[
    ("standard", include_str!("../catalogue/standard.toml")),
    (
        "acks1-leader-crash",
        include_str!("../catalogue/acks1-leader-crash.toml"),
    ),
    (
        "durable-partitions-crashes",
        include_str!("../catalogue/durable-partitions-crashes.toml"),
    ),
    (
        "retries-reorder",
        include_str!("../catalogue/retries-reorder.toml"),
    ),
];

/// What `logjam run` with no scenario runs: one that loses data and one that must not.
pub const DEFAULT_SET: &[&str] = &["acks1-leader-crash", "durable-partitions-crashes"];

pub fn scenario(name: &str) -> Option<Result<Scenario, LoadError>> {
    CATALOGUE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| load_scenario_str(text, &format!("catalogue/{n}.toml")))
}

pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|(n, _)| *n)
}
