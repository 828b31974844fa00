//! Loading scenarios: simulation-scaled defaults, then the named preset, then the
//! scenario file's own settings, merged key by key and then checked against
//! Kafka's rules. Errors name the file, the key and what was expected.
use crate::presets::preset_table;
use logjam_harness::scenario::Scenario;
use logjam_models::config::{BrokerConfig, ConsumerConfig, ProducerConfig};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{origin}: {source}")]
    Io {
        origin: String,
        source: std::io::Error,
    },
}

fn invalid(origin: &str, message: impl Into<String>) -> LoadError {
    LoadError::Invalid {
        origin: origin.to_string(),
        message: message.into(),
    }
}

pub fn load_scenario_file(path: &Path) -> Result<Scenario, LoadError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        origin: origin.clone(),
        source,
    })?;
    load_scenario_str(&text, &origin)
}

pub fn load_scenario_str(text: &str, origin: &str) -> Result<Scenario, LoadError> {
    load_with(text, origin, None).map(|(s, _)| s)
}

/// What a catalogue scenario's test must show (its `[expect]` table). It
/// describes the test, never the checker's input.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Anomaly kinds that must each appear within `seed_budget` seeds.
    #[serde(default)]
    pub finds: Vec<String>,
    #[serde(default)]
    pub seed_budget: u64,
    /// Seeds over which every promise must hold.
    #[serde(default)]
    pub holds_over_seeds: u64,
}

/// Load a scenario, optionally replacing its preset, and its expectation if any.
pub fn load_with(
    text: &str,
    origin: &str,
    preset_override: Option<&str>,
) -> Result<(Scenario, Option<Expectation>), LoadError> {
    let mut file: toml::Table = toml::from_str(text).map_err(|e| invalid(origin, e.to_string()))?;
    let expect = match file.remove("expect") {
        Some(v) => Some(
            v.try_into::<Expectation>()
                .map_err(|e| invalid(origin, format!("`expect`: {}", e.message())))?,
        ),
        None => None,
    };
    if let Some(p) = preset_override {
        file.insert("preset".into(), toml::Value::String(p.to_string()));
    }
    let mut merged = sim_defaults();
    if let Some(preset) = file.get("preset").cloned() {
        let name = preset
            .as_str()
            .ok_or_else(|| invalid(origin, "`preset` must be a string naming a preset"))?;
        let table = preset_table(name).ok_or_else(|| {
            invalid(
                origin,
                format!("`preset`: unknown preset {name:?} (see `logjam list`)"),
            )
        })?;
        merge(&mut merged, table);
    }
    merge(&mut merged, file);
    let scenario: Scenario = toml::Value::Table(merged)
        .try_into()
        .map_err(|e: toml::de::Error| invalid(origin, e.message().to_string()))?;
    scenario
        .cluster
        .validate()
        .map_err(|e| invalid(origin, format!("impossible configuration: {e}")))?;
    if scenario.workload.producers == 0 && scenario.workload.consumers == 0 {
        return Err(invalid(
            origin,
            "`workload`: expected at least one producer or consumer",
        ));
    }
    if scenario.sim.tick_ms == 0 {
        return Err(invalid(
            origin,
            "`sim.tick_ms`: expected a positive number of milliseconds",
        ));
    }
    Ok((scenario, expect))
}

/// Kafka's settings with every timeout scaled down for short simulated runs.
fn sim_defaults() -> toml::Table {
    let json = serde_json::json!({
        "cluster": {
            "broker": BrokerConfig::scaled_for_simulation(),
            "producer": ProducerConfig::scaled_for_simulation(),
            "consumer": ConsumerConfig::scaled_for_simulation(),
        }
    });
    match toml::Value::try_from(without_nulls(json)) {
        Ok(toml::Value::Table(t)) => t,
        _ => unreachable!("a JSON object without nulls is a TOML table"),
    }
}

/// TOML has no null: an unset optional setting is simply absent.
fn without_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Deep merge: tables merge key by key, anything else in `top` replaces `base`.
fn merge(base: &mut toml::Table, top: toml::Table) {
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}
