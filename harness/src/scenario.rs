//! A scenario: cluster shape and configuration, workload, faults and durations.
//! Everything a run does is a function of (scenario, seed, logjam version).
use crate::nemesis::fault::ScheduledFault;
use crate::nemesis::generator::FaultMix;
use crate::workload::WorkloadSpec;
use logjam_models::config::ClusterConfig;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The preset the configuration started from, if any (for run folders and reports).
    #[serde(default)]
    pub preset: Option<String>,
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub workload: WorkloadSpec,
    #[serde(default)]
    pub faults: FaultPlan,
    /// Simulated time of the fault window; the workload runs throughout.
    #[serde(default = "default_duration_ms")]
    pub duration_ms: u64,
    #[serde(default)]
    pub sim: SimKnobs,
}

/// The preset label of a scenario that names no preset: run folders, sweeps
/// and reports file it under this name.
pub const NO_PRESET: &str = "custom";

/// The longest simulated span a scenario's times may ask for (a day): far
/// beyond any useful run, and far from overflowing the run's clock arithmetic.
pub const MAX_SIMULATED_MS: u64 = 86_400_000;

impl Scenario {
    /// The preset this scenario started from, or [`NO_PRESET`].
    pub fn preset_label(&self) -> &str {
        self.preset.as_deref().unwrap_or(NO_PRESET)
    }

    /// The name is a folder name under `--out` (`runs/<name>/...`), so it is
    /// letters, digits, `-`, `_` and `.` only, not `.` or `..`: no separator
    /// can take a run folder outside `--out` (issue 14).
    pub fn check_name(&self) -> Result<(), String> {
        let name = &self.name;
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if name.is_empty() || name == "." || name == ".." || !name.chars().all(allowed) {
            return Err(format!(
                "`name`: expected letters, digits, `-`, `_` and `.` only (it names the run's \
                 folder), got {name:?}"
            ));
        }
        Ok(())
    }

    /// The scenario's own times are each within [`MAX_SIMULATED_MS`]; the
    /// error names the field.
    pub fn check_times(&self) -> Result<(), String> {
        for (field, ms) in [
            ("duration_ms", self.duration_ms),
            ("sim.recovery_ms", self.sim.recovery_ms),
            ("sim.final_read_timeout_ms", self.sim.final_read_timeout_ms),
            ("sim.tick_ms", self.sim.tick_ms),
            ("sim.min_latency_ms", self.sim.min_latency_ms),
            ("sim.max_latency_ms", self.sim.max_latency_ms),
        ] {
            if ms > MAX_SIMULATED_MS {
                return Err(format!(
                    "`{field}`: expected at most {MAX_SIMULATED_MS} ms (a simulated day), got {ms}"
                ));
            }
        }
        Ok(())
    }
}

/// Either a generated mix or an explicit schedule (both may be given: they add up).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    #[serde(default)]
    pub mix: Option<FaultMix>,
    #[serde(default)]
    pub schedule: Vec<ScheduledFault>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimKnobs {
    /// Simulated time per step: the coarsest the scaled timeouts allow.
    pub tick_ms: u64,
    /// After healing, how long the workload keeps going while the cluster recovers.
    pub recovery_ms: u64,
    /// Upper bound on the final reads.
    pub final_read_timeout_ms: u64,
    /// One-way message latency range; each message's latency is drawn from
    /// the run's seeded rng (turmoil: `min + (max - min) * Exp(5)`, capped
    /// at `max`). The range reaches past the tick so that a round trip does
    /// not always take the same number of steps (issue 11: with every message
    /// on the next step, a follower's fetches phase-lock one record behind
    /// the HW and it never rejoins the ISR while producers run).
    pub min_latency_ms: u64,
    pub max_latency_ms: u64,
}

impl Default for SimKnobs {
    fn default() -> Self {
        let models = logjam_models::cluster::SimSettings::default();
        Self {
            tick_ms: 10,
            recovery_ms: 3_000,
            final_read_timeout_ms: 30_000,
            min_latency_ms: models.min_latency_ms,
            max_latency_ms: models.max_latency_ms,
        }
    }
}

impl SimKnobs {
    /// The latency range is a range: the error names the keys.
    pub fn check_latency(&self) -> Result<(), String> {
        if self.min_latency_ms > self.max_latency_ms {
            return Err(format!(
                "`sim.min_latency_ms` ({}) must be at most `sim.max_latency_ms` ({})",
                self.min_latency_ms, self.max_latency_ms
            ));
        }
        Ok(())
    }
}

fn default_duration_ms() -> u64 {
    30_000
}

#[cfg(test)]
mod latency_tests {
    use super::SimKnobs;

    #[test]
    fn latency_range_is_checked_and_the_error_names_the_keys() {
        assert_eq!(SimKnobs::default().check_latency(), Ok(()));
        let k = SimKnobs {
            min_latency_ms: 30,
            max_latency_ms: 20,
            ..SimKnobs::default()
        };
        let e = k.check_latency().unwrap_err();
        assert!(
            e.contains("sim.min_latency_ms") && e.contains("sim.max_latency_ms"),
            "{e}"
        );
    }
}
