//! Loading scenarios: simulation-scaled defaults, then the named preset, then the
//! scenario file's own settings, merged key by key and then checked against
//! Kafka's rules. Errors name the file, the key and what was expected.
use crate::presets::preset_table;
use logjam_harness::scenario::Scenario;
use logjam_models::config::{BrokerConfig, ConsumerConfig, ProducerConfig};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `origin` is the file, with `:LINE` when the error has a place in it.
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
        Some(v) => Some(typed::<Expectation>(
            v,
            &[Step::key("expect")],
            text,
            origin,
        )?),
        None => None,
    };
    if let Some(p) = preset_override {
        file.insert("preset".into(), toml::Value::String(p.to_string()));
    }
    let mut merged = sim_defaults();
    if let Some(preset) = file.get("preset").cloned() {
        let name = preset
            .as_str()
            .ok_or_else(|| invalid(origin, "`preset`: expected a string naming a preset"))?;
        let table = preset_table(name).ok_or_else(|| {
            invalid(
                origin,
                format!("`preset`: unknown preset {name:?} (see `logjam list`)"),
            )
        })?;
        merge(&mut merged, table);
    }
    merge(&mut merged, file);
    let scenario: Scenario = typed(toml::Value::Table(merged), &[], text, origin)?;
    validate(&scenario).map_err(|message| invalid(origin, message))?;
    Ok((scenario, expect))
}

/// What Kafka's rules and the workload need of a scenario that parsed.
fn validate(scenario: &Scenario) -> Result<(), String> {
    scenario.check_name()?;
    scenario
        .cluster
        .validate()
        .map_err(|e| format!("impossible configuration: cluster.{e}"))?;
    if scenario.cluster.topics.is_empty() {
        return Err(
            "`cluster.topics`: expected at least one topic (a [[cluster.topics]] table with a name), found none"
                .into(),
        );
    }
    if scenario.workload.producers == 0 && scenario.workload.consumers == 0 {
        return Err("`workload`: expected at least one producer or consumer".into());
    }
    if scenario.sim.tick_ms == 0 {
        return Err("`sim.tick_ms`: expected a positive number of milliseconds".into());
    }
    scenario.sim.check_latency()?;
    scenario.check_times()?;
    logjam_harness::limits::check_sizes(scenario)?;
    logjam_harness::nemesis::targets::check_schedule(
        &scenario.faults.schedule,
        scenario,
        "faults.schedule",
    )
}

/// One step of a path into the scenario document.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

impl Step {
    fn key(k: &str) -> Self {
        Step::Key(k.to_string())
    }
}

/// The path as a TOML reader writes it: `cluster.topics[0]."replication.factor"`.
fn dotted(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                let bare = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if bare {
                    s.push_str(k);
                } else {
                    s.push_str(&format!("{k:?}"));
                }
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Deserialize `value` (found at `prefix` in the file), naming the key of any
/// error by its full path, and its line when the key is in the user's file.
fn typed<T: serde::de::DeserializeOwned>(
    value: toml::Value,
    prefix: &[Step],
    text: &str,
    origin: &str,
) -> Result<T, LoadError> {
    serde_path_to_error::deserialize(value).map_err(
        |e: serde_path_to_error::Error<toml::de::Error>| {
            let mut path = prefix.to_vec();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Map { key } => path.push(Step::Key(key.clone())),
                    serde_path_to_error::Segment::Seq { index } => path.push(Step::Index(*index)),
                    // A tagged enum's variant adds no key of its own.
                    serde_path_to_error::Segment::Enum { .. }
                    | serde_path_to_error::Segment::Unknown => {}
                }
            }
            let message = e.inner().message();
            let place = match line_of(text, &path) {
                Some(line) => format!("{origin}:{line}"),
                None => origin.to_string(),
            };
            let message = if path.is_empty() {
                message.to_string()
            } else {
                format!("`{}`: {message}", dotted(&path))
            };
            LoadError::Invalid {
                origin: place,
                message,
            }
        },
    )
}

/// The line (1-based) of `path` in the user's file, when the whole path is
/// there (a value from the defaults or the preset has no line).
fn line_of(text: &str, path: &[Step]) -> Option<usize> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = doc.as_item();
    let mut span = item.span();
    for step in path {
        match step {
            Step::Key(k) => {
                let table = item.as_table_like()?;
                let key_span = table.key(k).and_then(|k| k.span());
                item = table.get(k)?;
                span = key_span.or_else(|| item.span()).or(span);
            }
            Step::Index(i) => {
                item = item.get(*i)?;
                span = item.span().or(span);
            }
        }
    }
    let start = span?.start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// A resolved scenario as a scenario file that loads back to the same
/// scenario (every setting spelled out), for a run that has no catalogue name.
pub fn to_toml(scenario: &Scenario) -> Result<String, String> {
    toml::to_string(scenario).map_err(|e| format!("scenario {}: {e}", scenario.name))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        load_scenario_str(text, "my.toml")
            .expect_err("expected an error")
            .to_string()
    }

    const TOPIC: &str = "[[cluster.topics]]\nname = \"t\"\n";

    #[test]
    fn a_wrong_type_names_the_file_line_key_and_what_was_expected() {
        let msg = error(&format!(
            "name = \"x\"\n[cluster]\nbrokers = \"three\"\n{TOPIC}"
        ));
        assert!(msg.starts_with("my.toml:3: `cluster.brokers`:"), "{msg}");
        assert!(msg.contains("expected u32"), "{msg}");
    }

    #[test]
    fn an_unknown_key_is_named_by_its_full_path() {
        let msg = error(&format!("name = \"x\"\n{TOPIC}[workload]\nproducrs = 2\n"));
        assert!(msg.starts_with("my.toml:5: `workload.producrs`:"), "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
        let msg = error(&format!(
            "name = \"x\"\n[cluster.producer]\n\"lingr.ms\" = 5\n{TOPIC}"
        ));
        assert!(
            msg.starts_with("my.toml:3: `cluster.producer.\"lingr.ms\"`:"),
            "{msg}"
        );
        let msg = error("name = \"x\"\n[[cluster.topics]]\nname = \"t\"\npartitons = 2\n");
        assert!(
            msg.starts_with("my.toml:4: `cluster.topics[0].partitons`:"),
            "{msg}"
        );
    }

    #[test]
    fn impossible_and_empty_configurations_name_the_setting() {
        let msg = error(&format!(
            "name = \"x\"\n[cluster.broker]\n\"min.insync.replicas\" = 4\n{TOPIC}"
        ));
        assert!(
            msg.contains("impossible configuration: cluster.")
                && msg.contains("min.insync.replicas"),
            "{msg}"
        );
        let msg = error("name = \"x\"\n");
        assert!(
            msg.contains("`cluster.topics`: expected at least one topic"),
            "{msg}"
        );
        let msg = error("name = \"x\"\n[[cluster.topics]]\nname = \"t\"\npartitions = 0\n");
        assert!(
            msg.contains("partitions") && msg.contains("at least 1"),
            "{msg}"
        );
    }

    #[test]
    fn expectation_errors_name_their_key() {
        let msg = error(&format!(
            "name = \"x\"\n{TOPIC}[expect]\nseed_budget = \"many\"\n"
        ));
        assert!(msg.starts_with("my.toml:5: `expect.seed_budget`:"), "{msg}");
    }
}
