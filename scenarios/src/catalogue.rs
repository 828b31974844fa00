//! The built-in scenarios (catalogue/*.toml), compiled into the binary so a
//! newcomer's first command works from anywhere. The list is the folder:
//! build.rs writes `CATALOGUE` from the files, sorted by name.
use crate::load::{load_with, Expectation, LoadError};
use logjam_harness::scenario::Scenario;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_sorted_and_holds_the_default_set() {
        let listed: Vec<&str> = names().collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
        for name in DEFAULT_SET.iter().chain(&["standard"]) {
            assert!(text(name).is_some(), "{name}");
        }
    }

    #[test]
    fn every_catalogue_scenario_round_trips_through_a_scenario_file() {
        for name in names() {
            for preset in [None, Some("durable")] {
                let s = scenario_with_preset(name, preset).unwrap().unwrap();
                let text = crate::load::to_toml(&s).unwrap();
                let back = crate::load::load_scenario_str(&text, "written.toml")
                    .unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
                assert_eq!(back, s, "{name}");
            }
        }
    }
}
