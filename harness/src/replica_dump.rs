//! The end-of-run replica dump (`replicas.jsonl`, the checker's [`ReplicaLog`]):
//! every replica of every data partition as its broker's disk holds it, so the
//! checker can judge `replica-divergence`. Read from the disks the cluster
//! owns, after the run, outside the simulation: it changes nothing a run does.
use crate::workload::consumer::decode_value;
use crate::workload::key;
use logjam_checker::replicas::{ReplicaLog, ReplicaRecord};
use logjam_models::cluster::Cluster;

/// Each replica's log, by broker then partition (both in order).
pub fn dump(cluster: &Cluster) -> Vec<ReplicaLog> {
    let mut replicas = Vec::new();
    for (&broker, disk) in &cluster.disks {
        let disk = disk.borrow();
        for (tp, log) in &disk.logs {
            // Internal topics (`__consumer_offsets`) hold the coordinator's
            // records, not the workload's values.
            if tp.topic.starts_with("__") {
                continue;
            }
            let records = log
                .batches()
                .iter()
                .filter(|b| b.control.is_none())
                .flat_map(|b| {
                    b.records.iter().enumerate().map(move |(i, r)| ReplicaRecord {
                        offset: b.base_offset + i as i64,
                        value: decode_value(&r.value),
                        producer_id: b.producer_id,
                        leader_epoch: b.leader_epoch,
                    })
                })
                .collect();
            replicas.push(ReplicaLog {
                broker,
                partition: key(tp),
                high_watermark: disk.hw_checkpoint.get(tp).copied().unwrap_or(0),
                log_end_offset: log.log_end_offset(),
                records,
            });
        }
    }
    replicas
}
