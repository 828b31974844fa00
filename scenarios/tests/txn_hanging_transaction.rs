//! The KIP-890 hanging transaction, found by running seeds (issue 12).
//! txn-legacy-v1-hanging-transaction holds producers' links to partition
//! leaders and coordinators and releases them. With transaction version 1 a
//! produce of a transaction its client gave up on and aborted lands after
//! that partition's ABORT marker, with the same epoch, and opens a
//! transaction no coordinator knows about: the partition's last stable offset
//! stays there and read_committed final reads stop below committed data
//! (`stuck-lso`). The twin, txn-v2-hanging-transaction, runs the same fault
//! schedules with version 2 and no partition's LSO sticks.
use logjam_checker::AnomalyKind;
use logjam_harness::run::{run, RunOutput};
use logjam_models::events::ClusterEvent;
use logjam_models::ids::TopicPartition;
use logjam_scenarios::catalogue;
use std::collections::BTreeMap;

const V1: &str = "txn-legacy-v1-hanging-transaction";
const V2: &str = "txn-v2-hanging-transaction";
/// Seeds within which version 1 must hang a transaction.
const SEED_BUDGET: u64 = 5;
/// Seeds the twin runs (each on the schedule version 1 ran).
const TWIN_SEEDS: u64 = 20;

fn go(name: &str, seed: u64) -> RunOutput {
    let scenario = catalogue::scenario(name)
        .expect("in the catalogue")
        .expect("loads");
    run(&scenario, seed, None).expect("run")
}

fn partition(key: &str) -> TopicPartition {
    let (topic, p) = key.rsplit_once('/').expect("topic/partition");
    TopicPartition::new(topic, p.parse().expect("a partition number"))
}

/// The markers each producer got on `tp`, as (offset, commit), in order.
fn markers(out: &RunOutput, tp: &TopicPartition) -> BTreeMap<i64, Vec<(i64, bool)>> {
    let mut by_producer: BTreeMap<i64, Vec<(i64, bool)>> = BTreeMap::new();
    for e in &out.events {
        if let ClusterEvent::TxnMarkerWritten {
            tp: at,
            producer_id,
            commit,
            offset,
            ..
        } = &e.event
        {
            if at == tp {
                by_producer
                    .entry(*producer_id)
                    .or_default()
                    .push((*offset, *commit));
            }
        }
    }
    by_producer
}

/// Where a stuck-lso run's LSO is held: on the partition the final read
/// stopped on, the first record above the stop whose producer never got a
/// marker after it, with that producer's last marker before it (a v1 late
/// write follows its own transaction's ABORT) and the coordinator's last
/// state for that producer id.
struct Hang {
    key: String,
    offset: i64,
    producer_id: i64,
    marker_before: Option<(i64, bool)>,
    coordinator_last: Option<(String, Vec<TopicPartition>)>,
}

fn hang_of(out: &RunOutput) -> Option<Hang> {
    let stuck = out.result.anomalies.get(&AnomalyKind::StuckLso)?.first()?;
    let stop = *stuck.offsets.first()?;
    let tp = partition(&stuck.key);
    let markers = markers(out, &tp);
    // The longest copy of the partition's log.
    let log = out
        .replicas
        .iter()
        .filter(|r| r.partition == stuck.key)
        .max_by_key(|r| r.log_end_offset)?;
    let record = log.records.iter().find(|r| {
        r.offset > stop
            && !markers
                .get(&r.producer_id)
                .is_some_and(|m| m.iter().any(|&(o, _)| o > r.offset))
    })?;
    let marker_before = markers
        .get(&record.producer_id)
        .and_then(|m| m.iter().rev().find(|&&(o, _)| o < record.offset).copied());
    let coordinator_last = out.events.iter().rev().find_map(|e| match &e.event {
        ClusterEvent::TxnStateChanged {
            producer_id,
            state,
            partitions,
            ..
        } if *producer_id == record.producer_id => Some((state.clone(), partitions.clone())),
        _ => None,
    });
    Some(Hang {
        key: stuck.key.clone(),
        offset: record.offset,
        producer_id: record.producer_id,
        marker_before,
        coordinator_last,
    })
}

#[test]
fn version_1_hangs_a_transaction_within_the_seed_budget_by_a_late_write() {
    let found = (0..SEED_BUDGET).find_map(|seed| hang_of(&go(V1, seed)).map(|h| (seed, h)));
    let Some((seed, hang)) = found else {
        panic!("no stuck-lso within {SEED_BUDGET} seeds (logjam run --scenario {V1} --seeds 0..{SEED_BUDGET})")
    };
    let replay = format!("logjam run --scenario {V1} --seed {seed}");
    // The version 1 mechanism: the record holding the LSO was written after
    // its producer's transaction on that partition was aborted (the ABORT
    // marker is below it, with no marker above), and the coordinator's last
    // state for that producer id does not have the partition in an open
    // transaction: it will never send the marker that would close it.
    assert!(
        matches!(hang.marker_before, Some((_, false))),
        "{replay}: the write at {}/{} of producer {} follows {:?}, not an ABORT",
        hang.key,
        hang.offset,
        hang.producer_id,
        hang.marker_before
    );
    let tp = partition(&hang.key);
    assert!(
        hang.coordinator_last
            .as_ref()
            .is_some_and(|(state, parts)| state != "Ongoing" || !parts.contains(&tp)),
        "{replay}: the coordinator knows of the open transaction: {:?}",
        hang.coordinator_last
    );
}

/// Per (client host, broker host): the windows a delayed-request fault held
/// that link, from the run's fault records.
fn held_links(out: &RunOutput) -> Vec<(String, String, u64, u64)> {
    let mut open: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut windows = Vec::new();
    let link = |s: &str| {
        s.split_once('–')
            .map(|(c, n)| (c.to_string(), n.to_string()))
    };
    for f in &out.faults {
        let client = f.value.get("client").and_then(|v| v.as_str());
        let node = f.value.get("node").and_then(|v| v.as_str());
        match (f.f.as_str(), client, node) {
            ("delay-client", Some(c), Some(n)) => {
                open.insert((c.to_string(), n.to_string()), f.at_ms);
            }
            ("resume", Some(c), Some(n)) => {
                if let Some(from) = open.remove(&(c.to_string(), n.to_string())) {
                    windows.push((c.to_string(), n.to_string(), from, f.at_ms));
                }
            }
            ("resume", _, _) => {
                let released = f.value.get("released").and_then(|v| v.as_array());
                for l in released.into_iter().flatten().filter_map(|v| v.as_str()) {
                    if let Some(key) = link(l) {
                        if let Some(from) = open.remove(&key) {
                            windows.push((key.0, key.1, from, f.at_ms));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    windows
}

/// The dangerous state: an ABORT marker written on a broker while the
/// aborting producer's link to that broker was held (so a produce of the
/// aborted transaction could still be in flight on it).
fn aborted_behind_a_held_link(out: &RunOutput) -> bool {
    let mut id_of: BTreeMap<i64, String> = BTreeMap::new();
    for e in &out.events {
        if let ClusterEvent::TxnStateChanged {
            producer_id,
            transactional_id,
            ..
        } = &e.event
        {
            id_of.insert(*producer_id, transactional_id.clone());
        }
    }
    let held = held_links(out);
    out.events.iter().any(|e| match &e.event {
        ClusterEvent::TxnMarkerWritten {
            broker,
            producer_id,
            commit: false,
            ..
        } => id_of.get(producer_id).is_some_and(|id| {
            held.iter().any(|(client, node, from, to)| {
                id.contains(&format!("-{client}-"))
                    && *node == logjam_models::ids::broker_host(*broker)
                    && (*from..*to).contains(&e.at_ms)
            })
        }),
        _ => false,
    })
}

#[test]
fn version_2_on_the_same_schedules_never_hangs_a_transaction() {
    let (mut v1_hung, mut dangerous) = (0, 0);
    for seed in 0..TWIN_SEEDS {
        let legacy = go(V1, seed);
        let twin = go(V2, seed);
        let replay = format!("logjam run --scenario {V2} --seed {seed}");
        assert_eq!(
            legacy.schedule, twin.schedule,
            "{replay}: the twins run one fault schedule"
        );
        v1_hung += usize::from(hang_of(&legacy).is_some());
        dangerous += usize::from(aborted_behind_a_held_link(&twin));
        assert!(
            twin.final_reads_complete,
            "{replay}: final reads did not finish"
        );
        assert!(
            !twin.result.counts.contains_key(&AnomalyKind::StuckLso),
            "{replay}: {:?}",
            twin.result.anomalies.get(&AnomalyKind::StuckLso)
        );
        let broken: Vec<String> = twin
            .result
            .broken()
            .map(|p| format!("{} by {:?}", p.name, p.broken_by))
            .collect();
        assert!(broken.is_empty(), "{replay}: broke {broken:?}");
    }
    // The schedules are dangerous: version 1 hung on some of them, and
    // version 2 aborted transactions behind held links on some of its own.
    assert!(v1_hung > 0, "version 1 never hung in {TWIN_SEEDS} seeds");
    assert!(
        dangerous > 0,
        "version 2 never aborted a transaction behind a held link in {TWIN_SEEDS} seeds"
    );
}
