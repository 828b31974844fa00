//! The end-of-run replica dump: it covers every replica of every data
//! partition, a healthy durable run's replicas agree below their high
//! watermarks, and a dump whose committed prefixes differ breaks the
//! consistent-offsets promise through `replica-divergence`.
use logjam_checker::{check_with_replicas, AnomalyKind, CheckOptions, PromiseName};
use logjam_harness::run::run;
use logjam_harness::scenario::{FaultPlan, Scenario, SimKnobs};
use logjam_harness::semantics::semantics_of_workload;
use logjam_harness::workload::WorkloadSpec;
use logjam_models::config::{
    Acks, BrokerConfig, ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig,
};

fn durable_scenario() -> Scenario {
    Scenario {
        name: "replica-dump".into(),
        description: String::new(),
        preset: None,
        cluster: ClusterConfig {
            brokers: 3,
            kafka_version: Default::default(),
            broker: BrokerConfig {
                min_insync_replicas: 2,
                ..BrokerConfig::scaled_for_simulation()
            },
            topics: vec![TopicConfig {
                name: "orders".into(),
                partitions: 2,
                replication_factor: 3,
                ..TopicConfig::default()
            }],
            producer: ProducerConfig {
                acks: Acks::All,
                ..ProducerConfig::scaled_for_simulation()
            },
            consumer: ConsumerConfig::scaled_for_simulation(),
        },
        workload: WorkloadSpec {
            producers: 1,
            consumers: 1,
            ..WorkloadSpec::default()
        },
        faults: FaultPlan::default(),
        duration_ms: 3_000,
        sim: SimKnobs::default(),
    }
}

#[test]
fn a_durable_run_dumps_every_replica_and_they_agree() {
    let scenario = durable_scenario();
    let out = run(&scenario, 0, None).expect("run");
    assert_eq!(out.replicas.len(), 6, "2 partitions × 3 replicas");
    assert_eq!(out.result.stats.replica_logs, 6);
    assert!(
        out.replicas
            .iter()
            .all(|r| r.high_watermark > 0 && !r.records.is_empty()),
        "the workload wrote to every partition and every replica checkpointed an HW"
    );
    assert!(!out
        .result
        .anomalies
        .contains_key(&AnomalyKind::ReplicaDivergence));

    // The same run with one committed record rewritten on one replica.
    let mut diverged = out.replicas.clone();
    let replica = &mut diverged[0];
    replica.records[0].value = logjam_checker::history::Val::Int(-1);
    let options = CheckOptions {
        semantics: Some(semantics_of_workload(&scenario.cluster, &scenario.workload)),
        faults: None,
        jepsen: None,
    };
    let result = check_with_replicas(&out.history, &diverged, &options);
    let found = &result.anomalies[&AnomalyKind::ReplicaDivergence];
    assert_eq!(
        found.len(),
        2,
        "the changed replica against each of the other two"
    );
    let broken: Vec<PromiseName> = result.broken().map(|p| p.name).collect();
    assert_eq!(broken, vec![PromiseName::ConsistentOffsets]);
}

/// KIP-101 scenario 2 as a run (ZooKeeper-era restarts keep the ISR, so
/// both directions differ in `logjam.legacy.hw.truncation` alone): broker 2
/// loses power with its last second of records unwritten-back, cut off from
/// the leader 1, and restarts at once; 1 loses power 450 ms later, keeping
/// records 2 lost. 2 is elected and writes at those offsets. 1 comes back
/// as a follower: pre-KIP-101 it truncates to its HW and fetches on from
/// there with no epoch check, so both replicas hold different records at
/// the same committed offsets for good, which `replica-divergence` reports
/// from the end-of-run dump; with leader-epoch truncation 1 cuts where the
/// epochs diverge and refetches, and the dump agrees.
fn kip101_scenario_2(legacy_hw_truncation: bool) -> Scenario {
    use logjam_harness::nemesis::fault::{Fault, ScheduledFault, Target};
    let mut s = durable_scenario();
    s.name = "kip101-scenario-2".into();
    s.cluster.broker.min_insync_replicas = 1;
    s.cluster.broker.legacy_hw_truncation = legacy_hw_truncation;
    s.cluster.broker.legacy_restart_keeps_isr = true;
    s.cluster.broker.page_cache_writeback_age_ms = 1_000;
    s.cluster.topics[0].partitions = 1;
    s.cluster.topics[0].replication_factor = 2;
    s.duration_ms = 8_000;
    let (leader, follower) = (Target::Broker(1), Target::Broker(2));
    s.faults.schedule = vec![
        ScheduledFault::at(
            3_000,
            Fault::Cut {
                a: leader.clone(),
                b: follower.clone(),
            },
        ),
        ScheduledFault::at(3_000, Fault::PowerLoss { target: follower }),
        ScheduledFault::at(3_010, Fault::Restart),
        ScheduledFault::at(3_450, Fault::PowerLoss { target: leader }),
        ScheduledFault::at(5_000, Fault::Heal),
        ScheduledFault::at(5_000, Fault::Restart),
    ];
    s
}

#[test]
fn kip101_scenario_2_diverges_for_good_with_legacy_truncation_and_not_with_leader_epochs() {
    for seed in 0..3 {
        let legacy = run(&kip101_scenario_2(true), seed, None).expect("run");
        assert!(
            legacy
                .result
                .anomalies
                .contains_key(&AnomalyKind::ReplicaDivergence),
            "seed {seed}: legacy truncation to the HW left the replicas in agreement: {:?}",
            legacy.result.counts
        );
        let modern = run(&kip101_scenario_2(false), seed, None).expect("run");
        assert!(
            !modern
                .result
                .anomalies
                .contains_key(&AnomalyKind::ReplicaDivergence),
            "seed {seed}: leader-epoch truncation left replicas diverged"
        );
        let epoch_truncations = modern
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.event,
                    logjam_models::events::ClusterEvent::Truncation {
                        broker: 1,
                        reason: logjam_models::events::TruncationReason::LeaderEpoch,
                        ..
                    }
                )
            })
            .count();
        assert!(
            epoch_truncations > 0,
            "seed {seed}: the returning broker 1 did not cut its log by leader epoch: the dangerous state was not reached"
        );
    }
}
