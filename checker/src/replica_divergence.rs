//! `replica-divergence`: two replicas of a partition whose committed prefixes
//! differ at the end of a run. Below both replicas' high watermarks every
//! record was committed, and Kafka's replication keeps committed records
//! identical on every replica that holds them (same offset, same record, same
//! leader epoch). A difference there is permanent divergence: whichever
//! replica leads next decides what readers see, so some committed record is
//! already lost, whether or not a read has shown it yet.
//!
//! Judged on the replica dump (`replicas`), never on the history.
use crate::anomaly::{Anomaly, AnomalyKind};
use crate::replicas::{ReplicaLog, ReplicaRecord};
use std::collections::BTreeMap;

/// One anomaly per partition and pair of replicas that diverge, at the first
/// offset where they do.
pub fn find(replicas: &[ReplicaLog]) -> Vec<Anomaly> {
    let mut by_partition: BTreeMap<&str, Vec<&ReplicaLog>> = BTreeMap::new();
    for r in replicas {
        by_partition.entry(&r.partition).or_default().push(r);
    }
    let mut found = Vec::new();
    for (partition, logs) in by_partition {
        for (i, a) in logs.iter().enumerate() {
            for b in &logs[i + 1..] {
                if let Some(anomaly) = first_divergence(partition, a, b) {
                    found.push(anomaly);
                }
            }
        }
    }
    found
}

fn first_divergence(partition: &str, a: &ReplicaLog, b: &ReplicaLog) -> Option<Anomaly> {
    let committed_end = a.high_watermark.min(b.high_watermark);
    let (in_a, in_b) = (
        committed_records(a, committed_end),
        committed_records(b, committed_end),
    );
    let offset = in_a
        .keys()
        .chain(in_b.keys())
        .copied()
        .filter(|o| in_a.get(o) != in_b.get(o))
        .min()?;
    let describe = |log: &ReplicaLog, held: Option<&&ReplicaRecord>| match held {
        Some(r) => format!(
            "broker {} holds {} (leader epoch {})",
            log.broker, r.value, r.leader_epoch
        ),
        None => format!("broker {} holds nothing", log.broker),
    };
    let values = [in_a.get(&offset), in_b.get(&offset)]
        .into_iter()
        .flatten()
        .map(|r| r.value.clone())
        .collect();
    Some(Anomaly {
        kind: AnomalyKind::ReplicaDivergence,
        key: partition.to_string(),
        values,
        offsets: vec![offset],
        ops: Vec::new(),
        process: None,
        explanation: format!(
            "at the end of the run, replicas of {partition} disagree at offset {offset}, below both high watermarks ({} and {}): {}, {}",
            a.high_watermark,
            b.high_watermark,
            describe(a, in_a.get(&offset)),
            describe(b, in_b.get(&offset)),
        ),
    })
}

/// A replica's records below `end`, by offset.
fn committed_records(log: &ReplicaLog, end: i64) -> BTreeMap<i64, &ReplicaRecord> {
    log.records
        .iter()
        .take_while(|r| r.offset < end)
        .map(|r| (r.offset, r))
        .collect()
}
