//! Issue 11, "tick phase-lock": a follower that comes back while a closed-loop
//! acks=all producer keeps writing must rejoin the ISR once its log end offset
//! reaches the leader's HW (Kafka's `Partition.isFollowerInSync`), in
//! simulated time comparable to Kafka's, at the harness's 10 ms tick.
//! With every message delivered on the next step, the producer and the
//! follower's fetches lock in phase and the follower stays one record behind
//! the HW for as long as the producer runs.
//!
//! Measured (`cargo test -p logjam-models --test isr_rejoin -- --nocapture`):
//! with the old 1–4 ms latency range, the crashed follower (the highest-id
//! one: turmoil steps hosts in order) was not back after 10 s on seeds 1, 2,
//! 3, 5 (5.1 s and 8.0 s on seeds 4 and 6); with the 1–25 ms default,
//! 110–190 ms on seeds 1–6 (cut off and healed: 60–170 ms).
mod common;
use common::*;
use logjam_models::cluster::SimSettings;
use logjam_models::config::Acks;
use std::cell::Cell;
use std::rc::Rc;

/// The harness's default tick (`SimKnobs::default().tick_ms`).
const TICK_MS: u64 = 10;
/// How long the producer keeps writing after the heal: the test's horizon.
const HORIZON_MS: u64 = 10_000;
/// The bound asserted on the simulated time from heal/restart to rejoining.
const REJOIN_BOUND_MS: u64 = 2_000;
/// The harness's default workload: four processes per producer, each pausing
/// 10 to 30 ms between sends.
const PROCESSES: u64 = 4;
const PAUSE_MS: std::ops::RangeInclusive<u64> = 10..=30;
const SEEDS: std::ops::RangeInclusive<u64> = 1..=12;

#[derive(Clone, Copy, Debug)]
enum Outage {
    /// Cut off from the other brokers (not the controller), then healed.
    Partition,
    /// Process crash, then restart.
    Crash,
}

/// Simulated ms from the heal (or restart) to the follower's return to the
/// controller's ISR while the producer keeps writing; None if it had not
/// rejoined after [`HORIZON_MS`].
fn rejoin_ms(seed: u64, outage: Outage) -> Option<u64> {
    let settings = SimSettings {
        seed,
        tick_ms: TICK_MS,
        ..SimSettings::default()
    };
    let mut t = TestCluster::with_settings(config(Acks::All, 2), settings);
    t.run_for(1_000);
    assert_eq!(t.isr().len(), 3, "seed {seed}: all replicas start in sync");
    let stop = Rc::new(Cell::new(false));
    let mut producer = producer_config(Acks::All);
    producer.enable_idempotence = None;
    let (_, outcomes) = t.produce_closed_loop(producer, PROCESSES, PAUSE_MS, seed, stop.clone());
    t.run_for(500);
    // The highest-id follower: stepped after the other one, which is the
    // phase that locked (issue 11).
    let follower = *t.followers().last().expect("two followers");
    match outage {
        Outage::Partition => {
            for b in (1..=3).filter(|&b| b != follower) {
                t.cut(b, follower);
            }
        }
        Outage::Crash => t.crash(follower),
    }
    let shrunk = t.run_until(5_000, |t| !t.isr().contains(&follower));
    assert!(shrunk, "seed {seed}: the follower leaves the ISR");
    t.run_for(500);
    match outage {
        Outage::Partition => {
            for b in (1..=3).filter(|&b| b != follower) {
                t.repair(b, follower);
            }
        }
        Outage::Crash => t.restart(follower),
    }
    let healed_at = t.now_ms();
    let rejoined = t.run_until(HORIZON_MS, |t| t.isr().contains(&follower));
    let took = rejoined.then(|| t.now_ms() - healed_at);
    // The producer was still writing when the follower rejoined.
    let acked_then = acked(&outcomes).len();
    t.run_for(500);
    assert!(
        acked(&outcomes).len() > acked_then,
        "seed {seed}: the producer kept writing"
    );
    stop.set(true);
    took
}

fn check(outage: Outage) {
    let times: Vec<(u64, Option<u64>)> = SEEDS.map(|s| (s, rejoin_ms(s, outage))).collect();
    eprintln!("{outage:?}: rejoin ms after heal by seed: {times:?}");
    for (seed, took) in times {
        match took {
            Some(ms) => assert!(
                ms <= REJOIN_BOUND_MS,
                "{outage:?}, seed {seed}: rejoined only after {ms} simulated ms"
            ),
            None => panic!(
                "{outage:?}, seed {seed}: not back in the ISR {HORIZON_MS} simulated ms \
                 after the heal while the producer kept writing"
            ),
        }
    }
}

#[test]
fn partitioned_follower_rejoins_the_isr_under_a_closed_loop_producer() {
    check(Outage::Partition);
}

#[test]
fn crashed_follower_rejoins_the_isr_under_a_closed_loop_producer() {
    check(Outage::Crash);
}
