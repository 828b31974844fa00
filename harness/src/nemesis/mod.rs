//! The nemesis: fires a fault schedule against the simulation, resolving role
//! targets when each fault fires, and remembers what it broke so it can heal.
pub mod consumer_faults;
pub mod fault;
pub mod generator;
pub mod schedule;

use crate::rng;
use crate::workload::group::GroupControls;
use crate::workload::Clients;
use fault::{Fault, ScheduledFault, Target};
use logjam_models::cluster::Cluster;
use logjam_models::ids::{broker_host, BrokerId, TopicPartition, CONTROLLER_HOST};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// What one fault did, for the history and `faults.jsonl`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaultRecord {
    pub at_ms: u64,
    pub f: String,
    pub fault: Fault,
    /// The resolved targets, or why it was skipped.
    pub value: Value,
}

pub struct Nemesis {
    schedule: Vec<ScheduledFault>,
    next: usize,
    rng: ChaCha8Rng,
    clients: Vec<String>,
    down: BTreeSet<BrokerId>,
    paused: BTreeSet<String>,
    pub records: Vec<FaultRecord>,
    /// The group workload's member controls (empty without a group).
    group_controls: GroupControls,
}

impl Nemesis {
    /// `schedule` must be sorted by time ([`fault::sort_by_time`]): the run
    /// sorts it once, where it enters, so run.json shows the order it fires in.
    /// `clients` are the workload's hosts: the nemesis cuts them off, and
    /// reaches group members through their controls.
    pub fn new(schedule: Vec<ScheduledFault>, seed: u64, clients: Clients) -> Self {
        debug_assert!(
            schedule.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
            "schedule sorted by time"
        );
        Self {
            schedule,
            next: 0,
            rng: rng::stream(seed, "nemesis-targets"),
            clients: clients.hosts,
            down: BTreeSet::new(),
            paused: BTreeSet::new(),
            records: Vec::new(),
            group_controls: clients.group_controls,
        }
    }

    /// Fire every fault due at `now_ms`; returns the records of those fired.
    pub fn fire_due(
        &mut self,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Vec<FaultRecord> {
        let mut fired = Vec::new();
        while self.next < self.schedule.len() && self.schedule[self.next].at_ms <= now_ms {
            let fault = self.schedule[self.next].fault.clone();
            self.next += 1;
            if fault == Fault::Heal {
                fired.extend(self.heal(now_ms, sim, cluster));
            } else {
                fired.push(self.apply(&fault, now_ms, sim, cluster));
            }
        }
        fired
    }

    /// `heal`: repair every link and release paused nodes. The release is
    /// recorded as the `resume` it is, so the history (and the report's
    /// timeline) sees each pause end.
    fn heal(
        &mut self,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Vec<FaultRecord> {
        let mut out = vec![self.apply(&Fault::Heal, now_ms, sim, cluster)];
        if !self.paused.is_empty() {
            out.push(self.apply(&Fault::Resume, now_ms, sim, cluster));
        }
        out
    }

    /// Heal the network, resume paused nodes and restart stopped brokers.
    pub fn heal_everything(
        &mut self,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Vec<FaultRecord> {
        let mut out = self.heal(now_ms, sim, cluster);
        if !self.down.is_empty() {
            out.push(self.apply(&Fault::Restart, now_ms, sim, cluster));
        }
        let (killed, stalled) = consumer_faults::needs_undo(&self.group_controls);
        if stalled {
            out.push(self.apply(&Fault::ResumeConsumers, now_ms, sim, cluster));
        }
        if killed {
            out.push(self.apply(&Fault::RestartConsumers, now_ms, sim, cluster));
        }
        out
    }

    fn servers(cluster: &Cluster) -> Vec<String> {
        let mut s: Vec<String> = cluster.broker_ids().map(broker_host).collect();
        s.push(CONTROLLER_HOST.to_string());
        s
    }

    fn resolve(&mut self, target: &Target, cluster: &Cluster) -> Option<String> {
        let broker = |b: BrokerId| Some(broker_host(b));
        match target {
            Target::Broker(b) => cluster.has_broker(*b).then(|| broker_host(*b)),
            Target::Controller => Some(CONTROLLER_HOST.to_string()),
            Target::CoordinatorOf(group) => {
                consumer_faults::coordinator_of(cluster, group).and_then(broker)
            }
            Target::LeaderOf(tp) => parse_tp(tp)
                .and_then(|tp| cluster.leader_of(&tp))
                .and_then(broker),
            Target::FollowerOf(tp) => {
                let tp = parse_tp(tp)?;
                let leader = cluster.leader_of(&tp);
                cluster
                    .replicas_of(&tp)
                    .into_iter()
                    .find(|&b| Some(b) != leader)
                    .and_then(broker)
            }
            Target::RandomBroker => {
                let live: Vec<BrokerId> = cluster
                    .broker_ids()
                    .filter(|b| !self.down.contains(b))
                    .collect();
                if live.is_empty() {
                    return None;
                }
                broker(live[self.rng.random_range(0..live.len())])
            }
        }
    }

    fn apply(
        &mut self,
        fault: &Fault,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> FaultRecord {
        let value = self
            .apply_inner(fault, sim, cluster)
            .unwrap_or_else(|why| json!({ "skipped": why }));
        let record = FaultRecord {
            at_ms: now_ms,
            f: fault.name().to_string(),
            fault: fault.clone(),
            value,
        };
        self.records.push(record.clone());
        record
    }

    fn apply_inner(
        &mut self,
        fault: &Fault,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Result<Value, String> {
        let servers = Self::servers(cluster);
        let unresolved = |t: &Target| format!("no node for {t:?}");
        match fault {
            Fault::PartitionRandomHalves => {
                let mut shuffled = servers.clone();
                shuffled.shuffle(&mut self.rng);
                let (a, b) = shuffled.split_at(shuffled.len() / 2);
                cut_between(sim, a, b);
                Ok(json!({ "halves": [a, b] }))
            }
            Fault::PartitionBridge => {
                let mut shuffled = servers.clone();
                shuffled.shuffle(&mut self.rng);
                let bridge = shuffled.remove(shuffled.len() / 2);
                let (a, b) = shuffled.split_at(shuffled.len() / 2);
                cut_between(sim, a, b);
                Ok(json!({ "halves": [a, b], "bridge": bridge }))
            }
            Fault::Isolate { target } => {
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let others: Vec<String> = servers.into_iter().filter(|s| *s != node).collect();
                cut_between(sim, std::slice::from_ref(&node), &others);
                Ok(json!({ "node": node }))
            }
            Fault::IsolateCompletely { target } => {
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let others: Vec<String> = servers
                    .into_iter()
                    .chain(self.clients.clone())
                    .filter(|s| *s != node)
                    .collect();
                cut_between(sim, std::slice::from_ref(&node), &others);
                Ok(json!({ "node": node }))
            }
            Fault::PartitionOneWay { from, to } => {
                let from = self
                    .resolve(from, cluster)
                    .ok_or_else(|| unresolved(from))?;
                let to = self.resolve(to, cluster).ok_or_else(|| unresolved(to))?;
                if from == to {
                    return Err("one-way partition from a node to itself".into());
                }
                sim.partition_oneway(from.as_str(), to.as_str());
                Ok(json!({ "from": from, "to": to }))
            }
            Fault::Cut { a, b } => {
                let a = self.resolve(a, cluster).ok_or_else(|| unresolved(a))?;
                let b = self.resolve(b, cluster).ok_or_else(|| unresolved(b))?;
                if a == b {
                    return Err("cut between a node and itself".into());
                }
                sim.partition(a.as_str(), b.as_str());
                Ok(json!({ "a": a, "b": b }))
            }
            Fault::PartitionClient { client, target } => {
                if !self.clients.contains(client) {
                    return Err(format!("no client host {client}"));
                }
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                sim.partition(client.as_str(), node.as_str());
                Ok(json!({ "client": client, "node": node }))
            }
            Fault::Heal => {
                let all: Vec<String> = servers.into_iter().chain(self.clients.clone()).collect();
                for (i, a) in all.iter().enumerate() {
                    for b in &all[i + 1..] {
                        sim.repair(a.as_str(), b.as_str());
                    }
                }
                Ok(json!({}))
            }
            Fault::Crash { target } | Fault::PowerLoss { target } => {
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let id = broker_id(&node).ok_or("only brokers can crash")?;
                if !self.down.insert(id) {
                    return Err(format!("broker {id} is already down"));
                }
                let power_loss = matches!(fault, Fault::PowerLoss { .. });
                if power_loss {
                    cluster.lose_power(sim, id);
                } else {
                    cluster.crash(sim, id);
                }
                Ok(json!({ "broker": id, "power_loss": power_loss }))
            }
            Fault::PowerLossAll => {
                let ids: Vec<BrokerId> = cluster
                    .broker_ids()
                    .filter(|b| !self.down.contains(b))
                    .collect();
                for &id in &ids {
                    self.down.insert(id);
                    cluster.lose_power(sim, id);
                }
                Ok(json!({ "brokers": ids, "power_loss": true }))
            }
            Fault::Restart => {
                let ids: Vec<BrokerId> = std::mem::take(&mut self.down).into_iter().collect();
                for &id in &ids {
                    cluster.restart(sim, id);
                }
                Ok(json!({ "brokers": ids }))
            }
            Fault::Pause { target } => {
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let others: Vec<String> = servers
                    .into_iter()
                    .chain(self.clients.clone())
                    .filter(|s| *s != node)
                    .collect();
                for o in &others {
                    sim.hold(node.as_str(), o.as_str());
                }
                self.paused.insert(node.clone());
                Ok(json!({ "node": node }))
            }
            Fault::KillConsumer { .. }
            | Fault::RestartConsumers
            | Fault::PauseConsumer { .. }
            | Fault::ResumeConsumers
            | Fault::ChurnConsumer { .. } => consumer_faults::apply(fault, &self.group_controls),
            Fault::Resume => {
                let all: Vec<String> = servers.into_iter().chain(self.clients.clone()).collect();
                let paused = std::mem::take(&mut self.paused);
                for node in &paused {
                    for o in all.iter().filter(|o| *o != node) {
                        sim.release(node.as_str(), o.as_str());
                    }
                }
                Ok(json!({ "nodes": paused }))
            }
        }
    }
}

fn cut_between(sim: &mut turmoil::Sim<'_>, a: &[String], b: &[String]) {
    for x in a {
        for y in b {
            sim.partition(x.as_str(), y.as_str());
        }
    }
}

fn broker_id(host: &str) -> Option<BrokerId> {
    host.strip_prefix("broker-")?.parse().ok()
}

/// "orders/3" → the partition.
pub fn parse_tp(s: &str) -> Option<TopicPartition> {
    let (topic, p) = s.rsplit_once('/')?;
    Some(TopicPartition::new(topic, p.parse().ok()?))
}
