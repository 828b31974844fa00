//! Consumer group mechanics, shown by simulated runs: each test runs a fixed
//! fault schedule over a few seeds and asserts on what the checker found and
//! on the history itself (commit errors, rebalance logs, committed offsets).
//! Nothing here states a verdict: the runs produce them.
use logjam_checker::history::{History, Op, OpType, OpValue, Process};
use logjam_checker::{AnomalyKind, CheckResult, CommitMode};
use logjam_harness::nemesis::fault::ScheduledFault;
use logjam_harness::run::{run, RunOutput};
use logjam_harness::scenario::{FaultPlan, Scenario, SimKnobs};
use logjam_harness::workload::WorkloadSpec;
use logjam_models::config::{
    Acks, AssignmentStrategy, BrokerConfig, ClusterConfig, ConsumerConfig, ProducerConfig,
    TopicConfig,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The group every run uses (the workload's default).
const GROUP: &str = logjam_harness::workload::group::DEFAULT_GROUP;

/// A durable cluster (acks=all, min.insync.replicas=2, idempotent producer)
/// with one 6-partition topic, 2 producers and 3 group members.
fn scenario(name: &str, mode: CommitMode) -> Scenario {
    let consumer = ConsumerConfig {
        enable_auto_commit: mode == CommitMode::Auto,
        ..ConsumerConfig::scaled_for_simulation()
    };
    Scenario {
        name: name.into(),
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
                partitions: 6,
                replication_factor: 3,
                ..TopicConfig::default()
            }],
            producer: ProducerConfig {
                acks: Acks::All,
                enable_idempotence: Some(true),
                ..ProducerConfig::scaled_for_simulation()
            },
            consumer,
        },
        workload: WorkloadSpec {
            producers: 2,
            consumers: 0,
            group_consumers: 3,
            commit_mode: mode,
            ..WorkloadSpec::default()
        },
        faults: FaultPlan::default(),
        duration_ms: 12_000,
        sim: SimKnobs {
            recovery_ms: 2_000,
            ..SimKnobs::default()
        },
    }
}

fn schedule(faults: Value) -> Vec<ScheduledFault> {
    serde_json::from_value(faults).expect("a valid schedule")
}

fn go(s: &Scenario, seed: u64, faults: &[ScheduledFault]) -> RunOutput {
    let out = run(s, seed, Some(faults.to_vec())).expect("run");
    assert!(
        out.final_reads_complete,
        "{} seed {seed}: final reads did not finish",
        s.name
    );
    assert!(
        out.result.stats.processed > 0,
        "{} seed {seed}: nothing was processed",
        s.name
    );
    out
}

fn count(r: &CheckResult, kind: AnomalyKind) -> u64 {
    r.counts.get(&kind).copied().unwrap_or(0)
}

fn broken(r: &CheckResult) -> Vec<String> {
    r.broken()
        .map(|p| format!("{:?} by {:?}", p.name, p.broken_by))
        .collect()
}

/// Completions of `f` (any outcome).
fn completions<'h>(h: &'h History, f: &'h str) -> impl Iterator<Item = &'h Op> + 'h {
    h.ops.iter().filter(move |o| o.f == f && !o.is_invoke())
}

/// Nemesis ops named `f` that actually fired (not skipped).
fn fired(h: &History, f: &str) -> usize {
    h.ops
        .iter()
        .filter(|o| o.process.is_nemesis() && o.f == f)
        .filter(|o| match &o.value {
            OpValue::Other(v) => v.get("skipped").is_none(),
            _ => true,
        })
        .count()
}

/// Every rebalance entry recorded by ok polls, with the op's process.
fn rebalances(h: &History) -> Vec<(Process, Value)> {
    completions(h, "poll")
        .filter(|o| o.op_type == OpType::Ok)
        .filter_map(|o| Some((o.process.clone(), o.rebalance_log.clone()?)))
        .flat_map(|(p, log)| {
            log.as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |e| (p.clone(), e))
        })
        .collect()
}

/// Per key: the highest offset an `ok` commit acknowledged.
fn acknowledged_commits(h: &History) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for o in completions(h, "commit").filter(|o| o.op_type == OpType::Ok) {
        if let OpValue::Offsets(m) = &o.value {
            for (k, v) in m {
                let e = out.entry(k.clone()).or_insert(*v);
                *e = (*e).max(*v);
            }
        }
    }
    out
}

/// The final `committed` read: the group's offsets after healing.
fn final_committed(h: &History) -> BTreeMap<String, i64> {
    let op = completions(h, "committed")
        .find(|o| o.op_type == OpType::Ok)
        .expect("a final committed read");
    match &op.value {
        OpValue::Other(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().expect("an offset")))
            .collect(),
        other => panic!("committed read holds {other:?}"),
    }
}

/// Kill each member in turn, about every 900 ms, for 400 ms. The offsets
/// walk through a member's poll/process/commit cycle, so some kills land
/// between processing and committing. Since message latency spreads past the
/// tick (issue 11), the cycle no longer runs in step with the ticks and a
/// kill lands in that window less often: over seeds 0..10 duplicates show on
/// seed 7 only (over 0..3 before), hence ten seeds.
fn member_crashes() -> Vec<ScheduledFault> {
    let mut faults = Vec::new();
    for i in 0..10u64 {
        let at = 2_000 + i * 900 + (i * 37) % 100;
        faults.push(json!({"at_ms": at, "fault": {"kind": "kill-consumer", "client": format!("group-consumer-{}", i % 3 + 1)}}));
        faults.push(json!({"at_ms": at + 400, "fault": {"kind": "restart-consumers"}}));
    }
    schedule(Value::Array(faults))
}

#[test]
fn commit_before_processing_loses_and_commit_after_duplicates_under_the_same_crashes() {
    let faults = member_crashes();
    let seeds = 0..10;
    let before = scenario(
        "group-before-processing-crashes",
        CommitMode::BeforeProcessing,
    );
    let after = scenario(
        "group-after-processing-crashes",
        CommitMode::AfterProcessing,
    );
    let mut lost_before = 0;
    let mut dup_after = 0;
    for seed in seeds.clone() {
        let b = go(&before, seed, &faults);
        assert!(
            fired(&b.history, "kill-consumer") >= 5,
            "seed {seed}: the schedule killed members"
        );
        eprintln!(
            "before seed {seed}: lost {} dup {} processed {}",
            count(&b.result, AnomalyKind::LostProcessing),
            count(&b.result, AnomalyKind::DuplicateProcessing),
            b.result.stats.processed
        );
        lost_before += count(&b.result, AnomalyKind::LostProcessing);
        // At-most-once keeps its own promise meanwhile.
        assert_eq!(
            count(&b.result, AnomalyKind::DuplicateProcessing),
            0,
            "seed {seed}: commit before processing processed a record twice"
        );
        assert!(broken(&b.result).is_empty(), "{:?}", broken(&b.result));

        let a = go(&after, seed, &faults);
        eprintln!(
            "after seed {seed}: lost {} dup {} processed {}",
            count(&a.result, AnomalyKind::LostProcessing),
            count(&a.result, AnomalyKind::DuplicateProcessing),
            a.result.stats.processed
        );
        dup_after += count(&a.result, AnomalyKind::DuplicateProcessing);
        assert_eq!(
            count(&a.result, AnomalyKind::LostProcessing),
            0,
            "seed {seed}: commit after processing lost processing"
        );
        assert!(broken(&a.result).is_empty(), "{:?}", broken(&a.result));
    }
    assert!(
        lost_before > 0,
        "no lost-processing with commit before processing over seeds {seeds:?}"
    );
    assert!(
        dup_after > 0,
        "no duplicate-processing with commit after processing over seeds {seeds:?}"
    );
}

/// Kills, pauses past the session timeout, and churn, spread over members
/// and over the members' cycle.
fn mixed_member_faults() -> Vec<ScheduledFault> {
    let mut faults = Vec::new();
    for i in 0..9u64 {
        let at = 2_000 + i * 1_100 + (i * 41) % 100;
        let client = format!("group-consumer-{}", i % 3 + 1);
        let (fault, undo) = match i % 3 {
            0 => (
                json!({"kind": "kill-consumer", "client": client}),
                json!({"kind": "restart-consumers"}),
            ),
            1 => (
                json!({"kind": "churn-consumer", "client": client}),
                json!({"kind": "resume-consumers"}),
            ),
            _ => (
                json!({"kind": "pause-consumer", "client": client}),
                json!({"kind": "resume-consumers"}),
            ),
        };
        faults.push(json!({"at_ms": at, "fault": fault}));
        faults.push(json!({"at_ms": at + 600 + (i % 2) * 800, "fault": undo}));
    }
    schedule(Value::Array(faults))
}

#[test]
fn auto_commit_with_synchronous_processing_loses_nothing() {
    let s = scenario("group-auto-commit-faults", CommitMode::Auto);
    let faults = mixed_member_faults();
    let mut duplicates = 0;
    for seed in 0..12 {
        let out = go(&s, seed, &faults);
        let h = &out.history;
        assert!(fired(h, "kill-consumer") >= 2 && fired(h, "rebalance-churn") >= 2);
        assert!(
            rebalances(h)
                .iter()
                .any(|(_, e)| e["generation"].as_i64() > Some(2)),
            "seed {seed}: the faults made the group rebalance"
        );
        // Auto-commit records no commit ops; the group's offsets moved anyway.
        assert!(completions(h, "commit").next().is_none());
        assert!(
            !final_committed(h).is_empty(),
            "seed {seed}: nothing committed"
        );
        assert_eq!(
            count(&out.result, AnomalyKind::LostProcessing),
            0,
            "seed {seed}: auto-commit lost processing: {:?}",
            out.result.anomalies.get(&AnomalyKind::LostProcessing)
        );
        assert!(
            broken(&out.result).is_empty(),
            "seed {seed}: {:?}",
            broken(&out.result)
        );
        duplicates += count(&out.result, AnomalyKind::DuplicateProcessing);
    }
    // What auto-commit allows does happen: records processed again after a
    // crash or a rebalance.
    assert!(duplicates > 0, "no duplicate processing in 12 seeds");
}

/// Pause `client` from `at` for 2.3 s: past `session.timeout.ms` (1 s), short
/// of `max.poll.interval.ms` (3 s), so it comes back as a zombie that still
/// believes it is a member.
fn zombie_pauses() -> Vec<(u64, u64, &'static str)> {
    vec![
        (3_013, 5_313, "group-consumer-2"),
        (6_551, 8_851, "group-consumer-1"),
        (9_087, 11_387, "group-consumer-3"),
    ]
}

fn zombie_schedule() -> Vec<ScheduledFault> {
    let mut faults = Vec::new();
    for (at, until, client) in zombie_pauses() {
        faults.push(json!({"at_ms": at, "fault": {"kind": "pause-consumer", "client": client}}));
        faults.push(json!({"at_ms": until, "fault": {"kind": "resume-consumers"}}));
    }
    schedule(Value::Array(faults))
}

fn ms(op: &Op) -> u64 {
    op.time_ns.unwrap_or(0) / 1_000_000
}

/// Commit ops the zombie sent after waking that were refused by fencing.
fn fenced_zombie_commits(h: &History) -> Vec<&Op> {
    completions(h, "commit")
        .filter(|o| o.op_type == OpType::Fail)
        .filter(|o| {
            zombie_pauses().iter().any(|(_, until, client)| {
                o.node.as_deref() == Some(*client) && ms(o) >= *until && ms(o) < until + 1_000
            })
        })
        .filter(|o| {
            let e = o.error.as_deref().unwrap_or("");
            [
                "ILLEGAL_GENERATION",
                "UNKNOWN_MEMBER_ID",
                "REBALANCE_IN_PROGRESS",
            ]
            .iter()
            .any(|code| e.contains(code))
        })
        .collect()
}

/// Members other than the paused one that received partitions while it was
/// paused: it was replaced.
fn replaced_during_pauses(h: &History) -> usize {
    completions(h, "poll")
        .filter(|o| o.op_type == OpType::Ok)
        .filter(|o| {
            zombie_pauses().iter().any(|(at, until, client)| {
                o.node.as_deref() != Some(*client) && ms(o) > *at && ms(o) < *until
            })
        })
        .filter_map(|o| o.rebalance_log.as_ref()?.as_array())
        .flatten()
        .filter(|e| e["generation"].as_i64() > Some(0))
        .count()
}

/// Per key, ok commits whose offset is below an earlier ok commit's: the
/// group's committed offset went backwards. Returns (key, from, to).
fn commits_going_backwards(h: &History) -> Vec<(String, i64, i64)> {
    let mut highest: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = Vec::new();
    for o in completions(h, "commit").filter(|o| o.op_type == OpType::Ok) {
        if let OpValue::Offsets(m) = &o.value {
            for (k, v) in m {
                let hi = highest.entry(k.clone()).or_insert(*v);
                if *v < *hi {
                    out.push((k.clone(), *hi, *v));
                }
                *hi = (*hi).max(*v);
            }
        }
    }
    out
}

#[test]
fn a_zombie_member_is_replaced_and_its_late_commit_is_fenced() {
    let s = scenario("group-zombie", CommitMode::BeforeProcessing);
    let faults = zombie_schedule();
    let mut fenced = 0;
    for seed in 0..4 {
        let out = go(&s, seed, &faults);
        let h = &out.history;
        assert_eq!(fired(h, "pause-consumer"), 3);
        assert!(
            replaced_during_pauses(h) > 0,
            "seed {seed}: no other member took over a paused member's partitions"
        );
        fenced += fenced_zombie_commits(h).len();
        assert_eq!(
            count(&out.result, AnomalyKind::DuplicateProcessing),
            0,
            "seed {seed}: a zombie processed records its successor also processed: {:?}",
            out.result.anomalies.get(&AnomalyKind::DuplicateProcessing)
        );
        assert!(commits_going_backwards(h).is_empty(), "seed {seed}");
        assert!(
            broken(&out.result).is_empty(),
            "seed {seed}: {:?}",
            broken(&out.result)
        );
    }
    assert!(fenced > 0, "no zombie commit was refused over 4 seeds");
}

#[test]
fn without_commit_fencing_a_zombie_moves_the_committed_offset_back() {
    let mut s = scenario("group-zombie-legacy", CommitMode::BeforeProcessing);
    s.cluster.broker.legacy_no_commit_fencing = true;
    let faults = zombie_schedule();
    let (mut dups, mut backwards) = (0, 0);
    for seed in 0..4 {
        let out = go(&s, seed, &faults);
        let h = &out.history;
        let d = count(&out.result, AnomalyKind::DuplicateProcessing);
        let b = commits_going_backwards(h);
        eprintln!("legacy seed {seed}: duplicate-processing {d}, commits going back {b:?}");
        dups += d;
        backwards += b.len();
        // The switch takes the no-duplicate promise away; nothing is broken.
        assert!(
            broken(&out.result).is_empty(),
            "seed {seed}: {:?}",
            broken(&out.result)
        );
        assert!(!out
            .result
            .promises
            .iter()
            .any(|p| p.name == logjam_checker::PromiseName::NoDuplicateProcessing));
    }
    assert!(dups > 0, "no duplicate processing without commit fencing");
    assert!(backwards > 0, "no commit moved a committed offset back");
}

/// Every member leaves and is replaced in turn, with a kill now and then.
fn churn_schedule() -> Vec<ScheduledFault> {
    let mut faults = Vec::new();
    for i in 0..12u64 {
        let at = 2_000 + i * 750 + (i * 29) % 100;
        let client = format!("group-consumer-{}", i % 3 + 1);
        if i % 4 == 3 {
            faults.push(json!({"at_ms": at, "fault": {"kind": "kill-consumer", "client": client}}));
            faults.push(json!({"at_ms": at + 500, "fault": {"kind": "restart-consumers"}}));
        } else {
            faults
                .push(json!({"at_ms": at, "fault": {"kind": "churn-consumer", "client": client}}));
        }
    }
    schedule(Value::Array(faults))
}

fn churn_keeps_at_least_once(strategy: AssignmentStrategy) -> Vec<Vec<(Process, Value)>> {
    let mut s = scenario("group-churn", CommitMode::AfterProcessing);
    s.cluster.consumer.partition_assignment_strategy = strategy;
    let faults = churn_schedule();
    let mut logs = Vec::new();
    for seed in 0..10 {
        let out = go(&s, seed, &faults);
        assert!(fired(&out.history, "rebalance-churn") >= 8);
        assert_eq!(
            count(&out.result, AnomalyKind::LostProcessing),
            0,
            "{strategy:?} seed {seed}: lost processing: {:?}",
            out.result.anomalies.get(&AnomalyKind::LostProcessing)
        );
        assert!(
            broken(&out.result).is_empty(),
            "{strategy:?} seed {seed}: {:?}",
            broken(&out.result)
        );
        let log = rebalances(&out.history);
        assert!(
            log.iter()
                .filter(|(_, e)| e["generation"].as_i64() > Some(0))
                .count()
                >= 10,
            "{strategy:?} seed {seed}: churn made the group rebalance"
        );
        logs.push(log);
    }
    logs
}

/// Rebalances (generation > 0) through which a member kept partitions it
/// owned before, replaying each process's rebalance log.
fn kept_through_rebalance(log: &[(Process, Value)]) -> usize {
    let keys = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("a list of keys")
            .iter()
            .map(|k| k.as_str().expect("a key").to_string())
            .collect()
    };
    let mut owned: BTreeMap<&Process, Vec<String>> = BTreeMap::new();
    let mut kept = 0;
    for (p, e) in log {
        let mine = owned.entry(p).or_default();
        let revoked = keys(&e["revoked"]);
        mine.retain(|k| !revoked.contains(k));
        if e["generation"].as_i64() > Some(0) {
            let assigned = keys(&e["assigned"]);
            if mine.iter().any(|k| assigned.contains(k)) {
                kept += 1;
            }
            *mine = assigned;
        }
    }
    kept
}

#[test]
fn eager_rebalances_keep_at_least_once_under_churn() {
    let logs = churn_keeps_at_least_once(AssignmentStrategy::Range);
    // Eager: a member gives up everything before rejoining, so it never
    // carries a partition through a rebalance.
    assert!(
        logs.iter()
            .flatten()
            .any(|(_, e)| e["generation"] == json!(-1)
                && !e["revoked"].as_array().unwrap().is_empty())
    );
    assert_eq!(
        logs.iter()
            .map(|l| kept_through_rebalance(l))
            .sum::<usize>(),
        0
    );
}

#[test]
fn cooperative_rebalances_keep_at_least_once_under_churn() {
    let logs = churn_keeps_at_least_once(AssignmentStrategy::CooperativeSticky);
    // Cooperative: never a revoke-everything step; members keep their
    // partitions through rebalances and give up only what moves.
    assert!(!logs
        .iter()
        .flatten()
        .any(|(_, e)| e["generation"] == json!(-1)));
    let kept: usize = logs.iter().map(|l| kept_through_rebalance(l)).sum();
    assert!(
        kept >= 10,
        "members kept partitions through only {kept} rebalances"
    );
}

#[test]
fn coordinator_failover_keeps_acknowledged_commits() {
    let s = scenario("group-coordinator-failover", CommitMode::AfterProcessing);
    let coordinator = json!({"coordinator-of": GROUP});
    let faults = schedule(json!([
        {"at_ms": 3_017, "fault": {"kind": "crash", "target": coordinator}},
        {"at_ms": 5_017, "fault": {"kind": "restart"}},
        {"at_ms": 7_043, "fault": {"kind": "isolate", "target": coordinator}},
        {"at_ms": 9_043, "fault": {"kind": "heal"}},
    ]));
    for seed in 0..5 {
        let out = go(&s, seed, &faults);
        let h = &out.history;
        assert_eq!(
            fired(h, "crash"),
            1,
            "seed {seed}: the coordinator was found and crashed"
        );
        assert_eq!(
            fired(h, "isolate"),
            1,
            "seed {seed}: the coordinator was found and isolated"
        );
        // Commits went on after each failover.
        for after in [5_017, 9_043] {
            assert!(
                completions(h, "commit").any(|o| o.op_type == OpType::Ok && ms(o) > after),
                "seed {seed}: no commit succeeded after {after} ms"
            );
        }
        let acked = acknowledged_commits(h);
        let last = final_committed(h);
        for (key, offset) in &acked {
            let now = last.get(key).copied();
            assert!(
                now >= Some(*offset),
                "seed {seed}: {key} committed {offset} (acknowledged) but the group holds {now:?}"
            );
        }
        assert_eq!(
            count(&out.result, AnomalyKind::LostProcessing),
            0,
            "seed {seed}: {:?}",
            out.result.anomalies.get(&AnomalyKind::LostProcessing)
        );
        assert!(
            broken(&out.result).is_empty(),
            "seed {seed}: {:?}",
            broken(&out.result)
        );
    }
}
