//! Random fault schedules from the run seed: every `interval_ms` one fault from the
//! mix starts. With `max_concurrent = 1` (the default) it is undone
//! `fault_duration_ms` later by a global undo (heal, restart, resume) before the
//! next one starts. With a larger depth faults overlap: each holds for its own
//! duration (drawn around `fault_duration_ms`) and the nemesis then undoes
//! exactly what it did, while the others keep holding; a fault that would make
//! more than `max_concurrent` hold at once is left out.
use super::fault::{Fault, ScheduledFault, Target};
use crate::rng;
use crate::workload::ClientHost;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Fault classes a generator can draw from (`[faults.mix] kinds`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
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
    /// Messages from one node to another are dropped, the other direction
    /// works; both ends drawn from the roles (`targets`, or every role).
    OneWay,
    /// A transaction coordinator crashes or is isolated.
    TxnCoordinatorFailure,
    /// A producer host stops (all its messages held) for the fault's
    /// duration: past `transaction.timeout.ms` it comes back as a zombie.
    ProducerPause,
    /// A producer's link to one broker (a partition leader or a transaction
    /// coordinator) is held, then released: delayed requests.
    DelayedRequests,
}

impl FaultKind {
    /// Every kind, in declaration order, for `logjam list`.
    pub fn all() -> impl Iterator<Item = FaultKind> {
        <FaultKind as strum::IntoEnumIterator>::iter()
    }

    /// The name a mix gives in `kinds`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// One line for `logjam list`.
    pub fn description(self) -> &'static str {
        match self {
            FaultKind::Partition => "random halves, a bridge, an isolated leader, or a one-way cut",
            FaultKind::ControllerIsolation => "isolate the controller from the brokers",
            FaultKind::ClientPartition => "cut a client off from a partition leader",
            FaultKind::Crash => "a broker process crashes (page cache survives)",
            FaultKind::PowerLoss => "power loss of one broker",
            FaultKind::PowerLossAll => "power loss of every broker at once",
            FaultKind::Pause => "a broker stops answering for a while",
            FaultKind::ConsumerCrash => "a group member is killed, later replaced",
            FaultKind::ConsumerPause => "a group member stalls past its session timeout",
            FaultKind::ConsumerChurn => "a group member leaves and a new one joins",
            FaultKind::CoordinatorFailure => "the group's coordinator crashes or is isolated",
            FaultKind::OneWay => "messages from one node to another dropped, one direction",
            FaultKind::TxnCoordinatorFailure => "a transaction coordinator crashes or is isolated",
            FaultKind::ProducerPause => {
                "a producer host stops (past transaction.timeout.ms it returns a zombie)"
            }
            FaultKind::DelayedRequests => {
                "a producer's link to a leader or coordinator is held, then released"
            }
        }
    }
}

/// A node named by its role, resolved when the fault fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The leader of a partition.
    Leader,
    /// A live follower in the partition's ISR.
    IsrFollower,
    /// A live replica of the partition outside its ISR.
    LaggingFollower,
    /// The controller (never a crash or power-loss target).
    Controller,
    /// The coordinator of the workload's consumer group.
    Coordinator,
    /// Any live broker.
    RandomBroker,
}

impl Role {
    /// Every role, the one-way partition's default.
    pub const ALL: [Role; 6] = [
        Role::Leader,
        Role::IsrFollower,
        Role::LaggingFollower,
        Role::Controller,
        Role::Coordinator,
        Role::RandomBroker,
    ];

    /// The target naming this role for partition `tp`.
    pub fn target(self, tp: String) -> Target {
        match self {
            Role::Leader => Target::LeaderOf(tp),
            Role::IsrFollower => Target::IsrFollowerOf(tp),
            Role::LaggingFollower => Target::LaggingFollowerOf(tp),
            Role::Controller => Target::Controller,
            Role::Coordinator => {
                Target::CoordinatorOf(crate::workload::group::DEFAULT_GROUP.into())
            }
            Role::RandomBroker => Target::RandomBroker,
        }
    }
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
    /// How many faults may hold at once. 1: each fault is undone before the
    /// next starts. More: faults overlap, each held for a duration drawn from
    /// `fault_duration_ms / 2 ..= 3 * fault_duration_ms / 2` and then undone
    /// on its own (or at the end of the fault window).
    #[serde(
        default = "default_max_concurrent",
        skip_serializing_if = "is_default_max_concurrent"
    )]
    pub max_concurrent: u32,
    /// Roles that crash, power-loss, pause and isolation faults (and both ends
    /// of a `one-way`) are aimed at, drawn per fault. Empty: each kind's own
    /// targets (the leader or a random broker; `one-way` draws from every role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Role>,
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
fn default_max_concurrent() -> u32 {
    1
}
fn is_default_max_concurrent(n: &u32) -> bool {
    *n == 1
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
    let draw = Draw {
        mix,
        topic_partitions,
        clients,
    };
    if mix.max_concurrent <= 1 {
        // One at a time, each undone by a global undo: the draws and the
        // schedule exactly as before overlapping faults existed.
        let mut at = mix.start_ms;
        while at + mix.fault_duration_ms < until_ms {
            let (fault, undo) = draw.fault(&mut rng);
            // Jitter so faults do not line up with the cluster's periodic timers.
            let jitter = rng.random_range(0..=mix.interval_ms / 4);
            let start = at + jitter;
            out.push(ScheduledFault::at(start, fault));
            out.push(ScheduledFault::at(start + mix.fault_duration_ms, undo));
            at += mix.interval_ms;
        }
        return out;
    }
    // Overlapping: each fault carries its own hold; `holding` are the end
    // times of the faults holding at the current start.
    let depth = mix.max_concurrent as usize;
    let d = mix.fault_duration_ms.max(1);
    let mut holding: Vec<u64> = Vec::new();
    let mut at = mix.start_ms;
    while at < until_ms {
        let (fault, _) = draw.fault(&mut rng);
        let jitter = rng.random_range(0..=mix.interval_ms / 4);
        let hold = rng.random_range(d / 2..=d + d / 2).max(1);
        let start = at + jitter;
        at += mix.interval_ms;
        if start >= until_ms {
            break;
        }
        if matches!(fault, Fault::ChurnConsumer { .. }) {
            // Over at once: nothing holds, nothing to undo.
            out.push(ScheduledFault::at(start, fault));
            continue;
        }
        holding.retain(|&end| end > start);
        if holding.len() >= depth {
            continue;
        }
        holding.push(start + hold);
        out.push(ScheduledFault::held(start, hold, fault));
    }
    out
}

/// Draws one fault of the mix and its global undo.
struct Draw<'a> {
    mix: &'a FaultMix,
    topic_partitions: &'a [String],
    clients: &'a [String],
}

impl Draw<'_> {
    fn random_tp(&self, rng: &mut ChaCha8Rng) -> String {
        if self.topic_partitions.is_empty() {
            String::new()
        } else {
            self.topic_partitions[rng.random_range(0..self.topic_partitions.len())].clone()
        }
    }

    fn producer(&self, rng: &mut ChaCha8Rng) -> String {
        let producers: Vec<&String> = self
            .clients
            .iter()
            .filter(|c| c.starts_with("producer-"))
            .collect();
        producers
            .get(rng.random_range(0..producers.len().max(1)))
            .map(|m| m.to_string())
            .unwrap_or_default()
    }

    fn member(&self, rng: &mut ChaCha8Rng) -> String {
        let members: Vec<&String> = self
            .clients
            .iter()
            .filter(|c| ClientHost::is_group_member(c))
            .collect();
        members
            .get(rng.random_range(0..members.len().max(1)))
            .map(|m| m.to_string())
            .unwrap_or_default()
    }

    /// A role from the mix's `targets` (without the controller when
    /// `brokers_only`), or `None` when the mix names none: the caller then
    /// draws its kind's own target, as before roles existed.
    fn role_target(&self, rng: &mut ChaCha8Rng, brokers_only: bool) -> Option<Target> {
        let roles: Vec<Role> = self
            .mix
            .targets
            .iter()
            .copied()
            .filter(|r| !(brokers_only && *r == Role::Controller))
            .collect();
        if roles.is_empty() {
            return None;
        }
        let role = roles[rng.random_range(0..roles.len())];
        Some(role.target(self.random_tp(rng)))
    }

    /// Two different roles (of one partition) for a one-way partition.
    fn one_way(&self, rng: &mut ChaCha8Rng) -> Fault {
        let mut roles: Vec<Role> = if self.mix.targets.is_empty() {
            Role::ALL.to_vec()
        } else {
            self.mix.targets.clone()
        };
        roles.sort();
        roles.dedup();
        let tp = self.random_tp(rng);
        let from = roles.remove(rng.random_range(0..roles.len()));
        // Two random brokers may differ; any other role twice is one node.
        let to = if roles.is_empty() {
            from
        } else {
            roles[rng.random_range(0..roles.len())]
        };
        Fault::PartitionOneWay {
            from: from.target(tp.clone()),
            to: to.target(tp),
        }
    }

    fn fault(&self, rng: &mut ChaCha8Rng) -> (Fault, Fault) {
        let mix = self.mix;
        let clients = self.clients;
        let kind = mix.kinds[rng.random_range(0..mix.kinds.len())];
        match kind {
            FaultKind::ConsumerCrash => (
                Fault::KillConsumer {
                    client: self.member(rng),
                },
                Fault::RestartConsumers,
            ),
            FaultKind::ConsumerPause => (
                Fault::PauseConsumer {
                    client: self.member(rng),
                },
                Fault::ResumeConsumers,
            ),
            // Churn is over at once; the "undo" is a no-op resume.
            FaultKind::ConsumerChurn => (
                Fault::ChurnConsumer {
                    client: self.member(rng),
                },
                Fault::ResumeConsumers,
            ),
            FaultKind::TxnCoordinatorFailure => {
                let target = Target::TxnCoordinator;
                if rng.random_bool(0.5) {
                    (Fault::Crash { target }, Fault::Restart)
                } else {
                    (Fault::Isolate { target }, Fault::Heal)
                }
            }
            FaultKind::ProducerPause => (
                Fault::PauseClient {
                    client: self.producer(rng),
                },
                Fault::Resume,
            ),
            FaultKind::DelayedRequests => {
                let client = self.producer(rng);
                let target = if rng.random_bool(0.5) {
                    Target::TxnCoordinator
                } else {
                    Target::LeaderOf(self.random_tp(rng))
                };
                (Fault::DelayClient { client, target }, Fault::Resume)
            }
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
                        target: match self.role_target(rng, false) {
                            Some(t) => t,
                            None => Target::LeaderOf(self.random_tp(rng)),
                        },
                    },
                    _ => Fault::PartitionOneWay {
                        from: Target::LeaderOf(self.random_tp(rng)),
                        to: Target::Controller,
                    },
                };
                (f, Fault::Heal)
            }
            FaultKind::OneWay => (self.one_way(rng), Fault::Heal),
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
                        target: Target::LeaderOf(self.random_tp(rng)),
                    },
                    Fault::Heal,
                )
            }
            FaultKind::ClientPartition => (
                Fault::Isolate {
                    target: Target::LeaderOf(self.random_tp(rng)),
                },
                Fault::Heal,
            ),
            FaultKind::Crash | FaultKind::PowerLoss => {
                let target = match self.role_target(rng, true) {
                    Some(t) => t,
                    None if rng.random_bool(0.5) => Target::LeaderOf(self.random_tp(rng)),
                    None => Target::RandomBroker,
                };
                if kind == FaultKind::Crash {
                    (Fault::Crash { target }, Fault::Restart)
                } else {
                    (Fault::PowerLoss { target }, Fault::Restart)
                }
            }
            FaultKind::PowerLossAll => (Fault::PowerLossAll, Fault::Restart),
            FaultKind::Pause => (
                Fault::Pause {
                    target: match self.role_target(rng, false) {
                        Some(t) => t,
                        None => Target::LeaderOf(self.random_tp(rng)),
                    },
                },
                Fault::Resume,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(kinds: Vec<FaultKind>, depth: u32) -> FaultMix {
        FaultMix {
            kinds,
            interval_ms: 1_500,
            fault_duration_ms: 3_000,
            start_ms: 2_000,
            max_concurrent: depth,
            targets: Vec::new(),
        }
    }

    fn tps() -> Vec<String> {
        vec!["orders/0".into(), "orders/1".into()]
    }

    /// How many faults hold at once, at most (a fault holds on `[at, at + hold)`).
    fn max_overlap(schedule: &[ScheduledFault]) -> usize {
        schedule
            .iter()
            .map(|f| {
                schedule
                    .iter()
                    .filter(|g| {
                        let end = g.at_ms + g.hold_ms.unwrap_or(0);
                        g.at_ms <= f.at_ms && f.at_ms < end
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn overlap_never_exceeds_the_depth_and_reaches_it() {
        let kinds = vec![FaultKind::Partition, FaultKind::Crash, FaultKind::Pause];
        for depth in 2..=4 {
            let mut reached = 0;
            for seed in 0..50 {
                let s = generate(&mix(kinds.clone(), depth), &tps(), &[], seed, 30_000);
                let m = max_overlap(&s);
                assert!(
                    m <= depth as usize,
                    "depth {depth}, seed {seed}: {m} at once"
                );
                reached = reached.max(m);
                assert!(s.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
                assert!(s.iter().all(|f| f.at_ms >= 2_000 && f.at_ms < 30_000));
            }
            assert_eq!(reached, depth as usize, "depth {depth} is reached");
        }
    }

    #[test]
    fn every_overlapping_fault_is_undone_after_its_own_hold() {
        let kinds = vec![
            FaultKind::Partition,
            FaultKind::OneWay,
            FaultKind::Crash,
            FaultKind::PowerLoss,
            FaultKind::Pause,
            FaultKind::ControllerIsolation,
            FaultKind::ConsumerCrash,
            FaultKind::ConsumerPause,
        ];
        let clients = vec!["group-consumer-1".to_string()];
        for seed in 0..30 {
            let s = generate(&mix(kinds.clone(), 3), &tps(), &clients, seed, 30_000);
            assert!(!s.is_empty());
            for f in &s {
                let hold = f.hold_ms.expect("an overlapping fault carries its hold");
                assert!((1_500..=4_500).contains(&hold), "{f:?}");
                // No global undo: each fault undoes only itself.
                assert!(
                    !matches!(
                        f.fault,
                        Fault::Heal | Fault::Restart | Fault::Resume | Fault::RestartConsumers
                    ),
                    "{f:?}"
                );
            }
        }
    }

    /// Depth 1 is the schedule as it always was: fault, then its global undo
    /// `fault_duration_ms` later, never two at once.
    #[test]
    fn depth_one_alternates_fault_and_global_undo() {
        let m = mix(
            vec![FaultKind::Partition, FaultKind::Crash, FaultKind::Pause],
            1,
        );
        let m = FaultMix {
            interval_ms: 4_000,
            fault_duration_ms: 2_000,
            ..m
        };
        for seed in 0..20 {
            let s = generate(&m, &tps(), &[], seed, 30_000);
            for pair in s.chunks(2) {
                let [f, undo] = pair else { panic!("{s:?}") };
                assert_eq!(undo.at_ms, f.at_ms + 2_000);
                assert!(f.hold_ms.is_none() && undo.hold_ms.is_none());
                let want = match f.fault {
                    Fault::Crash { .. } => Fault::Restart,
                    Fault::Pause { .. } => Fault::Resume,
                    _ => Fault::Heal,
                };
                assert_eq!(undo.fault, want);
            }
        }
    }

    #[test]
    fn one_way_partitions_join_arbitrary_role_pairs() {
        let mut pairs = std::collections::BTreeSet::new();
        for seed in 0..40 {
            for f in generate(&mix(vec![FaultKind::OneWay], 3), &tps(), &[], seed, 30_000) {
                let Fault::PartitionOneWay { from, to } = f.fault else {
                    panic!("{f:?}")
                };
                assert!(
                    from != to || from == Target::RandomBroker,
                    "{from:?} → {to:?}"
                );
                let role = |t: &Target| match t {
                    Target::LeaderOf(_) => "leader",
                    Target::IsrFollowerOf(_) => "isr-follower",
                    Target::LaggingFollowerOf(_) => "lagging-follower",
                    Target::Controller => "controller",
                    Target::CoordinatorOf(_) => "coordinator",
                    Target::TxnCoordinator => "txn-coordinator",
                    Target::RandomBroker => "random-broker",
                    other => panic!("{other:?}"),
                };
                pairs.insert((role(&from), role(&to)));
            }
        }
        // Broker-to-broker cuts, both ways, not only leader → controller.
        for want in [
            ("leader", "isr-follower"),
            ("isr-follower", "leader"),
            ("lagging-follower", "leader"),
            ("controller", "leader"),
            ("leader", "controller"),
        ] {
            assert!(pairs.contains(&want), "{want:?} missing from {pairs:?}");
        }
        assert!(pairs.len() >= 20, "{} pairs: {pairs:?}", pairs.len());
    }

    #[test]
    fn targets_aim_node_faults_at_roles_never_crashing_the_controller() {
        let m = FaultMix {
            targets: vec![Role::IsrFollower, Role::LaggingFollower, Role::Controller],
            ..mix(
                vec![FaultKind::Crash, FaultKind::PowerLoss, FaultKind::Pause],
                3,
            )
        };
        let mut paused_controller = false;
        for seed in 0..30 {
            for f in generate(&m, &tps(), &[], seed, 30_000) {
                match f.fault {
                    Fault::Crash { target } | Fault::PowerLoss { target } => assert!(
                        matches!(
                            target,
                            Target::IsrFollowerOf(_) | Target::LaggingFollowerOf(_)
                        ),
                        "{target:?}"
                    ),
                    Fault::Pause { target } => paused_controller |= target == Target::Controller,
                    other => panic!("{other:?}"),
                }
            }
        }
        assert!(paused_controller);
    }

    #[test]
    fn the_new_keys_default_to_today_and_are_not_written_when_default() {
        let m: FaultMix = toml::from_str("kinds = [\"crash\"]").expect("parses");
        assert_eq!(m.max_concurrent, 1);
        assert!(m.targets.is_empty());
        let json = serde_json::to_string(&m).expect("serializes");
        assert!(
            !json.contains("max_concurrent") && !json.contains("targets"),
            "{json}"
        );
    }
}
