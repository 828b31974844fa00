//! Named configuration presets (presets/presets.toml).
use crate::load::LoadError;
use logjam_checker::{promises, FaultClasses, PromiseName, Semantics};
use logjam_harness::semantics::semantics_of;
const PRESETS_TOML: &str = include_str!("../presets/presets.toml");

pub struct Preset {
    pub name: String,
    pub description: String,
}

fn all_tables() -> toml::Table {
    toml::from_str(PRESETS_TOML).expect("presets.toml is valid TOML (tested)")
}

/// The settings a preset layers over the defaults (without its documentation keys).
pub fn preset_table(name: &str) -> Option<toml::Table> {
    let mut t = all_tables().remove(name)?.as_table()?.clone();
    t.remove("description");
    Some(t)
}

pub fn presets() -> Vec<Preset> {
    all_tables()
        .into_iter()
        .map(|(name, v)| {
            let s = |k: &str| {
                v.get(k)
                    .and_then(|d| d.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            Preset {
                description: s("description"),
                name,
            }
        })
        .collect()
}

/// The checker's description of a preset's configuration, including the commit
/// mode of its consumer side when it has one.
pub fn preset_semantics(name: &str) -> Option<Result<Semantics, LoadError>> {
    let table = preset_table(name)?;
    let text = format!(
        "name = \"preset {name}\"\npreset = \"{name}\"\n[cluster]\n[[cluster.topics]]\nname = \"t\"\n"
    );
    Some(
        crate::load::load_scenario_str(&text, &format!("preset {name}")).map(|s| {
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
    let semantics = match preset_semantics(name)? {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let crashes = FaultClasses {
        partition: true,
        process_crash: true,
        pause: true,
        client_crash: true,
        rebalance: true,
        power_loss: false,
    };
    let power_loss = FaultClasses {
        power_loss: true,
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
