//! Named configuration presets (presets/presets.toml): their settings and
//! descriptions. What they promise is in `promised`, which loads scenarios.
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
