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
