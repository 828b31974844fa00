//! The replica dump (`replicas.jsonl`): each replica's log at the end of a run,
//! one JSON line per replica. It is the cluster's account, not the clients':
//! it stays out of the history, and the checker reads it only for
//! `replica-divergence`, so permanent divergence shows without waiting for a
//! later failover to reveal it. A system that cannot dump its replicas simply
//! has no such file.
//!
//! ```text
//! {"broker":1,"partition":"orders/0","high_watermark":3,"log_end_offset":4,"records":[{"offset":0,"value":17,"producer_id":3,"leader_epoch":0}, ...]}
//! ```
use crate::history::Val;
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, Write};

/// One replica of one partition, as its broker's disk holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaLog {
    pub broker: u32,
    /// The partition, named as history keys name it (`orders/0`).
    pub partition: String,
    /// The replica's own high watermark as last checkpointed: every record
    /// below it was committed (Kafka: a replica's HW never passes the leader's).
    pub high_watermark: i64,
    pub log_end_offset: i64,
    /// Data records in offset order (control batches left out).
    pub records: Vec<ReplicaRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaRecord {
    pub offset: i64,
    pub value: Val,
    /// -1 for a producer without idempotence.
    pub producer_id: i64,
    /// The epoch of the leader that appended it.
    pub leader_epoch: i32,
}

/// Write the dump, one line per replica.
pub fn write_replicas(replicas: &[ReplicaLog], out: &mut impl Write) -> io::Result<()> {
    for r in replicas {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Read a dump; an error names the line and what was wrong with it.
pub fn read_replicas(input: impl BufRead) -> Result<Vec<ReplicaLog>, String> {
    let mut replicas = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let replica = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", i + 1))?;
        replicas.push(replica);
    }
    Ok(replicas)
}
