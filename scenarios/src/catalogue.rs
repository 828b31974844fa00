//! The built-in scenarios (catalogue/*.toml), compiled into the binary so a
//! newcomer's first command works from anywhere.
use crate::load::{load_with, Expectation, LoadError};
use logjam_harness::scenario::Scenario;

macro_rules! catalogue {
    ($($name:literal),* $(,)?) => {
        pub const CATALOGUE: &[(&str, &str)] = &[$(($name, include_str!(concat!("../catalogue/", $name, ".toml")))),*];
    };
}

catalogue!(
    "standard",
    "baseline-producers",
    "acks0-fire-and-forget",
    "acks1-leader-crash",
    "acks-all-min-isr-1-leader-alone",
    "durable-partitions-crashes",
    "idempotent-client-partitions",
    "retries-reorder",
    "last-replica-standing",
    "last-replica-standing-fsync",
    "power-loss-all",
    "power-loss-all-fsync",
    "unclean-election",
    "clean-election-waits",
    "kip101-legacy-truncation",
    "kip101-epoch-truncation",
    "group-at-most-once-crash",
    "group-at-least-once-churn",
    "group-auto-commit-rebalance",
    "group-cooperative-churn",
    "group-zombie-legacy-fencing",
    "group-coordinator-failover",
);

/// What `logjam run` with no scenario runs: one that loses data and one that must not.
pub const DEFAULT_SET: &[&str] = &["acks1-leader-crash", "durable-partitions-crashes"];

fn text(name: &str) -> Option<&'static str> {
    CATALOGUE.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A catalogue scenario by name, or an error listing the known names.
pub fn lookup(name: &str) -> Result<Scenario, String> {
    match scenario(name) {
        Some(loaded) => loaded.map_err(|e| e.to_string()),
        None => Err(format!(
            "unknown scenario {name:?}; known: {}",
            names().collect::<Vec<_>>().join(", ")
        )),
    }
}

pub fn scenario(name: &str) -> Option<Result<Scenario, LoadError>> {
    scenario_with_preset(name, None)
}

/// A catalogue scenario with its preset replaced (for sweeps over presets).
pub fn scenario_with_preset(
    name: &str,
    preset: Option<&str>,
) -> Option<Result<Scenario, LoadError>> {
    let origin = format!("catalogue/{name}.toml");
    text(name).map(|t| load_with(t, &origin, preset).map(|(s, _)| s))
}

pub fn expectation(name: &str) -> Option<Result<Option<Expectation>, LoadError>> {
    let origin = format!("catalogue/{name}.toml");
    text(name).map(|t| load_with(t, &origin, None).map(|(_, e)| e))
}

pub fn names() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|(n, _)| *n)
}
