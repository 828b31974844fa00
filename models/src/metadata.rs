//! Cluster metadata as the controller publishes it: who leads each partition, at
//! which epoch, and which replicas are in sync.
use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    /// Bumped on every leader change.
    pub leader_epoch: i32,
    pub isr: Vec<BrokerId>,
    /// Eligible leader replicas (KIP-966, `kafka.version` 4.1): replicas that
    /// left the ISR while it was below `min.insync.replicas`, when the HW could
    /// not pass them, so they hold every committed record; one may lead
    /// cleanly once the ISR is empty. Always empty before 4.1.
    #[serde(default)]
    pub elr: Vec<BrokerId>,
    /// KIP-966's last known ELR: replicas that were in the ISR or ELR and left
    /// it (an unclean shutdown among them). Recorded, never elected here:
    /// electing from it is unclean recovery, which needs unclean election.
    #[serde(default)]
    pub last_known_elr: Vec<BrokerId>,
    /// Bumped on every change (leader or ISR): the compare-and-set token of AlterPartition.
    pub partition_epoch: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataImage {
    pub version: u64,
    pub live_brokers: BTreeSet<BrokerId>,
    pub partitions: BTreeMap<TopicPartition, PartitionState>,
}

impl MetadataImage {
    pub fn leader(&self, tp: &TopicPartition) -> Option<(BrokerId, i32)> {
        let p = self.partitions.get(tp)?;
        p.leader.map(|l| (l, p.leader_epoch))
    }
}
