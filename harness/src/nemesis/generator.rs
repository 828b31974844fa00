//! Random fault schedules from the run seed: every `interval_ms` one fault from the
//! mix starts, and `fault_duration_ms` later it is undone (heal, restart, resume).
use super::fault::{Fault, ScheduledFault, Target};
use crate::rng;
use crate::workload::ClientHost;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Fault classes a generator can draw from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Random halves, bridge, isolating a partition leader, or a one-way cut.
    Partition,
    /// Isolate the controller from the brokers.
    ControllerIsolation,
    /// Cut a client off from a partition leader.
    ClientPartition,
    /// Broker process crash (page cache survives).
    Crash,
    /// Power loss of one broker.
    PowerLoss,
    /// Power loss of every broker at once.
    PowerLossAll,
    /// A broker stops answering for a while.
    Pause,
    /// A consumer group member is killed, later replaced by a new one.
    ConsumerCrash,
    /// A group member stalls (heartbeats too) past its session timeout.
    ConsumerPause,
    /// A group member leaves and a new one joins.
    ConsumerChurn,
    /// The broker coordinating the group crashes or is isolated.
    CoordinatorFailure,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultMix {
    pub kinds: Vec<FaultKind>,
    /// Time between the starts of two faults.
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// How long each fault lasts before it is undone.
    #[serde(default = "default_fault_duration_ms")]
    pub fault_duration_ms: u64,
    /// No faults before this (let the cluster settle and the workload start).
    #[serde(default = "default_start_ms")]
    pub start_ms: u64,
}

fn default_interval_ms() -> u64 {
    4_000
}
fn default_fault_duration_ms() -> u64 {
    2_000
}
fn default_start_ms() -> u64 {
    2_000
}

/// The schedule for a run: faults fire in `[start_ms, until_ms)`.
pub fn generate(
    mix: &FaultMix,
    topic_partitions: &[String],
    clients: &[String],
    seed: u64,
    until_ms: u64,
) -> Vec<ScheduledFault> {
    let mut rng = rng::stream(seed, "nemesis");
    let mut out = Vec::new();
    if mix.kinds.is_empty() || mix.interval_ms == 0 {
        return out;
    }
    let mut at = mix.start_ms;
    while at + mix.fault_duration_ms < until_ms {
        let kind = mix.kinds[rng.random_range(0..mix.kinds.len())];
        let tp = || topic_partitions.first().cloned().unwrap_or_default();
        let random_tp = |rng: &mut rand_chacha::ChaCha8Rng| {
            if topic_partitions.is_empty() {
                tp()
            } else {
                topic_partitions[rng.random_range(0..topic_partitions.len())].clone()
            }
        };
        let members: Vec<&String> = clients
            .iter()
            .filter(|c| ClientHost::is_group_member(c))
            .collect();
        let member = |rng: &mut rand_chacha::ChaCha8Rng| {
            members
                .get(rng.random_range(0..members.len().max(1)))
                .map(|m| m.to_string())
                .unwrap_or_default()
        };
        let (fault, undo) = match kind {
            FaultKind::ConsumerCrash => (
                Fault::KillConsumer {
                    client: member(&mut rng),
                },
                Fault::RestartConsumers,
            ),
            FaultKind::ConsumerPause => (
                Fault::PauseConsumer {
                    client: member(&mut rng),
                },
                Fault::ResumeConsumers,
            ),
            // Churn is over at once; the "undo" is a no-op resume.
            FaultKind::ConsumerChurn => (
                Fault::ChurnConsumer {
                    client: member(&mut rng),
                },
                Fault::ResumeConsumers,
            ),
            FaultKind::CoordinatorFailure => {
                let target = Target::CoordinatorOf(crate::workload::group::DEFAULT_GROUP.into());
                if rng.random_bool(0.5) {
                    (Fault::Crash { target }, Fault::Restart)
                } else {
                    (Fault::Isolate { target }, Fault::Heal)
                }
            }
            FaultKind::Partition => {
                let f = match rng.random_range(0..4) {
                    0 => Fault::PartitionRandomHalves,
                    1 => Fault::PartitionBridge,
                    2 => Fault::Isolate {
                        target: Target::LeaderOf(random_tp(&mut rng)),
                    },
                    _ => Fault::PartitionOneWay {
                        from: Target::LeaderOf(random_tp(&mut rng)),
                        to: Target::Controller,
                    },
                };
                (f, Fault::Heal)
            }
            FaultKind::ControllerIsolation => (
                Fault::Isolate {
                    target: Target::Controller,
                },
                Fault::Heal,
            ),
            FaultKind::ClientPartition if !clients.is_empty() => {
                let client = clients[rng.random_range(0..clients.len())].clone();
                (
                    Fault::PartitionClient {
                        client,
                        target: Target::LeaderOf(random_tp(&mut rng)),
                    },
                    Fault::Heal,
                )
            }
            FaultKind::ClientPartition => (
                Fault::Isolate {
                    target: Target::LeaderOf(random_tp(&mut rng)),
                },
                Fault::Heal,
            ),
            FaultKind::Crash => {
                let target = if rng.random_bool(0.5) {
                    Target::LeaderOf(random_tp(&mut rng))
                } else {
                    Target::RandomBroker
                };
                (Fault::Crash { target }, Fault::Restart)
            }
            FaultKind::PowerLoss => {
                let target = if rng.random_bool(0.5) {
                    Target::LeaderOf(random_tp(&mut rng))
                } else {
                    Target::RandomBroker
                };
                (Fault::PowerLoss { target }, Fault::Restart)
            }
            FaultKind::PowerLossAll => (Fault::PowerLossAll, Fault::Restart),
            FaultKind::Pause => (
                Fault::Pause {
                    target: Target::LeaderOf(random_tp(&mut rng)),
                },
                Fault::Resume,
            ),
        };
        // Jitter so faults do not line up with the cluster's periodic timers.
        let jitter = rng.random_range(0..=mix.interval_ms / 4);
        let start = at + jitter;
        out.push(ScheduledFault {
            at_ms: start,
            fault,
        });
        out.push(ScheduledFault {
            at_ms: start + mix.fault_duration_ms,
            fault: undo,
        });
        at += mix.interval_ms;
    }
    out
}
