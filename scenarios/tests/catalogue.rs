//! One test per catalogue scenario, named after it (`cargo test acks1`,
//! `cargo nextest run -E 'test(durable)'`), made from the catalogue itself
//! (libtest-mimic), so a scenario file added to catalogue/ is tested with no
//! list to update. A scenario that expects anomalies must
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

fn main() -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let trials = catalogue::names()
        .map(|name| {
            libtest_mimic::Trial::test(name, move || {
                check_scenario(name);
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}
