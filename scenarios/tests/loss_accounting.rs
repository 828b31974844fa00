//! The loss verdict, checked against an independent count: logjam's final reads
//! are the whole log (HISTORY.md), so every acknowledged value absent from the
//! final reads of its key must be reported, as `lost-write` or `unseen`, and
//! nothing else may be. Run over scenarios whose logs lose their tail
//! (unclean election, power loss, last replica standing, KIP-101's truncation)
//! and one where loss comes from acks=1.
use logjam_checker::history::{History, MicroOp, OpType, OpValue, Val};
use logjam_checker::AnomalyKind;
use logjam_harness::run::run;
use logjam_scenarios::catalogue;
use std::collections::{BTreeMap, BTreeSet};

type KeyValue = (String, Val);

/// Every acknowledged (key, value), and those of them whose key the final
/// reads covered and whose value they did not return.
fn acked_and_vanished(history: &History) -> (BTreeSet<KeyValue>, BTreeSet<KeyValue>) {
    let mut acked = BTreeSet::new();
    let mut final_values: BTreeMap<&str, BTreeSet<&Val>> = BTreeMap::new();
    for op in &history.ops {
        let OpValue::Micro(micro) = &op.value else {
            continue;
        };
        for m in micro {
            match m {
                MicroOp::Send { key, value, .. } if op.op_type == OpType::Ok && op.f == "send" => {
                    acked.insert((key.to_string(), value.clone()));
                }
                MicroOp::Poll { reads: Some(reads) }
                    if op.final_read && op.op_type == OpType::Ok =>
                {
                    for (key, records) in reads {
                        final_values
                            .entry(key)
                            .or_default()
                            .extend(records.iter().map(|(_, v)| v));
                    }
                }
                _ => {}
            }
        }
    }
    let vanished = acked
        .iter()
        .filter(|(k, v)| {
            final_values
                .get(k.as_str())
                .is_some_and(|seen| !seen.contains(v))
        })
        .cloned()
        .collect();
    (acked, vanished)
}

#[test]
fn every_acknowledged_value_missing_from_the_final_reads_is_reported_lost() {
    let mut total_vanished = 0;
    for name in [
        "unclean-election",
        "power-loss-all",
        "last-replica-standing",
        "kip101-legacy-truncation",
        "acks1-leader-crash",
    ] {
        let scenario = catalogue::scenario(name)
            .expect("in the catalogue")
            .expect("loads");
        for seed in 0..3 {
            let out = run(&scenario, seed, None).expect("run");
            assert!(
                out.final_reads_complete,
                "{name} seed {seed}: final reads did not finish"
            );
            let (acked, expected) = acked_and_vanished(&out.history);
            let reported: BTreeSet<KeyValue> = [AnomalyKind::LostWrite, AnomalyKind::Unseen]
                .iter()
                .flat_map(|k| out.result.anomalies.get(k).into_iter().flatten())
                .map(|a| (a.key.clone(), a.values[0].clone()))
                .collect();
            // Acknowledged values reported lost must really be gone (unknown
            // sends a read proved may be reported too: they are not in `acked`).
            let false_alarms: Vec<_> = reported
                .iter()
                .filter(|kv| acked.contains(*kv) && !expected.contains(*kv))
                .take(5)
                .collect();
            assert!(
                false_alarms.is_empty(),
                "{name} seed {seed}: reported lost but present in the final reads: {false_alarms:?}"
            );
            let missed: Vec<_> = expected.difference(&reported).take(5).collect();
            assert!(
                missed.is_empty(),
                "{name} seed {seed}: {} acknowledged values vanished from the final reads, {} not reported, e.g. {missed:?}",
                expected.len(),
                expected.difference(&reported).count()
            );
            total_vanished += expected.len();
        }
    }
    assert!(
        total_vanished > 0,
        "no run lost anything: the test exercised nothing"
    );
}
