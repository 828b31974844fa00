//! The nemesis: fires a fault schedule against the simulation, resolving role
//! targets when each fault fires, and remembers what it broke so it can heal.
//! A fault with a `hold_ms` is undone on its own when it runs out: the links
//! it cut (kept cut while another fault still cuts them), the broker it
//! stopped, the node or member it paused.
pub mod consumer_faults;
pub mod fault;
pub mod generator;
pub mod schedule;
pub mod targets;

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
use std::collections::{BTreeMap, BTreeSet};

/// What one fault did, for the history and `faults.jsonl`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FaultRecord {
    pub at_ms: u64,
    pub f: String,
    pub fault: Fault,
    /// The resolved targets, or why it was skipped.
    pub value: Value,
}

/// What a held fault did, to undo exactly that when it runs out.
#[derive(Clone, Debug, PartialEq)]
enum Undo {
    /// Directed links (from, to) it cut.
    Links(Vec<(String, String)>),
    /// A node it paused.
    Unpause(String),
    /// A client–broker link it held (delayed requests).
    Release(String, String),
    /// Brokers it stopped.
    Restart(Vec<BrokerId>),
    /// A group member it killed.
    RestartConsumer(String),
    /// A group member it stalled.
    ResumeConsumer(String),
}

/// An undo due at `at_ms`; `seq` keeps undos due together in firing order.
#[derive(Clone, Debug)]
struct PendingUndo {
    at_ms: u64,
    seq: u64,
    undo: Undo,
}

pub struct Nemesis {
    schedule: Vec<ScheduledFault>,
    next: usize,
    rng: ChaCha8Rng,
    clients: Vec<String>,
    down: BTreeSet<BrokerId>,
    paused: BTreeSet<String>,
    /// How many faults cut each directed link (from, to) now; a link is
    /// repaired when the last of them is undone. `heal` clears it.
    cuts: BTreeMap<(String, String), u32>,
    /// How many held faults pause each node; `resume` clears it.
    holds: BTreeMap<String, u32>,
    /// Client–broker links held by delayed-request faults; `resume`
    /// releases them.
    delayed: BTreeSet<(String, String)>,
    /// Undos of held faults, by time then firing order.
    pending: Vec<PendingUndo>,
    undo_seq: u64,
    pub records: Vec<FaultRecord>,
    /// Schedule entries that fired so far, and of those the ones skipped
    /// because their role had no holder then (a lagging follower while all
    /// are in sync): the run reports them as faults that did not fire.
    pub fired: u64,
    pub skipped: u64,
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
            cuts: BTreeMap::new(),
            holds: BTreeMap::new(),
            delayed: BTreeSet::new(),
            pending: Vec::new(),
            undo_seq: 0,
            records: Vec::new(),
            fired: 0,
            skipped: 0,
            group_controls: clients.group_controls,
        }
    }

    /// Fire every fault due at `now_ms`, and every undo of a held fault that
    /// ran out (an undo first when both are due at the same time); returns
    /// the records of those fired.
    pub fn fire_due(
        &mut self,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Vec<FaultRecord> {
        let mut fired = Vec::new();
        loop {
            let scheduled = self
                .schedule
                .get(self.next)
                .map(|f| f.at_ms)
                .filter(|&t| t <= now_ms);
            let undo = self
                .pending
                .first()
                .map(|p| p.at_ms)
                .filter(|&t| t <= now_ms);
            match (scheduled, undo) {
                (_, Some(u)) if scheduled.is_none_or(|s| u <= s) => {
                    let p = self.pending.remove(0);
                    fired.push(self.undo(p.undo, now_ms, sim, cluster));
                }
                (Some(_), _) => {
                    let entry = self.schedule[self.next].clone();
                    self.next += 1;
                    self.fired += 1;
                    if entry.fault == Fault::Heal {
                        fired.extend(self.heal(now_ms, sim, cluster));
                    } else {
                        let record =
                            self.apply_held(&entry.fault, entry.hold_ms, now_ms, sim, cluster);
                        self.skipped += u64::from(record.value.get("skipped").is_some());
                        fired.push(record);
                    }
                }
                _ => break,
            }
        }
        fired
    }

    /// Faults holding now that will be undone on their own (for tests).
    pub fn holding(&self) -> usize {
        self.pending.len()
    }

    fn apply_held(
        &mut self,
        fault: &Fault,
        hold_ms: Option<u64>,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> FaultRecord {
        let (value, undo) = match self.apply_inner(fault, hold_ms.is_some(), sim, cluster) {
            Ok((value, undo)) => (value, undo),
            Err(why) => (json!({ "skipped": why }), None),
        };
        if let (Some(hold), Some(undo)) = (hold_ms, undo) {
            let at_ms = now_ms.saturating_add(hold);
            let seq = self.undo_seq;
            self.undo_seq += 1;
            let i = self
                .pending
                .partition_point(|p| (p.at_ms, p.seq) <= (at_ms, seq));
            self.pending.insert(i, PendingUndo { at_ms, seq, undo });
        }
        self.record(now_ms, fault.name(), fault.clone(), value)
    }

    fn record(&mut self, at_ms: u64, f: &str, fault: Fault, value: Value) -> FaultRecord {
        let record = FaultRecord {
            at_ms,
            f: f.to_string(),
            fault,
            value,
        };
        self.records.push(record.clone());
        record
    }

    /// Undo what one held fault did, recorded as the undo it is (`heal` of
    /// its links, `restart` of its brokers, `resume` of its node, ...).
    fn undo(
        &mut self,
        undo: Undo,
        now_ms: u64,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> FaultRecord {
        let (fault, value) = match undo {
            Undo::Links(links) => {
                for link in &links {
                    let Some(n) = self.cuts.get_mut(link) else {
                        continue;
                    };
                    *n -= 1;
                    if *n == 0 {
                        self.cuts.remove(link);
                        if !self.held(&link.0, &link.1) {
                            sim.repair_oneway(link.0.as_str(), link.1.as_str());
                        }
                    }
                }
                (Fault::Heal, json!({ "links": links }))
            }
            Undo::Unpause(node) => {
                let value = match self.holds.get_mut(&node) {
                    None => json!({ "skipped": format!("{node} is not paused") }),
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        json!({ "skipped": format!("{node} is paused by another fault") })
                    }
                    Some(_) => {
                        self.holds.remove(&node);
                        self.paused.remove(&node);
                        let all: Vec<String> = Self::servers(cluster)
                            .into_iter()
                            .chain(self.clients.clone())
                            .filter(|o| *o != node && !self.paused.contains(o))
                            .collect();
                        for o in &all {
                            sim.release(node.as_str(), o.as_str());
                            // Released links are healthy: cut again what
                            // other faults still cut.
                            for (a, b) in [(&node, o), (o, &node)] {
                                if self.cuts.contains_key(&(a.clone(), b.clone())) {
                                    sim.partition_oneway(a.as_str(), b.as_str());
                                }
                            }
                        }
                        json!({ "nodes": [node] })
                    }
                };
                (Fault::Resume, value)
            }
            Undo::Release(client, node) => {
                let value = if self.delayed.remove(&(client.clone(), node.clone())) {
                    self.release_link(sim, &client, &node);
                    json!({ "client": client, "node": node })
                } else {
                    json!({ "skipped": format!("{client}–{node} is not held") })
                };
                (Fault::Resume, value)
            }
            Undo::Restart(ids) => {
                let ids: Vec<BrokerId> =
                    ids.into_iter().filter(|id| self.down.remove(id)).collect();
                for &id in &ids {
                    cluster.restart(sim, id);
                }
                let value = if ids.is_empty() {
                    json!({ "skipped": "already restarted" })
                } else {
                    json!({ "brokers": ids })
                };
                (Fault::Restart, value)
            }
            Undo::RestartConsumer(client) => (
                Fault::RestartConsumers,
                consumer_faults::restart_member(&self.group_controls, &client)
                    .unwrap_or_else(|why| json!({ "skipped": why })),
            ),
            Undo::ResumeConsumer(client) => (
                Fault::ResumeConsumers,
                consumer_faults::resume_member(&self.group_controls, &client)
                    .unwrap_or_else(|why| json!({ "skipped": why })),
            ),
        };
        self.record(now_ms, fault.name(), fault, value)
    }

    /// Is the link between `a` and `b` held by a pause?
    fn held(&self, a: &str, b: &str) -> bool {
        self.paused.contains(a) || self.paused.contains(b)
    }

    /// Cut links: two-way between each pair, or one-way from the first to
    /// the second. Unheld (a fault undone by a global undo): the network
    /// calls as they always were. Held: each direction counted, and cut in
    /// the network when the first fault cuts it (a paused link stays held;
    /// the cut applies when the pause ends). Returns the directed links.
    fn cut(
        &mut self,
        sim: &mut turmoil::Sim<'_>,
        pairs: &[(String, String)],
        two_way: bool,
        held: bool,
    ) -> Vec<(String, String)> {
        let mut links = Vec::new();
        for (a, b) in pairs {
            links.push((a.clone(), b.clone()));
            if two_way {
                links.push((b.clone(), a.clone()));
            }
            if !held {
                if two_way {
                    sim.partition(a.as_str(), b.as_str());
                } else {
                    sim.partition_oneway(a.as_str(), b.as_str());
                }
            }
        }
        for link in &links {
            let n = self.cuts.entry(link.clone()).or_insert(0);
            *n += 1;
            if held && *n == 1 && !self.held(&link.0, &link.1) {
                sim.partition_oneway(link.0.as_str(), link.1.as_str());
            }
        }
        links
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
        if !self.paused.is_empty() || !self.delayed.is_empty() {
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
        // Everything is undone here, held faults included.
        self.pending.clear();
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

    /// Deliver what a delayed-request fault held between `client` and
    /// `node`, unless a pause still holds the link; a link another fault
    /// cuts is cut again.
    fn release_link(&self, sim: &mut turmoil::Sim<'_>, client: &str, node: &str) {
        if self.held(client, node) {
            return;
        }
        sim.release(client, node);
        for (a, b) in [(client, node), (node, client)] {
            if self.cuts.contains_key(&(a.to_string(), b.to_string())) {
                sim.partition_oneway(a, b);
            }
        }
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
            Target::TxnCoordinator => {
                let partitions = cluster
                    .config
                    .topics
                    .iter()
                    .find(|t| t.name == logjam_models::TRANSACTION_STATE_TOPIC)?
                    .partitions;
                let p = self.rng.random_range(0..partitions.max(1));
                let tp = TopicPartition::new(logjam_models::TRANSACTION_STATE_TOPIC, p);
                cluster.leader_of(&tp).and_then(broker)
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
            Target::IsrFollowerOf(tp) | Target::LaggingFollowerOf(tp) => {
                let tp = parse_tp(tp)?;
                let leader = cluster.leader_of(&tp);
                let isr = cluster.isr_of(&tp);
                let in_isr = matches!(target, Target::IsrFollowerOf(_));
                let candidates: Vec<BrokerId> = cluster
                    .replicas_of(&tp)
                    .into_iter()
                    .filter(|&b| Some(b) != leader && !self.down.contains(&b))
                    .filter(|b| isr.contains(b) == in_isr)
                    .collect();
                if candidates.is_empty() {
                    return None;
                }
                broker(candidates[self.rng.random_range(0..candidates.len())])
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
        self.apply_held(fault, None, now_ms, sim, cluster)
    }

    /// Apply a fault; `held`: it will be undone on its own, so links are cut
    /// through the counts and pauses counted. Returns what it did and how to
    /// undo exactly that, or why it was skipped.
    fn apply_inner(
        &mut self,
        fault: &Fault,
        held: bool,
        sim: &mut turmoil::Sim<'_>,
        cluster: &Cluster,
    ) -> Result<(Value, Option<Undo>), String> {
        let servers = Self::servers(cluster);
        let unresolved = |t: &Target| format!("no node for {t:?}");
        let between = |a: &[String], b: &[String]| -> Vec<(String, String)> {
            a.iter()
                .flat_map(|x| b.iter().map(move |y| (x.clone(), y.clone())))
                .collect()
        };
        match fault {
            Fault::PartitionRandomHalves => {
                let mut shuffled = servers.clone();
                shuffled.shuffle(&mut self.rng);
                let (a, b) = shuffled.split_at(shuffled.len() / 2);
                let links = self.cut(sim, &between(a, b), true, held);
                Ok((json!({ "halves": [a, b] }), Some(Undo::Links(links))))
            }
            Fault::PartitionBridge => {
                let mut shuffled = servers.clone();
                shuffled.shuffle(&mut self.rng);
                let bridge = shuffled.remove(shuffled.len() / 2);
                let (a, b) = shuffled.split_at(shuffled.len() / 2);
                let links = self.cut(sim, &between(a, b), true, held);
                Ok((
                    json!({ "halves": [a, b], "bridge": bridge }),
                    Some(Undo::Links(links)),
                ))
            }
            Fault::Isolate { target } | Fault::IsolateCompletely { target } => {
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let clients = match fault {
                    Fault::IsolateCompletely { .. } => self.clients.clone(),
                    _ => Vec::new(),
                };
                let others: Vec<String> = servers
                    .into_iter()
                    .chain(clients)
                    .filter(|s| *s != node)
                    .collect();
                let links = self.cut(
                    sim,
                    &between(std::slice::from_ref(&node), &others),
                    true,
                    held,
                );
                Ok((json!({ "node": node }), Some(Undo::Links(links))))
            }
            Fault::PartitionOneWay { from, to } => {
                let from = self
                    .resolve(from, cluster)
                    .ok_or_else(|| unresolved(from))?;
                let to = self.resolve(to, cluster).ok_or_else(|| unresolved(to))?;
                if from == to {
                    return Err("one-way partition from a node to itself".into());
                }
                let links = self.cut(sim, &[(from.clone(), to.clone())], false, held);
                Ok((json!({ "from": from, "to": to }), Some(Undo::Links(links))))
            }
            Fault::Cut { a, b } => {
                let a = self.resolve(a, cluster).ok_or_else(|| unresolved(a))?;
                let b = self.resolve(b, cluster).ok_or_else(|| unresolved(b))?;
                if a == b {
                    return Err("cut between a node and itself".into());
                }
                let links = self.cut(sim, &[(a.clone(), b.clone())], true, held);
                Ok((json!({ "a": a, "b": b }), Some(Undo::Links(links))))
            }
            Fault::PartitionClient { client, target } => {
                if !self.clients.contains(client) {
                    return Err(format!("no client host {client}"));
                }
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                let links = self.cut(sim, &[(client.clone(), node.clone())], true, held);
                Ok((
                    json!({ "client": client, "node": node }),
                    Some(Undo::Links(links)),
                ))
            }
            Fault::Heal => {
                let all: Vec<String> = servers.into_iter().chain(self.clients.clone()).collect();
                for (i, a) in all.iter().enumerate() {
                    for b in &all[i + 1..] {
                        sim.repair(a.as_str(), b.as_str());
                    }
                }
                self.cuts.clear();
                Ok((json!({}), None))
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
                Ok((
                    json!({ "broker": id, "power_loss": power_loss }),
                    Some(Undo::Restart(vec![id])),
                ))
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
                Ok((
                    json!({ "brokers": ids, "power_loss": true }),
                    Some(Undo::Restart(ids)),
                ))
            }
            Fault::Restart => {
                let ids: Vec<BrokerId> = std::mem::take(&mut self.down).into_iter().collect();
                for &id in &ids {
                    cluster.restart(sim, id);
                }
                Ok((json!({ "brokers": ids }), None))
            }
            Fault::DelayClient { client, target } => {
                if !self.clients.contains(client) {
                    return Err(format!("no client host {client}"));
                }
                let node = self
                    .resolve(target, cluster)
                    .ok_or_else(|| unresolved(target))?;
                if !self.delayed.insert((client.clone(), node.clone())) {
                    return Err(format!("{client}–{node} is already held"));
                }
                sim.hold(client.as_str(), node.as_str());
                Ok((
                    json!({ "client": client, "node": node }),
                    Some(Undo::Release(client.clone(), node)),
                ))
            }
            Fault::Pause { .. } | Fault::PauseClient { .. } => {
                let node = match fault {
                    Fault::Pause { target } => self
                        .resolve(target, cluster)
                        .ok_or_else(|| unresolved(target))?,
                    Fault::PauseClient { client } if self.clients.contains(client) => {
                        client.clone()
                    }
                    _ => return Err(format!("no client host in {fault:?}")),
                };
                let count = self.holds.entry(node.clone()).or_insert(0);
                *count += 1;
                if *count == 1 || !held {
                    let others: Vec<String> = servers
                        .into_iter()
                        .chain(self.clients.clone())
                        .filter(|s| *s != node)
                        .collect();
                    for o in &others {
                        sim.hold(node.as_str(), o.as_str());
                    }
                }
                self.paused.insert(node.clone());
                Ok((json!({ "node": node }), Some(Undo::Unpause(node))))
            }
            Fault::KillConsumer { client } => consumer_faults::apply(fault, &self.group_controls)
                .map(|v| (v, Some(Undo::RestartConsumer(client.clone())))),
            Fault::PauseConsumer { client } => consumer_faults::apply(fault, &self.group_controls)
                .map(|v| (v, Some(Undo::ResumeConsumer(client.clone())))),
            Fault::RestartConsumers | Fault::ResumeConsumers | Fault::ChurnConsumer { .. } => {
                consumer_faults::apply(fault, &self.group_controls).map(|v| (v, None))
            }
            Fault::Resume => {
                let all: Vec<String> = servers.into_iter().chain(self.clients.clone()).collect();
                let paused = std::mem::take(&mut self.paused);
                self.holds.clear();
                for node in &paused {
                    for o in all.iter().filter(|o| *o != node) {
                        sim.release(node.as_str(), o.as_str());
                    }
                }
                let delayed = std::mem::take(&mut self.delayed);
                for (client, node) in &delayed {
                    self.release_link(sim, client, node);
                }
                // Only delayed-request faults add `released`: other runs'
                // resume records stay as they were.
                let value = if delayed.is_empty() {
                    json!({ "nodes": paused })
                } else {
                    let links: Vec<String> =
                        delayed.iter().map(|(c, n)| format!("{c}–{n}")).collect();
                    json!({ "nodes": paused, "released": links })
                };
                Ok((value, None))
            }
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
