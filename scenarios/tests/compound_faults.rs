//! Overlapping faults and role targets against a running cluster: roles
//! resolve from the controller's view when the fault fires, a role nobody
//! holds skips the fault, and a held fault is undone on its own after its
//! hold, leaving the others in place.
use logjam_harness::nemesis::fault::{Fault, ScheduledFault, Target};
use logjam_harness::nemesis::FaultRecord;
use logjam_harness::run::run;
use logjam_scenarios::load::load_scenario_str;
use serde_json::{json, Value};

const SCENARIO: &str = r#"
name = "roles"
preset = "durable"
duration_ms = 9000
[cluster]
brokers = 3
[[cluster.topics]]
name = "orders"
partitions = 1
"replication.factor" = 3
[workload]
producers = 1
consumers = 0
"#;

fn tp() -> String {
    "orders/0".into()
}

fn fired(schedule: Vec<ScheduledFault>) -> Vec<FaultRecord> {
    let scenario = load_scenario_str(SCENARIO, "roles.toml").expect("loads");
    run(&scenario, 0, Some(schedule)).expect("run").faults
}

fn at<'a>(records: &'a [FaultRecord], at_ms: u64, f: &str) -> &'a FaultRecord {
    records
        .iter()
        .find(|r| r.at_ms == at_ms && r.f == f)
        .unwrap_or_else(|| panic!("no {f} at {at_ms}: {records:#?}"))
}

fn node(r: &FaultRecord, key: &str) -> String {
    r.value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{r:?}"))
        .to_string()
}

#[test]
fn roles_resolve_when_the_fault_fires_and_skip_when_nobody_holds_them() {
    let records = fired(vec![
        // Every replica is in sync: no lagging follower to pause.
        ScheduledFault::held(
            2_000,
            500,
            Fault::Pause {
                target: Target::LaggingFollowerOf(tp()),
            },
        ),
        // An ISR follower is cut off long enough to leave the ISR...
        ScheduledFault::held(
            2_500,
            3_000,
            Fault::Isolate {
                target: Target::IsrFollowerOf(tp()),
            },
        ),
        // ...and is then the lagging follower, while the leader is the leader.
        ScheduledFault::held(
            4_500,
            500,
            Fault::PartitionOneWay {
                from: Target::LaggingFollowerOf(tp()),
                to: Target::LeaderOf(tp()),
            },
        ),
        ScheduledFault::held(
            4_500,
            1_000,
            Fault::Crash {
                target: Target::IsrFollowerOf(tp()),
            },
        ),
    ]);
    let skipped = at(&records, 2_000, "pause");
    assert_eq!(
        skipped.value,
        json!({"skipped": "no node for LaggingFollowerOf(\"orders/0\")"})
    );
    // A skipped fault holds nothing: no resume follows it.
    assert!(!records.iter().any(|r| r.at_ms == 2_500 && r.f == "resume"));

    let isolated = node(at(&records, 2_500, "isolate"), "node");
    let one_way = at(&records, 4_500, "one-way");
    assert_eq!(
        node(one_way, "from"),
        isolated,
        "the lagging follower is the one cut off"
    );
    let leader = node(one_way, "to");
    assert_ne!(leader, isolated);
    // With one follower out of the ISR, the ISR follower is the third broker.
    let crashed = at(&records, 4_500, "crash").value["broker"]
        .as_u64()
        .expect("a broker");
    let crashed = format!("broker-{crashed}");
    assert!(crashed != isolated && crashed != leader, "{records:#?}");

    // Each held fault undone on its own, after its own hold, naming what it undid.
    let heal_one_way = at(&records, 5_000, "heal");
    assert_eq!(heal_one_way.value, json!({"links": [[isolated, leader]]}));
    let restart = at(&records, 5_500, "restart");
    assert_eq!(
        restart.value,
        json!({"brokers": [crashed.trim_start_matches("broker-").parse::<u64>().unwrap()]})
    );
    let heal_isolate = at(&records, 5_500, "heal");
    let links = heal_isolate.value["links"].as_array().expect("links");
    assert_eq!(
        links.len(),
        6,
        "both directions to the 2 brokers and the controller"
    );
    assert!(links.iter().all(|l| l
        .as_array()
        .unwrap()
        .contains(&Value::from(isolated.clone()))));
}

#[test]
fn overlapping_faults_each_undo_only_themselves() {
    let records = fired(vec![
        ScheduledFault::held(
            2_000,
            3_000,
            Fault::Crash {
                target: Target::Broker(1),
            },
        ),
        ScheduledFault::held(
            2_500,
            1_000,
            Fault::Crash {
                target: Target::Broker(2),
            },
        ),
        ScheduledFault::held(
            2_600,
            1_000,
            Fault::Pause {
                target: Target::Controller,
            },
        ),
        ScheduledFault::held(
            2_700,
            2_000,
            Fault::Pause {
                target: Target::Controller,
            },
        ),
    ]);
    let seen: Vec<(u64, &str, Value)> = records
        .iter()
        .filter(|r| r.at_ms < 9_000)
        .map(|r| (r.at_ms, r.f.as_str(), r.value.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (2_000, "crash", json!({"broker": 1, "power_loss": false})),
            (2_500, "crash", json!({"broker": 2, "power_loss": false})),
            (2_600, "pause", json!({"node": "controller"})),
            (2_700, "pause", json!({"node": "controller"})),
            (3_500, "restart", json!({"brokers": [2]})),
            (
                3_600,
                "resume",
                json!({"skipped": "controller is paused by another fault"})
            ),
            (4_700, "resume", json!({"nodes": ["controller"]})),
            (5_000, "restart", json!({"brokers": [1]})),
        ],
        "{records:#?}"
    );
    // Nothing was left for the end of the fault window to undo.
    let end: Vec<&str> = records
        .iter()
        .filter(|r| r.at_ms >= 9_000)
        .map(|r| r.f.as_str())
        .collect();
    assert_eq!(end, ["heal"], "{records:#?}");
}
