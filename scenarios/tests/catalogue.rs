//! One test per catalogue scenario, named after it (`cargo test acks1`,
//! `cargo nextest run -E 'test(durable)'`). A scenario that expects anomalies must
//! find each within its seed budget; one that expects none runs its seeds and
//! must break no promise. Failures print the seed and the replay command.
use logjam_checker::AnomalyKind;
use logjam_harness::run::run;
use logjam_scenarios::catalogue;

fn check_scenario(name: &str) {
    let scenario = catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads");
    let expect = catalogue::expectation(name)
        .expect("in the catalogue")
        .expect("loads");
    let expect = expect.unwrap_or_else(|| {
        panic!("{name}: catalogue scenarios state what their test expects ([expect])")
    });
    assert!(
        !expect.finds.is_empty() || expect.holds_over_seeds > 0,
        "{name}: [expect] asks for nothing"
    );
    let wanted: Vec<AnomalyKind> = expect
        .finds
        .iter()
        .map(|kind| {
            kind.parse()
                .unwrap_or_else(|e| panic!("{name}: {e} in [expect]"))
        })
        .collect();
    let mut missing = wanted.clone();
    // One pass: the seeds that must keep every promise, and the seed budget
    // within which each expected anomaly must turn up.
    let seeds = expect.holds_over_seeds.max(if wanted.is_empty() {
        0
    } else {
        expect.seed_budget
    });
    for seed in 0..seeds {
        if seed >= expect.holds_over_seeds && missing.is_empty() {
            break;
        }
        let out = run(&scenario, seed, None).expect("run");
        let replay = format!("replay: logjam run --scenario {name} --seed {seed}");
        if seed < expect.holds_over_seeds {
            // A run that moved nothing, or whose final reads never finished,
            // cannot show loss: it would keep its promises vacuously.
            assert!(
                out.final_reads_complete,
                "{name} seed {seed}: final reads did not finish\n  {replay}"
            );
            assert!(
                out.result.stats.sends_ok > 0,
                "{name} seed {seed}: no send was acknowledged\n  {replay}"
            );
            let broken: Vec<String> = out
                .result
                .broken()
                .map(|p| format!("{} by {:?}", p.name, p.broken_by))
                .collect();
            assert!(
                broken.is_empty(),
                "{name} seed {seed} broke {broken:?}\n  {replay}"
            );
        }
        if seed < expect.seed_budget {
            missing.retain(|kind| !out.result.counts.contains_key(kind));
        }
    }
    assert!(
        missing.is_empty(),
        "{name}: no {missing:?} within {} seeds (logjam run --scenario {name} --seeds 0..{})",
        expect.seed_budget,
        expect.seed_budget
    );
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { check_scenario($name); })*

        #[test]
        fn every_catalogue_scenario_has_a_test() {
            let tested = [$($name),*];
            for name in catalogue::names() {
                assert!(tested.contains(&name), "catalogue scenario {name} has no test in tests/catalogue.rs");
            }
        }
    };
}

scenario_tests! {
    standard => "standard",
    baseline_producers => "baseline-producers",
    acks0_fire_and_forget => "acks0-fire-and-forget",
    acks1_leader_crash => "acks1-leader-crash",
    acks_all_min_isr_1_leader_alone => "acks-all-min-isr-1-leader-alone",
    durable_partitions_crashes => "durable-partitions-crashes",
    idempotent_client_partitions => "idempotent-client-partitions",
    retries_reorder => "retries-reorder",
    last_replica_standing => "last-replica-standing",
    last_replica_standing_fsync => "last-replica-standing-fsync",
    power_loss_all => "power-loss-all",
    power_loss_all_fsync => "power-loss-all-fsync",
    unclean_election => "unclean-election",
    clean_election_waits => "clean-election-waits",
    kip101_legacy_truncation => "kip101-legacy-truncation",
    kip101_epoch_truncation => "kip101-epoch-truncation",
    group_at_most_once_crash => "group-at-most-once-crash",
    group_at_least_once_churn => "group-at-least-once-churn",
    group_auto_commit_rebalance => "group-auto-commit-rebalance",
    group_cooperative_churn => "group-cooperative-churn",
    group_zombie_legacy_fencing => "group-zombie-legacy-fencing",
    group_coordinator_failover => "group-coordinator-failover",
}
