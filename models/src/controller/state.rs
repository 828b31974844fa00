//! The controller's state machine: broker registrations and liveness, partition
//! leadership and ISR. Every change bumps the metadata version that brokers and
//! clients poll.
use super::election::{elect, ElectionOutcome};
use crate::config::ClusterConfig;
use crate::error_code::ErrorCode;
use crate::ids::{BrokerId, TopicPartition};
use crate::metadata::{MetadataImage, PartitionState};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
struct Registration {
    incarnation: u64,
    last_heartbeat_ms: u64,
    fenced: bool,
}

#[derive(Debug)]
pub struct ControllerState {
    session_timeout_ms: u64,
    /// Fence a broker's old incarnation when it re-registers (KRaft's broker
    /// epochs, KIP-841/903): it leaves every ISR and leadership. Off with
    /// `logjam.legacy.restart.keeps.isr`: a ZooKeeper-era broker that restarted
    /// within its session simply stayed in the ISR (KIP-101 scenario 1).
    fence_on_restart: bool,
    unclean_by_topic: BTreeMap<String, bool>,
    brokers: BTreeMap<BrokerId, Registration>,
    image: MetadataImage,
    /// Unclean elections performed, by partition (for tests and reports).
    pub unclean_elections: u64,
}

impl ControllerState {
    /// Topics are created at start: replicas assigned round-robin, the first
    /// replica leads at epoch 0 and every replica is in sync (the logs are empty).
    pub fn new(config: &ClusterConfig) -> Self {
        let n = config.brokers;
        let mut partitions = BTreeMap::new();
        let mut unclean_by_topic = BTreeMap::new();
        for topic in &config.topics {
            let eff = topic.effective(&config.broker);
            unclean_by_topic.insert(topic.name.clone(), eff.unclean_leader_election_enable);
            for p in 0..topic.partitions {
                let replicas: Vec<BrokerId> = (0..topic.replication_factor)
                    .map(|i| (p + i) % n + 1)
                    .collect();
                partitions.insert(
                    TopicPartition::new(topic.name.clone(), p),
                    PartitionState {
                        leader: Some(replicas[0]),
                        leader_epoch: 0,
                        isr: replicas.clone(),
                        replicas,
                        partition_epoch: 0,
                    },
                );
            }
        }
        let brokers = (1..=n)
            .map(|b| {
                (
                    b,
                    Registration {
                        incarnation: 0,
                        last_heartbeat_ms: 0,
                        fenced: false,
                    },
                )
            })
            .collect();
        let image = MetadataImage {
            version: 1,
            live_brokers: (1..=n).collect(),
            partitions,
        };
        let state = Self {
            session_timeout_ms: config.broker.broker_session_timeout_ms,
            fence_on_restart: !config.broker.legacy_restart_keeps_isr,
            unclean_by_topic,
            brokers,
            image,
            unclean_elections: 0,
        };
        state.assert_partition_rules(&BTreeMap::new());
        state
    }

    /// The rules every partition's state keeps, checked after each change
    /// against the partitions as they were before it (`before`; a partition
    /// missing there is new). A model bug must crash where it happens.
    fn assert_partition_rules(&self, before: &BTreeMap<TopicPartition, PartitionState>) {
        for (tp, p) in &self.image.partitions {
            assert!(
                p.isr.iter().all(|b| p.replicas.contains(b)),
                "{tp}: the ISR {:?} must be a subset of the replicas {:?}",
                p.isr,
                p.replicas
            );
            if let Some(leader) = p.leader {
                assert!(
                    p.replicas.contains(&leader),
                    "{tp}: the leader {leader} must be a replica ({:?})",
                    p.replicas
                );
                // Clean elections pick from the ISR, AlterPartition keeps the
                // leader in it, fencing removes a leader from the ISR only with
                // its leadership; an unclean election makes the new leader the
                // whole ISR (as Kafka's PartitionChangeBuilder does). So the
                // leader is in the ISR even after an unclean election.
                assert!(
                    p.isr.contains(&leader),
                    "{tp}: the leader {leader} must be in the ISR {:?}",
                    p.isr
                );
            }
            let Some(old) = before.get(tp) else {
                continue;
            };
            // Leader epochs (KIP-101/279) and partition epochs (the
            // AlterPartition compare-and-set token, KIP-497/631) never go back;
            // every leader change bumps the leader epoch, and every change
            // bumps the partition epoch.
            assert!(
                p.leader_epoch >= old.leader_epoch,
                "{tp}: the leader epoch went back from {} to {}",
                old.leader_epoch,
                p.leader_epoch
            );
            assert!(
                p.partition_epoch >= old.partition_epoch,
                "{tp}: the partition epoch went back from {} to {}",
                old.partition_epoch,
                p.partition_epoch
            );
            assert!(
                p.leader == old.leader || p.leader_epoch > old.leader_epoch,
                "{tp}: the leader changed from {:?} to {:?} without a new leader epoch",
                old.leader,
                p.leader
            );
            assert!(
                (p.leader == old.leader && p.isr == old.isr)
                    || p.partition_epoch > old.partition_epoch,
                "{tp}: leader or ISR changed without a new partition epoch"
            );
        }
    }

    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    /// A heartbeat. A new incarnation means the broker restarted: its old
    /// incarnation is fenced first (it leaves every ISR it can leave and every
    /// leadership), so a replica that may have lost data re-syncs before rejoining.
    pub fn heartbeat(&mut self, broker: BrokerId, incarnation: u64, now_ms: u64) {
        let Some(reg) = self.brokers.get(&broker).cloned() else {
            return;
        };
        if incarnation < reg.incarnation {
            return; // a message from a dead process
        }
        if incarnation > reg.incarnation && reg.incarnation != 0 && self.fence_on_restart {
            self.fence(broker);
        }
        let reg = self.brokers.get_mut(&broker).expect("checked above");
        reg.incarnation = incarnation;
        reg.last_heartbeat_ms = now_ms;
        if reg.fenced {
            reg.fenced = false;
            let before = self.image.partitions.clone();
            self.image.live_brokers.insert(broker);
            self.elect_leaderless();
            self.image.version += 1;
            self.assert_partition_rules(&before);
        }
    }

    /// Fence brokers whose session expired.
    pub fn expire_sessions(&mut self, now_ms: u64) {
        let expired: Vec<BrokerId> = self
            .brokers
            .iter()
            .filter(|(_, r)| {
                !r.fenced && now_ms.saturating_sub(r.last_heartbeat_ms) > self.session_timeout_ms
            })
            .map(|(&b, _)| b)
            .collect();
        for b in expired {
            self.fence(b);
        }
    }

    fn fence(&mut self, broker: BrokerId) {
        let before = self.image.partitions.clone();
        let reg = self.brokers.get_mut(&broker).expect("known broker");
        reg.fenced = true;
        self.image.live_brokers.remove(&broker);
        for p in self.image.partitions.values_mut() {
            let mut changed = false;
            // KRaft keeps the last ISR member even when fenced: it is the only
            // replica known to hold every committed record.
            if p.isr.len() > 1 && p.isr.contains(&broker) {
                p.isr.retain(|&b| b != broker);
                changed = true;
            }
            if p.leader == Some(broker) {
                p.leader = None;
                p.leader_epoch += 1;
                changed = true;
            }
            if changed {
                p.partition_epoch += 1;
            }
        }
        self.elect_leaderless();
        self.image.version += 1;
        self.assert_partition_rules(&before);
    }

    fn elect_leaderless(&mut self) {
        let live = &self.image.live_brokers;
        for (tp, p) in self
            .image
            .partitions
            .iter_mut()
            .filter(|(_, p)| p.leader.is_none())
        {
            let unclean = self
                .unclean_by_topic
                .get(&tp.topic)
                .copied()
                .unwrap_or(false);
            match elect(p, live, unclean) {
                ElectionOutcome::Clean(b) => p.leader = Some(b),
                ElectionOutcome::Unclean(b) => {
                    p.leader = Some(b);
                    p.isr = vec![b];
                    self.unclean_elections += 1;
                }
                ElectionOutcome::Offline => continue,
            }
            p.leader_epoch += 1;
            p.partition_epoch += 1;
        }
    }

    /// AlterPartition from a leader: compare-and-set on the partition epoch.
    pub fn alter_partition(
        &mut self,
        broker: BrokerId,
        incarnation: u64,
        tp: &TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: &[BrokerId],
    ) -> Result<PartitionState, ErrorCode> {
        match self.brokers.get(&broker) {
            Some(r) if r.incarnation == incarnation && !r.fenced => {}
            _ => return Err(ErrorCode::StaleBrokerEpoch),
        }
        let live = self.image.live_brokers.clone();
        let p = self
            .image
            .partitions
            .get_mut(tp)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if p.leader != Some(broker) || p.leader_epoch != leader_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if p.partition_epoch != partition_epoch {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        // Only live brokers may join (KIP-841); the leader always stays.
        let isr: Vec<BrokerId> = p
            .replicas
            .iter()
            .copied()
            .filter(|b| new_isr.contains(b) && (p.isr.contains(b) || live.contains(b)))
            .collect();
        if !isr.contains(&broker) {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        if isr == p.isr {
            return Ok(p.clone());
        }
        let old = p.clone();
        p.isr = isr;
        p.partition_epoch += 1;
        let new = p.clone();
        self.image.version += 1;
        self.assert_partition_rules(&BTreeMap::from([(tp.clone(), old)]));
        Ok(new)
    }
}
