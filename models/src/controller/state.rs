//! The controller's state machine: broker registrations and liveness, partition
//! leadership and ISR. Every change bumps the metadata version that brokers and
//! clients poll.
use super::election::{elect, eligible_after, ElectionOutcome};
use crate::config::ClusterConfig;
use crate::error_code::ErrorCode;
use crate::events::{BrokerOffset, ClusterEvent, ElectionReason, EventLog, FenceReason, IsrCause};
use crate::ids::{now_ms, BrokerId, TopicPartition};
use crate::metadata::{MetadataImage, PartitionState};
use crate::storage::SharedDisk;
use std::collections::{BTreeMap, BTreeSet};

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
    /// `kafka.version` 4.1: eligible leader replicas and unclean-shutdown
    /// handling (KIP-966). Off, the ISR never empties and no ELR is kept.
    elr_enabled: bool,
    /// Each topic's effective `min.insync.replicas`: below it, replicas
    /// leaving the ISR become eligible leader replicas.
    min_isr_by_topic: BTreeMap<String, u32>,
    brokers: BTreeMap<BrokerId, Registration>,
    image: MetadataImage,
    /// Unclean elections performed, by partition (for tests and reports).
    pub unclean_elections: u64,
    /// Where elections, fencing and ISR changes are recorded.
    events: EventLog,
    /// The brokers' disks, read only to say in an unclean election's event
    /// what the new leader lacked: the observer's knowledge, which a real
    /// controller does not have and no decision here uses.
    disks: BTreeMap<BrokerId, SharedDisk>,
}

impl ControllerState {
    /// Topics are created at start: replicas assigned round-robin, the first
    /// replica leads at epoch 0 and every replica is in sync (the logs are empty).
    pub fn new(
        config: &ClusterConfig,
        events: EventLog,
        disks: BTreeMap<BrokerId, SharedDisk>,
    ) -> Self {
        let n = config.brokers;
        let mut partitions = BTreeMap::new();
        let mut unclean_by_topic = BTreeMap::new();
        let mut min_isr_by_topic = BTreeMap::new();
        for topic in &config.topics {
            let eff = topic.effective(&config.broker);
            unclean_by_topic.insert(topic.name.clone(), eff.unclean_leader_election_enable);
            min_isr_by_topic.insert(topic.name.clone(), eff.min_insync_replicas);
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
                        elr: Vec::new(),
                        last_known_elr: Vec::new(),
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
            elr_enabled: config.kafka_version.eligible_leader_replicas(),
            min_isr_by_topic,
            brokers,
            image,
            unclean_elections: 0,
            events,
            disks,
        };
        state.assert_partition_rules(&BTreeMap::new());
        state
    }

    /// The rules every partition's state keeps, checked after each change
    /// against the partitions as they were before it (`before`; a partition
    /// missing there is new). A model bug must crash where it happens.
    fn assert_partition_rules(&self, before: &BTreeMap<TopicPartition, PartitionState>) {
        for (tp, p) in &self.image.partitions {
            // KIP-966: the ELR lies within the replicas, apart from the ISR,
            // and exists only while the ISR is below min.insync.replicas; the
            // ISR may empty only with ELR on, and then nobody leads.
            assert!(
                p.elr
                    .iter()
                    .all(|b| p.replicas.contains(b) && !p.isr.contains(b)),
                "{tp}: the ELR {:?} must be replicas {:?} outside the ISR {:?}",
                p.elr,
                p.replicas,
                p.isr
            );
            if self.elr_enabled {
                assert!(
                    p.elr.is_empty() || (p.isr.len() as u32) < self.min_isr(tp),
                    "{tp}: an ELR {:?} beside an ISR {:?} at min.insync.replicas",
                    p.elr,
                    p.isr
                );
            } else {
                assert!(
                    p.elr.is_empty() && p.last_known_elr.is_empty() && !p.isr.is_empty(),
                    "{tp}: before 4.1 there is no ELR ({:?}) and the ISR ({:?}) never empties",
                    p.elr,
                    p.isr
                );
            }
            assert!(
                !p.isr.is_empty() || p.leader.is_none(),
                "{tp}: a leader with an empty ISR"
            );
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
                (p.leader == old.leader
                    && p.isr == old.isr
                    && p.elr == old.elr
                    && p.last_known_elr == old.last_known_elr)
                    || p.partition_epoch > old.partition_epoch,
                "{tp}: leader, ISR or ELR changed without a new partition epoch"
            );
        }
    }

    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    fn min_isr(&self, tp: &TopicPartition) -> u32 {
        self.min_isr_by_topic.get(&tp.topic).copied().unwrap_or(1)
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
            // logjam's brokers never shut down cleanly (a crash or a power
            // loss), so with KIP-966 every re-registration is an unclean
            // shutdown (BrokerRegistrationRequest's previousBrokerEpoch does
            // not match): ReplicationControlManager.handleBrokerUncleanShutdown.
            let reason = if self.elr_enabled {
                FenceReason::UncleanShutdown
            } else {
                FenceReason::Restarted
            };
            self.fence(broker, reason);
        }
        let reg = self.brokers.get_mut(&broker).expect("checked above");
        reg.incarnation = incarnation;
        reg.last_heartbeat_ms = now_ms;
        if reg.fenced {
            reg.fenced = false;
            let before = self.image.partitions.clone();
            self.image.live_brokers.insert(broker);
            self.events.record(
                now_ms,
                ClusterEvent::BrokerUnfenced {
                    broker,
                    incarnation,
                },
            );
            self.elect_leaderless(ElectionReason::BrokerUnfenced, &BTreeSet::new());
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
            self.fence(b, FenceReason::SessionExpired);
        }
    }

    fn fence(&mut self, broker: BrokerId, reason: FenceReason) {
        let at_ms = now_ms();
        let before = self.image.partitions.clone();
        let reg = self.brokers.get_mut(&broker).expect("known broker");
        reg.fenced = true;
        self.image.live_brokers.remove(&broker);
        self.events
            .record(at_ms, ClusterEvent::BrokerFenced { broker, reason });
        let unclean_shutdown = (reason == FenceReason::UncleanShutdown).then_some(broker);
        let mut orphaned = BTreeSet::new();
        for tp in before.keys() {
            let min_isr = self.min_isr(tp);
            let p = self.image.partitions.get_mut(tp).expect("same keys");
            let old = p.clone();
            let mut changed = false;
            // KRaft before KIP-966 keeps the last ISR member even when fenced:
            // it is the only replica known to hold every committed record.
            // With ELR the ISR may empty: the ELR remembers who holds them.
            if p.isr.contains(&broker) && (p.isr.len() > 1 || self.elr_enabled) {
                p.isr.retain(|&b| b != broker);
                changed = true;
                self.events.record(
                    at_ms,
                    ClusterEvent::IsrCommitted {
                        tp: tp.clone(),
                        leader: p.leader.filter(|&l| l != broker),
                        old_isr: old.isr.clone(),
                        new_isr: p.isr.clone(),
                        partition_epoch: p.partition_epoch + 1,
                        cause: IsrCause::BrokerFenced,
                    },
                );
            }
            if self.elr_enabled && (old.isr.contains(&broker) || old.elr.contains(&broker)) {
                let (elr, last_known_elr) = eligible_after(&old, &p.isr, min_isr, unclean_shutdown);
                changed |= elr != p.elr || last_known_elr != p.last_known_elr;
                p.elr = elr;
                p.last_known_elr = last_known_elr;
            }
            if p.leader == Some(broker) {
                p.leader = None;
                p.leader_epoch += 1;
                changed = true;
                orphaned.insert(tp.clone());
            }
            if changed {
                p.partition_epoch += 1;
                record_elr_change(&self.events, at_ms, tp, &old, p, IsrCause::BrokerFenced);
            }
        }
        self.elect_leaderless(ElectionReason::LeaderFenced, &orphaned);
        self.image.version += 1;
        self.assert_partition_rules(&before);
    }

    /// Elect a leader wherever there is none. `orphaned`: the partitions that
    /// just lost theirs, which are reported offline if nobody may lead (the
    /// others were offline already).
    fn elect_leaderless(&mut self, reason: ElectionReason, orphaned: &BTreeSet<TopicPartition>) {
        let at_ms = now_ms();
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
            let old = p.clone();
            let isr_before = p.isr.clone();
            let outcome = elect(p, live, unclean);
            match outcome {
                ElectionOutcome::Clean(b) => p.leader = Some(b),
                // PartitionChangeBuilder.tryElection: an ELR leader becomes
                // the ISR and leaves the ELR; the ISR stays below min ISR, so
                // the other ELR members stay eligible.
                ElectionOutcome::Eligible(b) => {
                    p.leader = Some(b);
                    p.isr = vec![b];
                    p.elr.retain(|&e| e != b);
                    // With min.insync.replicas=1 the new ISR is at min ISR:
                    // no ELR there (Kafka clears it at the next change).
                    let min_isr = self.min_isr_by_topic.get(&tp.topic).copied().unwrap_or(1);
                    if min_isr <= 1 {
                        p.elr.clear();
                        p.last_known_elr.clear();
                    }
                }
                // An unclean election clears the ELR fields
                // (maybeUpdateRecordElr): nobody is known to be complete.
                ElectionOutcome::Unclean(b) => {
                    p.leader = Some(b);
                    p.isr = vec![b];
                    p.elr.clear();
                    p.last_known_elr.clear();
                    self.unclean_elections += 1;
                }
                ElectionOutcome::Offline => {
                    if orphaned.contains(tp) {
                        self.events.record(
                            at_ms,
                            ClusterEvent::PartitionOffline {
                                tp: tp.clone(),
                                leader_epoch: p.leader_epoch,
                                isr: p.isr.clone(),
                                elr: p.elr.clone(),
                            },
                        );
                    }
                    continue;
                }
            }
            p.leader_epoch += 1;
            p.partition_epoch += 1;
            let leader = p.leader.expect("just elected");
            let is_unclean = matches!(outcome, ElectionOutcome::Unclean(_));
            let from_elr = matches!(outcome, ElectionOutcome::Eligible(_));
            let log_end = |b: BrokerId| {
                self.disks
                    .get(&b)
                    .and_then(|d| d.borrow().log(tp).map(|l| l.log_end_offset()))
                    .unwrap_or(0)
            };
            self.events.record(
                at_ms,
                ClusterEvent::Election {
                    tp: tp.clone(),
                    leader,
                    leader_epoch: p.leader_epoch,
                    unclean: is_unclean,
                    from_elr,
                    elr_before: old.elr.clone(),
                    reason,
                    isr: p.isr.clone(),
                    leader_log_end_offset: is_unclean.then(|| log_end(leader)),
                    isr_before_log_end_offsets: if is_unclean {
                        isr_before
                            .iter()
                            .map(|&b| BrokerOffset {
                                broker: b,
                                log_end_offset: log_end(b),
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                    isr_before,
                },
            );
            record_elr_change(&self.events, at_ms, tp, &old, p, IsrCause::Election);
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
        let result = self.try_alter_partition(
            broker,
            incarnation,
            tp,
            leader_epoch,
            partition_epoch,
            new_isr,
        );
        if let Err(code) = &result {
            self.events.record(
                now_ms(),
                ClusterEvent::IsrRejected {
                    broker,
                    tp: tp.clone(),
                    proposed_isr: new_isr.to_vec(),
                    error: format!("{code:?}"),
                },
            );
        }
        result
    }

    fn try_alter_partition(
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
        let min_isr = self.min_isr(tp);
        let elr_enabled = self.elr_enabled;
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
        if elr_enabled {
            (p.elr, p.last_known_elr) = eligible_after(&old, &isr, min_isr, None);
        }
        p.isr = isr;
        p.partition_epoch += 1;
        let new = p.clone();
        self.events.record(
            now_ms(),
            ClusterEvent::IsrCommitted {
                tp: tp.clone(),
                leader: new.leader,
                old_isr: old.isr.clone(),
                new_isr: new.isr.clone(),
                partition_epoch: new.partition_epoch,
                cause: IsrCause::AlterPartition,
            },
        );
        record_elr_change(
            &self.events,
            now_ms(),
            tp,
            &old,
            &new,
            IsrCause::AlterPartition,
        );
        self.image.version += 1;
        self.assert_partition_rules(&BTreeMap::from([(tp.clone(), old)]));
        Ok(new)
    }
}

/// Record a change of the ELR or last known ELR (KIP-966), if there was one.
fn record_elr_change(
    events: &EventLog,
    at_ms: u64,
    tp: &TopicPartition,
    old: &PartitionState,
    new: &PartitionState,
    cause: IsrCause,
) {
    if old.elr == new.elr && old.last_known_elr == new.last_known_elr {
        return;
    }
    events.record(
        at_ms,
        ClusterEvent::ElrChanged {
            tp: tp.clone(),
            isr: new.isr.clone(),
            old_elr: old.elr.clone(),
            elr: new.elr.clone(),
            last_known_elr: new.last_known_elr.clone(),
            partition_epoch: new.partition_epoch,
            cause,
        },
    );
}
