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

impl Scenario {
    /// The preset this scenario started from, or [`NO_PRESET`].
    pub fn preset_label(&self) -> &str {
        self.preset.as_deref().unwrap_or(NO_PRESET)
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
}

impl Default for SimKnobs {
    fn default() -> Self {
        Self {
            tick_ms: 10,
            recovery_ms: 3_000,
            final_read_timeout_ms: 30_000,
        }
    }
}

fn default_duration_ms() -> u64 {
    30_000
}
