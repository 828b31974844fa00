//! Every legacy switch a catalogue scenario turns on has a safe twin in the
//! catalogue: the same scenario with that one switch off. The catalogue test
//! holds the twin to its promises; these tests show that the twin reached the
//! dangerous state the switch makes lossy and that the mechanism the switch
//! turns off is what kept the promise. A twin that never got there would keep
//! its promises vacuously.
use logjam_checker::history::{History, Op, OpType};
use logjam_checker::AnomalyKind;
use logjam_harness::nemesis::fault::{Fault, Target};
use logjam_harness::run::{run, RunOutput};
use logjam_harness::scenario::Scenario;
use logjam_models::config::ClusterConfig;
use logjam_models::events::{ClusterEvent, TruncationAction};
use logjam_scenarios::catalogue;

/// A legacy switch: its name and where it lives in the cluster's settings.
struct Switch {
    name: &'static str,
    get: fn(&ClusterConfig) -> bool,
    set: fn(&mut ClusterConfig, bool),
}

const SWITCHES: &[Switch] = &[
    Switch {
        name: "logjam.legacy.hw.truncation",
        get: |c| c.broker.legacy_hw_truncation,
        set: |c, on| c.broker.legacy_hw_truncation = on,
    },
    Switch {
        name: "logjam.legacy.restart.keeps.isr",
        get: |c| c.broker.legacy_restart_keeps_isr,
        set: |c, on| c.broker.legacy_restart_keeps_isr = on,
    },
    Switch {
        name: "logjam.legacy.no.commit.fencing",
        get: |c| c.broker.legacy_no_commit_fencing,
        set: |c, on| c.broker.legacy_no_commit_fencing = on,
    },
    Switch {
        name: "logjam.legacy.consumer.no.epoch.validation",
        get: |c| c.consumer.legacy_no_epoch_validation,
        set: |c, on| c.consumer.legacy_no_epoch_validation = on,
    },
];

fn load(name: &str) -> Scenario {
    catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads")
}

/// The scenario without its name and description, for comparing twins.
fn body(s: &Scenario) -> Scenario {
    Scenario {
        name: String::new(),
        description: String::new(),
        preset: None,
        ..s.clone()
    }
}

#[test]
fn every_legacy_switch_in_the_catalogue_has_a_twin_with_that_switch_off() {
    let all: Vec<Scenario> = catalogue::names().map(load).collect();
    for legacy in &all {
        for switch in SWITCHES.iter().filter(|w| (w.get)(&legacy.cluster)) {
            let mut wanted = body(legacy);
            (switch.set)(&mut wanted.cluster, false);
            assert!(
                all.iter().any(|twin| body(twin) == wanted),
                "{} turns on {} but no catalogue scenario is the same with it off",
                legacy.name,
                switch.name
            );
        }
    }
}

fn go(name: &str, seed: u64) -> RunOutput {
    let out = run(&load(name), seed, None).expect("run");
    assert!(out.final_reads_complete, "{name} seed {seed}");
    out
}

fn ms(op: &Op) -> u64 {
    op.time_ns.unwrap_or(0) / 1_000_000
}

fn count(out: &RunOutput, kind: AnomalyKind) -> u64 {
    out.result.counts.get(&kind).copied().unwrap_or(0)
}

const LOSS: [AnomalyKind; 4] = [
    AnomalyKind::LostWrite,
    AnomalyKind::Unseen,
    AnomalyKind::InconsistentOffsets,
    AnomalyKind::ReplicaDivergence,
];

/// The ops before `until_ms`: two runs that differ only in a switch that has
/// not acted yet must agree on them op for op.
fn prefix(h: &History, until_ms: u64) -> Vec<&Op> {
    h.ops.iter().filter(|o| ms(o) < until_ms).collect()
}

/// When the KIP-101 schedule crashes the follower (broker 2), then the
/// leader (broker 1), and restarts it.
fn kip101_times(out: &RunOutput) -> (u64, u64, u64) {
    let at = |pred: &dyn Fn(&Fault) -> bool| {
        out.schedule
            .iter()
            .find(|f| pred(&f.fault))
            .map(|f| f.at_ms)
            .expect("in the schedule")
    };
    let crash_of = |b: u32| move |f: &Fault| matches!(f, Fault::Crash { target: Target::Broker(x) } if *x == b);
    let follower_crash = at(&crash_of(2));
    let leader_crash = at(&crash_of(1));
    let leader_back = out
        .schedule
        .iter()
        .filter(|f| matches!(f.fault, Fault::Restart))
        .map(|f| f.at_ms)
        .max()
        .expect("restarts");
    (follower_crash, leader_crash, leader_back)
}

/// Sends acknowledged between `from_ms` and `to_ms`.
fn acked_between(h: &History, from_ms: u64, to_ms: u64) -> usize {
    h.ops
        .iter()
        .filter(|o| o.f == "send" && o.op_type == OpType::Ok)
        .filter(|o| ms(o) > from_ms && ms(o) < to_ms)
        .count()
}

/// Seeds on which the legacy scenario loses an acknowledged write: the
/// dangerous state, reached by the twin on the same seed.
const KIP101_SEEDS: std::ops::Range<u64> = 0..3;

/// kip101-epoch-truncation runs exactly as kip101-legacy-truncation up to the
/// follower's restart (op for op), so it reaches the state the legacy run
/// loses acknowledged writes from; the restarted follower, still in the ISR,
/// is then elected while the old leader is down (sends are acknowledged
/// meanwhile), and nothing acknowledged is lost: the follower kept what it
/// had fetched. models/tests/kip101.rs shows the truncation itself, to the
/// point where the leader epochs diverge.
#[test]
fn kip101_epoch_truncation_keeps_what_legacy_truncation_loses_on_the_same_seed() {
    let mut legacy_losses = 0;
    for seed in KIP101_SEEDS {
        let legacy = go("kip101-legacy-truncation", seed);
        let twin = go("kip101-epoch-truncation", seed);
        let (follower_crash, leader_crash, leader_back) = kip101_times(&twin);
        assert_eq!(
            prefix(&legacy.history, follower_crash),
            prefix(&twin.history, follower_crash),
            "seed {seed}: the twins differ before the switch acts"
        );
        legacy_losses += count(&legacy, AnomalyKind::LostWrite);
        assert!(
            acked_between(&twin.history, leader_crash + 1_000, leader_back) > 0,
            "seed {seed}: no send was acknowledged while the old leader was down: \
             the restarted follower was not elected"
        );
        for kind in LOSS {
            assert_eq!(count(&twin, kind), 0, "seed {seed}: {kind:?}");
        }
    }
    assert!(
        legacy_losses > 0,
        "the legacy twin lost nothing: no dangerous state"
    );
}

/// kip101-restart-fencing: the same prefix again, and the restarted follower
/// still truncates to its HW (the switch left on), but the controller fenced
/// it out of the ISR, so nothing is acknowledged while the old leader is down
/// (the partition waits for it rather than electing the follower that dropped
/// acknowledged records), and nothing acknowledged is lost. Its promises do not
/// cover loss (truncation to the HW voids them), so this checks the anomalies.
/// kip101-modern (both switches off, Kafka today) waits for the leader the
/// same way.
#[test]
fn kip101_restart_fencing_does_not_elect_the_replica_that_truncated() {
    for twin_name in ["kip101-restart-fencing", "kip101-modern"] {
        restart_fencing_waits_for_the_leader(twin_name);
    }
}

fn restart_fencing_waits_for_the_leader(twin_name: &str) {
    let mut legacy_losses = 0;
    for seed in KIP101_SEEDS {
        let legacy = go("kip101-legacy-truncation", seed);
        let twin = go(twin_name, seed);
        let (follower_crash, leader_crash, leader_back) = kip101_times(&twin);
        assert_eq!(
            prefix(&legacy.history, follower_crash),
            prefix(&twin.history, follower_crash),
            "seed {seed}: the twins differ before the switch acts"
        );
        assert_eq!(
            acked_between(&twin.history, leader_crash + 100, leader_back),
            0,
            "{twin_name} seed {seed}: a send was acknowledged while the leader was down"
        );
        legacy_losses += count(&legacy, AnomalyKind::LostWrite);
        for kind in LOSS {
            assert_eq!(count(&twin, kind), 0, "seed {seed}: {kind:?}");
        }
    }
    assert!(
        legacy_losses > 0,
        "the legacy twin lost nothing: no dangerous state"
    );
}

/// (client, paused from, resumed at) for every consumer pause of the run.
fn pauses(out: &RunOutput) -> Vec<(String, u64, u64)> {
    let mut out_pauses = Vec::new();
    for (i, f) in out.schedule.iter().enumerate() {
        if let Fault::PauseConsumer { client } = &f.fault {
            let resumed = out.schedule[i..]
                .iter()
                .find(|r| matches!(r.fault, Fault::ResumeConsumers))
                .map_or(u64::MAX, |r| r.at_ms);
            out_pauses.push((client.clone(), f.at_ms, resumed));
        }
    }
    out_pauses
}

const FENCING_ERRORS: [&str; 2] = ["ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID"];

/// group-zombie-fencing: members are paused past `session.timeout.ms` with
/// commit fencing on; a paused member's commit, sent after it woke, is
/// attempted and refused with a fencing error (f = "commit", type fail), and
/// the twin keeps every promise (the catalogue test) with no duplicate
/// processing. A coordinator that accepted stale commits would fail here.
#[test]
fn group_zombie_fencing_refuses_a_zombie_commit() {
    let s = load("group-zombie-fencing");
    let session_ms = s.cluster.consumer.session_timeout_ms;
    for seed in 0..3 {
        let out = go("group-zombie-fencing", seed);
        let p = pauses(&out);
        assert!(
            p.iter().any(|(_, from, to)| to - from > session_ms),
            "seed {seed}: no member was paused past its session timeout: {p:?}"
        );
        let refused: Vec<&Op> = out
            .history
            .ops
            .iter()
            .filter(|o| o.f == "commit" && o.op_type == OpType::Fail)
            .filter(|o| {
                let e = o.error.as_deref().unwrap_or("");
                FENCING_ERRORS.iter().any(|code| e.contains(code))
            })
            .filter(|o| {
                p.iter().any(|(client, from, to)| {
                    to - from > session_ms
                        && o.node.as_deref() == Some(client.as_str())
                        && ms(o) >= *to
                })
            })
            .collect();
        assert!(
            !refused.is_empty(),
            "seed {seed}: no zombie commit was attempted and refused"
        );
        assert_eq!(
            count(&out, AnomalyKind::DuplicateProcessing),
            0,
            "seed {seed}"
        );
    }
}

/// The consumers' own account of a run: (truncations their validation
/// found and moved to the divergence point, OFFSET_OUT_OF_RANGE resets).
fn consumer_resets(out: &RunOutput) -> (usize, usize) {
    let detected = out
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                ClusterEvent::ConsumerTruncationDetected {
                    action: TruncationAction::ResetToDivergence,
                    ..
                }
            )
        })
        .count();
    let out_of_range = out
        .events
        .iter()
        .filter(|e| matches!(e.event, ClusterEvent::ConsumerOffsetOutOfRange { .. }))
        .count();
    (detected, out_of_range)
}

/// unclean-election-group: the unclean election truncates the log under the
/// group's members on every seed (the dangerous state: each seed's events
/// show a member's validation finding its position truncated and moving it to
/// the divergence point, never an OFFSET_OUT_OF_RANGE reset), and the group
/// processes nothing twice. The legacy twin, on the same seeds, meets the
/// truncation as OFFSET_OUT_OF_RANGE, replays from offset 0 and processes
/// records twice.
#[test]
fn unclean_election_group_validation_does_not_replay_what_the_legacy_consumer_does() {
    for seed in 0..3 {
        let twin = go("unclean-election-group", seed);
        let legacy = go("unclean-election-group-legacy-consumer", seed);
        let (detected, out_of_range) = consumer_resets(&twin);
        assert!(detected > 0, "seed {seed}: no truncation under a member");
        assert_eq!(out_of_range, 0, "seed {seed}");
        assert_eq!(
            count(&twin, AnomalyKind::DuplicateProcessing),
            0,
            "seed {seed}"
        );
        let (detected, out_of_range) = consumer_resets(&legacy);
        assert_eq!(detected, 0, "seed {seed}: the legacy consumer validated");
        assert!(out_of_range > 0, "seed {seed}");
        assert!(
            count(&legacy, AnomalyKind::DuplicateProcessing) > 0,
            "seed {seed}: the legacy consumer did not replay"
        );
    }
}
