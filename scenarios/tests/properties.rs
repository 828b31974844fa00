//! Property tests: fault schedules generated as data (the simulation seed is
//! fixed, not shrunk), promises checked. A failure is shrunk by proptest, saved
//! as a concrete schedule under `scenarios/regressions/` (kept under version
//! control, since proptest's own regression seeds drift when strategies
//! change), and every saved schedule is replayed first, by the property test
//! itself before its generated cases.
use logjam_harness::nemesis::fault::{Fault, ScheduledFault, Target};
use logjam_harness::run::run;
use logjam_harness::scenario::Scenario;
use logjam_scenarios::catalogue;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

const SEED: u64 = 1;
const WINDOW_MS: u64 = 10_000;

#[derive(Serialize, Deserialize)]
struct Regression {
    scenario: String,
    seed: u64,
    /// The fault window, when it differs from the scenario's.
    #[serde(default)]
    duration_ms: Option<u64>,
    note: String,
    schedule: Vec<ScheduledFault>,
}

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions")
}

fn scenario(name: &str) -> Scenario {
    catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads")
}

fn broken(scenario: &Scenario, seed: u64, schedule: &[ScheduledFault]) -> Vec<String> {
    let out = run(scenario, seed, Some(schedule.to_vec())).expect("run");
    out.result
        .broken()
        .map(|p| format!("{} by {:?}", p.name, p.broken_by))
        .collect()
}

/// Every saved regression, replayed: the first thing the property test does.
fn replay_saved_regressions() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(regressions_dir())
        .expect("regressions folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "the regressions folder holds at least the known past failures"
    );
    for f in files {
        let r: Regression = serde_json::from_str(&std::fs::read_to_string(&f).expect("read"))
            .expect("valid regression file");
        let mut sc = scenario(&r.scenario);
        sc.duration_ms = r.duration_ms.unwrap_or(sc.duration_ms);
        let b = broken(&sc, r.seed, &r.schedule);
        assert!(
            b.is_empty(),
            "{}: {} seed {} broke {b:?} again ({})",
            f.display(),
            r.scenario,
            r.seed,
            r.note
        );
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (1u32..=3).prop_map(Target::Broker),
        (0u32..2).prop_map(|p| Target::LeaderOf(format!("orders/{p}"))),
        (0u32..2).prop_map(|p| Target::FollowerOf(format!("orders/{p}"))),
        Just(Target::Controller),
    ]
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        target().prop_map(|target| Fault::Isolate { target }),
        (target(), target()).prop_map(|(a, b)| Fault::Cut { a, b }),
        (target(), target()).prop_map(|(from, to)| Fault::PartitionOneWay { from, to }),
        Just(Fault::PartitionRandomHalves),
        target().prop_map(|target| Fault::Crash { target }),
        target().prop_map(|target| Fault::Pause { target }),
        target().prop_map(|target| Fault::PartitionClient {
            client: "producer-1".into(),
            target
        }),
        Just(Fault::Heal),
        Just(Fault::Restart),
        Just(Fault::Resume),
    ]
}

fn schedule() -> impl Strategy<Value = Vec<ScheduledFault>> {
    prop::collection::vec(((0..WINDOW_MS / 50).prop_map(|t| t * 50), fault()), 1..8).prop_map(
        |mut v| {
            v.sort_by_key(|(t, _)| *t);
            v.into_iter()
                .map(|(at_ms, fault)| ScheduledFault::at(at_ms, fault))
                .collect()
        },
    )
}

/// The durable configuration must keep its promises under any schedule of
/// partitions, crashes and pauses (no power loss: that promise needs fsync).
/// The saved regressions run first, in this same test, so a known failure
/// shows before any new case (and cannot run in parallel with it, out of order).
#[test]
fn durable_keeps_its_promises_under_generated_schedules() {
    replay_saved_regressions();
    let mut s = scenario("idempotent-client-partitions");
    s.duration_ms = WINDOW_MS;
    s.faults = Default::default();
    let config = Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    };
    // A fixed generator: the same schedules in CI as on a laptop.
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let result = runner.run(&schedule(), |sched| {
        let b = broken(&s, SEED, &sched);
        prop_assert!(b.is_empty(), "broke {:?}", b);
        Ok(())
    });
    if let Err(TestError::Fail(why, minimal)) = result {
        let path =
            regressions_dir().join(format!("generated-{}-{}faults.json", s.name, minimal.len()));
        let r = Regression {
            scenario: "idempotent-client-partitions".into(),
            seed: SEED,
            duration_ms: Some(WINDOW_MS),
            note: why.to_string(),
            schedule: minimal,
        };
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&r).expect("json") + "\n",
        )
        .expect("save regression");
        panic!(
            "promise broken; shrunk schedule saved to {} (commit it): {why}",
            path.display()
        );
    }
    result.expect("proptest runner");
}
