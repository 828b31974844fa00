//! What a configuration promises: a preset or a configuration file turned into
//! the checker's semantics, and a preset's promises from the promise table.
//! Apart from `presets` because it loads scenarios, which need the presets.
use crate::load::{load_scenario_str, LoadError};
use crate::presets::preset_table;
use logjam_checker::{promises, FaultClasses, PromiseName, Semantics};
use logjam_harness::semantics::semantics_of;
use logjam_models::config::KafkaVersion;
use std::path::Path;

/// The checker's description of a preset's configuration, including the commit
/// mode of its consumer side when it has one.
pub fn preset_semantics(name: &str) -> Option<Result<Semantics, LoadError>> {
    preset_semantics_on(name, None)
}

/// [`preset_semantics`] with `kafka.version` set to `version` (the preset's
/// own, 3.7 unless it says otherwise, for `None`).
fn preset_semantics_on(
    name: &str,
    version: Option<KafkaVersion>,
) -> Option<Result<Semantics, LoadError>> {
    let table = preset_table(name)?;
    let version_line = version.map_or(String::new(), |v| format!("\"kafka.version\" = \"{v}\"\n"));
    let text = format!(
        "name = \"preset-{name}\"\npreset = \"{name}\"\n[cluster]\n{version_line}[[cluster.topics]]\nname = \"t\"\n"
    );
    Some(
        load_scenario_str(&text, &format!("preset {name}")).map(|s| {
            let mut semantics = semantics_of(&s.cluster);
            if table
                .get("workload")
                .and_then(|w| w.get("commit_mode"))
                .is_some()
            {
                semantics.commit_mode = Some(s.workload.commit_mode);
            }
            semantics
        }),
    )
}

/// A preset's promises without power loss, and with it.
pub type Promised = (Vec<PromiseName>, Vec<PromiseName>);

/// What a preset promises, straight from the promise table, under the faults
/// that keep page caches (partitions, process crashes, pauses, rebalances) and
/// under power loss as well.
pub fn promised(name: &str) -> Option<Result<Promised, LoadError>> {
    promised_on(name, None)
}

/// What a preset promises on Kafka `version` (`kafka.version`), its other
/// settings unchanged: 4.1's eligible leader replicas extend the durable
/// presets' promises to power loss. An error if the preset cannot run on
/// that version.
pub fn promised_on(
    name: &str,
    version: Option<KafkaVersion>,
) -> Option<Result<Promised, LoadError>> {
    let semantics = match preset_semantics_on(name, version)? {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let crashes = FaultClasses {
        partition: true,
        process_crash: true,
        pause: true,
        client_crash: true,
        rebalance: true,
        delay: true,
        power_loss: false,
        unclean_shutdowns: 1,
    };
    // One lossy crash: what KIP-966 makes safe with min.insync.replicas=2.
    let power_loss = FaultClasses {
        power_loss: true,
        unclean_shutdowns: 1,
        ..crashes
    };
    let names = |faults: &FaultClasses| {
        promises(&semantics, faults)
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    Some(Ok((names(&crashes), names(&power_loss))))
}

/// `logjam check --config CONFIG`: a preset name, a scenario TOML file (one
/// with a `[cluster]`), or a JSON/TOML file of checker semantics. The error
/// names the argument or the file.
pub fn semantics_from(config: &str) -> Result<Semantics, String> {
    if let Some(semantics) = preset_semantics(config) {
        return semantics.map_err(|e| e.to_string());
    }
    let path = Path::new(config);
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--config {config}: not a preset and not a readable file ({e})"))?;
    if config.ends_with(".json") {
        return serde_json::from_str(&text).map_err(|e| format!("{config}: {e}"));
    }
    let table: toml::Table = toml::from_str(&text).map_err(|e| format!("{config}: {e}"))?;
    if table.contains_key("cluster") {
        Ok(semantics_of(
            &load_scenario_str(&text, config)
                .map_err(|e| e.to_string())?
                .cluster,
        ))
    } else {
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| format!("{config}: {}", e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promise table knows which version makes which promise: durable
    /// promises no-acked-loss under power loss on 4.1 only; 4.0 is 3.7.
    #[test]
    fn durable_promises_no_acked_loss_under_power_loss_from_4_1() {
        let on = |v| {
            promised_on("durable", Some(v))
                .expect("a preset")
                .expect("loads")
        };
        let (crashes_3_7, power_3_7) = on(KafkaVersion::V3_7);
        let (crashes_4_1, power_4_1) = on(KafkaVersion::V4_1);
        assert!(crashes_3_7.contains(&PromiseName::NoAckedLoss));
        assert!(!power_3_7.contains(&PromiseName::NoAckedLoss));
        assert_eq!(crashes_4_1, crashes_3_7);
        assert!(power_4_1.contains(&PromiseName::NoAckedLoss));
        assert_eq!(on(KafkaVersion::V4_0), on(KafkaVersion::V3_7));
        assert_eq!(
            promised("durable").expect("a preset").expect("loads"),
            (crashes_3_7, power_3_7),
            "a preset runs 3.7 unless it says otherwise"
        );
    }
}
