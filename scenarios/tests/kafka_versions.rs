//! `kafka.version` in the catalogue: last-replica-standing on Kafka 3.7 and
//! its twin on 4.1 differ in that setting alone. On 3.7 the leader, the last
//! ISR member, loses power with its acknowledged tail unflushed, restarts and
//! is elected again without it: loss, which the promise table allows (power
//! loss without fsync). On 4.1 the promise table makes no-acked-loss cover
//! power loss, and the run keeps it for KIP-966's reason, shown through the
//! cluster's event log: the followers cut off below min.insync.replicas
//! became eligible leader replicas, the restart was an unclean shutdown that
//! took the leader out of the ISR and the ELR, and the first election after
//! the power loss chose an eligible follower, not the replica that lost the
//! records.
use logjam_checker::history::{History, Op};
use logjam_checker::{AnomalyKind, PromiseName};
use logjam_harness::nemesis::fault::{Fault, Target};
use logjam_harness::run::{run, RunOutput};
use logjam_harness::scenario::Scenario;
use logjam_models::config::KafkaVersion;
use logjam_models::events::{ClusterEvent, FenceReason};
use logjam_scenarios::catalogue;

const LEGACY: &str = "last-replica-standing";
const TWIN: &str = "last-replica-standing-4.1";
/// The broker that leads, is cut off, and loses power.
const LEADER: u32 = 1;
const SEEDS: std::ops::Range<u64> = 0..10;

fn load(name: &str) -> Scenario {
    catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads")
}

fn go(name: &str, seed: u64) -> RunOutput {
    let out = run(&load(name), seed, None).expect("run");
    assert!(out.final_reads_complete, "{name} seed {seed}");
    out
}

fn power_loss_ms(out: &RunOutput) -> u64 {
    out.schedule
        .iter()
        .find(|f| {
            matches!(
                f.fault,
                Fault::PowerLoss {
                    target: Target::Broker(LEADER)
                }
            )
        })
        .map(|f| f.at_ms)
        .expect("the leader's power loss is scheduled")
}

fn prefix(h: &History, until_ms: u64) -> Vec<&Op> {
    h.ops
        .iter()
        .filter(|o| o.time_ns.unwrap_or(0) / 1_000_000 < until_ms)
        .collect()
}

fn count(out: &RunOutput, kind: AnomalyKind) -> u64 {
    out.result.counts.get(&kind).copied().unwrap_or(0)
}

#[test]
fn the_twins_differ_in_kafka_version_alone() {
    let (legacy, twin) = (load(LEGACY), load(TWIN));
    assert_eq!(legacy.cluster.kafka_version, KafkaVersion::V3_7);
    assert_eq!(twin.cluster.kafka_version, KafkaVersion::V4_1);
    let mut same = twin.clone();
    same.cluster.kafka_version = KafkaVersion::V3_7;
    same.name = legacy.name.clone();
    same.description = legacy.description.clone();
    assert_eq!(same, legacy);
}

#[test]
fn last_replica_standing_loses_on_3_7_and_keeps_every_promise_on_4_1() {
    let mut legacy_losses = 0;
    for seed in SEEDS {
        let legacy = go(LEGACY, seed);
        let twin = go(TWIN, seed);
        let lost_power_ms = power_loss_ms(&twin);
        assert_eq!(
            prefix(&legacy.history, lost_power_ms),
            prefix(&twin.history, lost_power_ms),
            "seed {seed}: the clients saw the same run up to the power loss"
        );
        legacy_losses += count(&legacy, AnomalyKind::LostWrite);
        assert!(
            !legacy
                .result
                .promises
                .iter()
                .any(|p| p.name == PromiseName::NoAckedLoss),
            "seed {seed}: 3.7 promises nothing about loss under power loss"
        );

        // 4.1: the promise is made and kept.
        let no_acked_loss = twin
            .result
            .promises
            .iter()
            .find(|p| p.name == PromiseName::NoAckedLoss)
            .unwrap_or_else(|| panic!("seed {seed}: 4.1 promises no-acked-loss"));
        assert!(no_acked_loss.kept, "seed {seed}: {no_acked_loss:?}");
        let broken: Vec<_> = twin.result.broken().map(|p| p.name).collect();
        assert!(broken.is_empty(), "seed {seed}: broke {broken:?}");

        // ... for KIP-966's reason.
        let after: Vec<&ClusterEvent> = twin
            .events
            .iter()
            .filter(|e| e.at_ms >= lost_power_ms)
            .map(|e| &e.event)
            .collect();
        let dropped: i64 = after
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::PowerLoss { broker, dropped } if *broker == LEADER => {
                    Some(dropped.iter().map(|r| r.to - r.from).sum::<i64>())
                }
                _ => None,
            })
            .sum();
        assert!(dropped > 0, "seed {seed}: the power loss dropped nothing");
        assert!(
            after.iter().any(|e| matches!(
                e,
                ClusterEvent::BrokerFenced {
                    broker: LEADER,
                    reason: FenceReason::UncleanShutdown
                }
            )),
            "seed {seed}: the leader's restart was not handled as an unclean shutdown"
        );
        let elections: Vec<(u32, bool, bool)> = after
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::Election {
                    leader,
                    unclean,
                    from_elr,
                    ..
                } => Some((*leader, *unclean, *from_elr)),
                _ => None,
            })
            .collect();
        let (first, unclean, from_elr) = *elections
            .first()
            .unwrap_or_else(|| panic!("seed {seed}: nobody was elected after the power loss"));
        assert!(
            from_elr && !unclean && first != LEADER,
            "seed {seed}: the first election after the power loss was {elections:?}"
        );
        assert!(
            elections.iter().all(|&(l, u, _)| !u && l != LEADER),
            "seed {seed}: the replica that lost power was elected: {elections:?}"
        );
    }
    assert!(
        legacy_losses > 0,
        "3.7 lost nothing: the dangerous state was not reached"
    );
}
