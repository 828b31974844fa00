//! One group's membership as its coordinator holds it in memory: members and
//! their sessions, the generation, and the rebalance state machine (Kafka's
//! classic protocol: Empty → PreparingRebalance → Stable). Pure: the caller
//! passes the time and the partitions, and does the I/O.
//!
//! Assignment is computed here when the join phase ends, rather than by a
//! leader member as Kafka's client-side assignors do; the assignors are the
//! same functions either way, and members still fetch their share with
//! SyncGroup.
use super::assignor::{self, Subscription};
use super::protocol::GroupError;
use crate::config::AssignmentStrategy;
use crate::ids::TopicPartition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    /// Waiting for members to (re)join, until `deadline_ms` at the latest.
    PreparingRebalance {
        deadline_ms: u64,
    },
    Stable,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub subscription: Subscription,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub last_heartbeat_ms: u64,
    /// Has (re)joined in the current rebalance.
    pub joined: bool,
    pub assignment: Vec<TopicPartition>,
}

/// A completed generation as Kafka's GroupMetadata record stores it in
/// `__consumer_offsets` (GroupMetadataManager.storeGroup): the generation, the
/// protocol, the leader and every member with its assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadata {
    pub generation: i32,
    pub strategy: AssignmentStrategy,
    pub leader: Option<String>,
    pub members: Vec<MemberMetadata>,
    /// The member-id counter, so ids handed out after a load stay unique.
    pub next_member: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMetadata {
    pub id: String,
    pub topics: Vec<String>,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub assignment: Vec<TopicPartition>,
}

/// What a JoinGroup carries besides the member id.
#[derive(Clone, Debug)]
pub struct JoinRequest {
    pub client_id: String,
    pub subscription: Subscription,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub strategy: AssignmentStrategy,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub generation: i32,
    pub state: GroupState,
    pub members: BTreeMap<String, Member>,
    pub leader: Option<String>,
    pub strategy: AssignmentStrategy,
    /// Rebalances started / completed; a JoinGroup waits for the round it joined.
    pub rounds_started: u64,
    pub rounds_completed: u64,
    next_member: u64,
}

impl Group {
    /// A group as a coordinator first sees it; `generation` continues from
    /// what the offsets log recorded (-1 if nothing).
    pub fn new(generation: i32) -> Self {
        Self {
            generation: generation.max(0),
            state: GroupState::Empty,
            members: BTreeMap::new(),
            leader: None,
            strategy: AssignmentStrategy::default(),
            rounds_started: 0,
            rounds_completed: 0,
            next_member: 0,
        }
    }

    /// A group loaded from its latest GroupMetadata record by a new
    /// coordinator (Kafka's GroupMetadataManager.loadGroupsAndOffsets): the
    /// members keep their generation and assignment, Stable unless empty, and
    /// each member's session restarts now (Kafka loads members with fresh
    /// heartbeat deadlines).
    pub fn load(meta: &GroupMetadata, now_ms: u64) -> Self {
        let members: BTreeMap<String, Member> = meta
            .members
            .iter()
            .map(|m| {
                let member = Member {
                    subscription: Subscription {
                        topics: m.topics.clone(),
                        owned: Vec::new(),
                    },
                    session_timeout_ms: m.session_timeout_ms,
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    last_heartbeat_ms: now_ms,
                    joined: false,
                    assignment: m.assignment.clone(),
                };
                (m.id.clone(), member)
            })
            .collect();
        let state = if members.is_empty() {
            GroupState::Empty
        } else {
            GroupState::Stable
        };
        Self {
            generation: meta.generation.max(0),
            state,
            members,
            leader: meta.leader.clone(),
            strategy: meta.strategy,
            rounds_started: 0,
            rounds_completed: 0,
            next_member: meta.next_member,
        }
    }

    /// The record to store once a generation completes.
    pub fn metadata(&self) -> GroupMetadata {
        GroupMetadata {
            generation: self.generation,
            strategy: self.strategy,
            leader: self.leader.clone(),
            members: self
                .members
                .iter()
                .map(|(id, m)| MemberMetadata {
                    id: id.clone(),
                    topics: m.subscription.topics.clone(),
                    session_timeout_ms: m.session_timeout_ms,
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    assignment: m.assignment.clone(),
                })
                .collect(),
            next_member: self.next_member,
        }
    }

    fn start_rebalance(&mut self, now_ms: u64) {
        if matches!(self.state, GroupState::PreparingRebalance { .. }) {
            return;
        }
        let timeout = self
            .members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0);
        for m in self.members.values_mut() {
            m.joined = false;
        }
        self.rounds_started += 1;
        self.state = GroupState::PreparingRebalance {
            deadline_ms: now_ms.saturating_add(timeout),
        };
    }

    /// A JoinGroup. Returns the member id and the rebalance round to wait for.
    pub fn join(
        &mut self,
        member_id: Option<String>,
        req: JoinRequest,
        now_ms: u64,
    ) -> Result<(String, u64), GroupError> {
        let id = match member_id {
            Some(id) if !self.members.contains_key(&id) => return Err(GroupError::UnknownMemberId),
            Some(id) => id,
            None => loop {
                // Never hand out an id a loaded member holds.
                self.next_member += 1;
                let id = format!("{}-{}", req.client_id, self.next_member);
                if !self.members.contains_key(&id) {
                    break id;
                }
            },
        };
        if self.members.is_empty() {
            self.strategy = req.strategy;
        }
        let member = Member {
            subscription: req.subscription,
            session_timeout_ms: req.session_timeout_ms,
            rebalance_timeout_ms: req.rebalance_timeout_ms,
            last_heartbeat_ms: now_ms,
            joined: false,
            assignment: Vec::new(),
        };
        let assignment = self
            .members
            .insert(id.clone(), member)
            .map(|old| old.assignment)
            .unwrap_or_default();
        self.start_rebalance(now_ms);
        let m = self.members.get_mut(&id).expect("just inserted");
        m.joined = true;
        m.assignment = assignment;
        Ok((id, self.rounds_started))
    }

    /// May the join phase end: everyone rejoined, or the deadline passed.
    pub fn ready(&self, now_ms: u64) -> bool {
        match self.state {
            GroupState::PreparingRebalance { deadline_ms } => {
                now_ms >= deadline_ms || self.members.values().all(|m| m.joined)
            }
            _ => false,
        }
    }

    /// End the join phase: drop members that did not rejoin, start the next
    /// generation and assign `partitions` (every partition that exists).
    pub fn complete_rebalance(&mut self, now_ms: u64, partitions: &[TopicPartition]) {
        self.members.retain(|_, m| m.joined);
        let previous = self.generation;
        self.generation += 1;
        assert!(self.generation > previous, "a generation never goes back");
        self.rounds_completed = self.rounds_started;
        self.leader = self.members.keys().next().cloned();
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            return;
        }
        let subs: BTreeMap<String, Subscription> = self
            .members
            .iter()
            .map(|(id, m)| (id.clone(), m.subscription.clone()))
            .collect();
        let subscribed: Vec<TopicPartition> = partitions
            .iter()
            .filter(|tp| subs.values().any(|s| s.topics.contains(&tp.topic)))
            .cloned()
            .collect();
        let mut target = assignor::assign(self.strategy, &subs, &subscribed);
        if self.strategy.is_cooperative() {
            assignor::withhold_moving(&mut target, &subs);
        }
        for (id, m) in self.members.iter_mut() {
            m.assignment = target.remove(id).unwrap_or_default();
            m.last_heartbeat_ms = now_ms;
        }
        self.state = GroupState::Stable;
    }

    fn member(&mut self, id: &str) -> Result<&mut Member, GroupError> {
        self.members.get_mut(id).ok_or(GroupError::UnknownMemberId)
    }

    pub fn heartbeat(&mut self, id: &str, generation: i32, now_ms: u64) -> Result<(), GroupError> {
        let current = self.generation;
        let preparing = matches!(self.state, GroupState::PreparingRebalance { .. });
        let m = self.member(id)?;
        m.last_heartbeat_ms = now_ms;
        if preparing {
            return Err(GroupError::RebalanceInProgress);
        }
        if generation != current {
            return Err(GroupError::IllegalGeneration);
        }
        Ok(())
    }

    pub fn sync(&mut self, id: &str, generation: i32) -> Result<Vec<TopicPartition>, GroupError> {
        let current = self.generation;
        let preparing = matches!(self.state, GroupState::PreparingRebalance { .. });
        let m = self.member(id)?;
        if generation != current {
            return Err(GroupError::IllegalGeneration);
        }
        if preparing {
            return Err(GroupError::RebalanceInProgress);
        }
        Ok(m.assignment.clone())
    }

    pub fn leave(&mut self, id: &str, now_ms: u64) -> Result<(), GroupError> {
        self.members.remove(id).ok_or(GroupError::UnknownMemberId)?;
        if self.members.is_empty() {
            self.state = GroupState::Empty;
        } else {
            self.start_rebalance(now_ms);
        }
        Ok(())
    }

    /// Evict members whose session expired; true if any was. While a
    /// rebalance is under way, members parked in JoinGroup are kept alive
    /// (Kafka's awaiting-join members), but one that has not rejoined still
    /// needs its heartbeats: a dead member is dropped after its session
    /// timeout rather than holding the rebalance until its deadline.
    pub fn expire_sessions(&mut self, now_ms: u64) -> bool {
        let preparing = match self.state {
            GroupState::Empty => return false,
            GroupState::PreparingRebalance { .. } => true,
            GroupState::Stable => false,
        };
        let before = self.members.len();
        self.members.retain(|_, m| {
            (preparing && m.joined)
                || now_ms.saturating_sub(m.last_heartbeat_ms) <= m.session_timeout_ms
        });
        let expired = self.members.len() < before;
        if expired {
            if self.members.is_empty() {
                self.state = GroupState::Empty;
            } else if !preparing {
                self.start_rebalance(now_ms);
            }
        }
        expired
    }

    /// May this member commit offsets for this generation? Kafka accepts
    /// commits during PreparingRebalance from the current generation (members
    /// commit before rejoining); `legacy_no_commit_fencing` accepts anything.
    pub fn check_commit(
        &self,
        id: &str,
        generation: i32,
        legacy_no_commit_fencing: bool,
    ) -> Result<(), GroupError> {
        if legacy_no_commit_fencing {
            return Ok(());
        }
        if !self.members.contains_key(id) {
            return Err(GroupError::UnknownMemberId);
        }
        if generation != self.generation {
            return Err(GroupError::IllegalGeneration);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(client: &str) -> JoinRequest {
        JoinRequest {
            client_id: client.into(),
            subscription: Subscription {
                topics: vec!["t".into()],
                owned: vec![],
            },
            session_timeout_ms: 1000,
            rebalance_timeout_ms: 3000,
            strategy: AssignmentStrategy::Range,
        }
    }

    fn tps() -> Vec<TopicPartition> {
        (0..4).map(|p| TopicPartition::new("t", p)).collect()
    }

    #[test]
    fn join_sync_and_fencing() {
        let mut g = Group::new(-1);
        let (a, _) = g.join(None, req("c"), 0).unwrap();
        assert!(g.ready(0));
        g.complete_rebalance(0, &tps());
        assert_eq!(g.generation, 1);
        assert_eq!(g.sync(&a, 1).unwrap().len(), 4);
        // A second member joins: the first must rejoin within the deadline.
        let (b, _) = g.join(None, req("c"), 100).unwrap();
        assert_eq!(
            g.heartbeat(&a, 1, 150),
            Err(GroupError::RebalanceInProgress)
        );
        assert!(
            g.check_commit(&a, 1, false).is_ok(),
            "commit before rejoining"
        );
        assert!(!g.ready(200));
        g.join(Some(a.clone()), req("c"), 200).unwrap();
        g.complete_rebalance(200, &tps());
        assert_eq!(g.generation, 2);
        assert_eq!(
            g.sync(&a, 2).unwrap().len() + g.sync(&b, 2).unwrap().len(),
            4
        );
        assert_eq!(
            g.check_commit(&a, 1, false),
            Err(GroupError::IllegalGeneration)
        );
        assert!(g.check_commit(&a, 1, true).is_ok());
        // b stops heartbeating: evicted after its session timeout.
        g.heartbeat(&a, 2, 1100).unwrap();
        assert!(g.expire_sessions(1300));
        assert_eq!(
            g.check_commit(&b, 2, false),
            Err(GroupError::UnknownMemberId)
        );
        assert_eq!(
            g.join(Some(b), req("c"), 1300),
            Err(GroupError::UnknownMemberId)
        );
    }

    #[test]
    fn a_dead_member_expires_during_a_rebalance() {
        let mut g = Group::new(-1);
        let (a, _) = g.join(None, req("c"), 0).unwrap();
        let (b, _) = g.join(None, req("c"), 0).unwrap();
        g.complete_rebalance(0, &tps());
        // b dies; a third member joins: a rejoins, b never does.
        g.heartbeat(&a, 1, 500).unwrap();
        let (c, _) = g.join(None, req("c"), 600).unwrap();
        g.join(Some(a.clone()), req("c"), 650).unwrap();
        assert!(!g.ready(700));
        // Members parked in JoinGroup are kept alive; b's session runs out
        // long before the 3 s rebalance deadline.
        assert!(g.expire_sessions(1_100));
        assert!(!g.members.contains_key(&b));
        assert!(g.members.contains_key(&a) && g.members.contains_key(&c));
        assert!(g.ready(1_100));
    }

    #[test]
    fn non_rejoining_members_are_dropped_at_the_deadline() {
        let mut g = Group::new(4);
        let (a, _) = g.join(None, req("c"), 0).unwrap();
        g.complete_rebalance(0, &tps());
        assert_eq!(g.generation, 5, "continues from the logged generation");
        g.join(None, req("c"), 10).unwrap();
        assert!(!g.ready(3000) && g.ready(3010));
        g.complete_rebalance(3010, &tps());
        assert!(!g.members.contains_key(&a));
    }

    #[test]
    fn a_loaded_group_keeps_its_generation_and_members() {
        let mut g = Group::new(-1);
        let (a, _) = g.join(None, req("c"), 0).unwrap();
        let (b, _) = g.join(None, req("c"), 0).unwrap();
        g.complete_rebalance(0, &tps());
        let meta = g.metadata();
        // A new coordinator loads it much later: sessions restart at the load.
        let mut l = Group::load(&meta, 10_000);
        assert_eq!((l.generation, l.state.clone()), (1, GroupState::Stable));
        assert_eq!(l.sync(&a, 1).unwrap(), g.sync(&a, 1).unwrap());
        assert!(l.check_commit(&b, 1, false).is_ok());
        assert!(!l.expire_sessions(10_500));
        l.heartbeat(&a, 1, 10_500).unwrap();
        // b never heartbeats the new coordinator: it expires, a rebalance starts.
        assert!(l.expire_sessions(11_100));
        assert_eq!(
            l.heartbeat(&a, 1, 11_100),
            Err(GroupError::RebalanceInProgress)
        );
        // New member ids never collide with loaded ones.
        let (c, _) = l.join(None, req("c"), 11_200).unwrap();
        assert!(c != a && c != b);
    }
}
