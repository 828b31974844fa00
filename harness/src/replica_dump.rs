//! The end-of-run replica dump (`replicas.jsonl`, the checker's [`ReplicaLog`]):
//! every replica of every data partition as its broker's disk holds it once
//! the run is over, so the checker can judge `replica-divergence`. Taken
//! outside the simulation, after it: it changes nothing a run does.
use crate::workload::consumer::decode_value;
use crate::workload::key;
use logjam_checker::replicas::{ReplicaLog, ReplicaRecord};
use logjam_models::cluster::Cluster;

/// Each data partition's replicas, by broker then partition.
pub fn dump(cluster: &Cluster) -> Vec<ReplicaLog> {
    cluster
        .replica_snapshots()
        .into_iter()
        // Internal topics (`__consumer_offsets`) hold the coordinator's
        // records, not the workload's values.
        .filter(|r| !r.tp.topic.starts_with("__"))
        .map(|r| ReplicaLog {
            broker: r.broker,
            partition: key(&r.tp),
            high_watermark: r.checkpointed_high_watermark,
            log_end_offset: r.log_end_offset,
            records: r
                .records
                .into_iter()
                .map(|rec| ReplicaRecord {
                    offset: rec.offset,
                    value: decode_value(&rec.value),
                    producer_id: rec.producer_id,
                    leader_epoch: rec.leader_epoch,
                })
                .collect(),
        })
        .collect()
}
