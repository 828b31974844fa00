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
