//! The consumer as a group member (`subscribe`): find the coordinator, join and
//! sync to get an assignment, heartbeat from a task of its own (as Kafka's
//! heartbeat thread does), start each newly assigned partition at the group's
//! committed offset, and commit: automatically (`enable.auto.commit`, at the
//! start of a poll and before rejoining) or when the application asks.
//! Fetching is the manual-assignment [`Consumer`]'s.
use super::{ConsumedRecord, Consumer, ConsumerError};
use crate::config::ConsumerConfig;
use crate::group::protocol::{CommittedOffset, GroupError, GroupRequest, GroupResponse, Joined};
use crate::ids::{broker_host, next_bootstrap, now_ms, BrokerId, TopicPartition, BROKER_PORT};
use crate::protocol::{Request, Response};
use crate::rpc::{Channel, RpcError};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// What the poll path and the heartbeat task share.
#[derive(Debug)]
struct Membership {
    coordinator: Option<BrokerId>,
    member_id: Option<String>,
    generation: i32,
    /// Rejoin at the next poll (rebalance announced, fenced, or revoked
    /// partitions under the cooperative protocol).
    rejoin_needed: bool,
    /// A JoinGroup/SyncGroup is under way: no heartbeats meanwhile.
    joining: bool,
    last_poll_ms: u64,
    /// The application is stalled (a simulated pause): nothing runs, so no
    /// heartbeats either. Shared with whoever stalls it.
    stalled: Rc<Cell<bool>>,
}

/// A change of assignment seen during one poll.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rebalance {
    /// The generation joined (-1 when only revoking before a join).
    pub generation: i32,
    pub revoked: Vec<TopicPartition>,
    pub assigned: Vec<TopicPartition>,
    /// Offsets auto-committed before the revocation, if any.
    pub committed: BTreeMap<TopicPartition, i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollResult {
    pub records: Vec<ConsumedRecord>,
    pub rebalances: Vec<Rebalance>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct CommitError {
    pub error: String,
    /// True when the offsets were certainly not committed.
    pub definitely_failed: bool,
}

impl CommitError {
    fn definite(error: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            definitely_failed: true,
        }
    }
}

pub struct GroupConsumer {
    config: ConsumerConfig,
    group: String,
    client_id: String,
    topics: Vec<String>,
    brokers: u32,
    next_bootstrap: u32,
    fetcher: Consumer,
    shared: Rc<RefCell<Membership>>,
    channel: Option<(BrokerId, Channel)>,
    owned: BTreeSet<TopicPartition>,
    /// Owned partitions still waiting for their committed offset.
    unpositioned: BTreeSet<TopicPartition>,
    /// The position after the records polls returned, per owned partition:
    /// what auto-commit commits.
    consumed: BTreeMap<TopicPartition, i64>,
    /// The leader epoch of the last record polls returned, per owned
    /// partition: what a commit of the offset after it carries (KIP-320).
    consumed_epochs: BTreeMap<TopicPartition, (i64, i32)>,
    last_auto_commit_ms: u64,
    /// Assignment changes made between polls, reported by the next one.
    pending: Vec<Rebalance>,
    heartbeat: JoinHandle<()>,
}

impl Drop for GroupConsumer {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

impl GroupConsumer {
    /// A member of `group.id` subscribed to `topics`. Must run inside a
    /// simulation host (it starts the heartbeat task).
    pub fn subscribe(
        config: ConsumerConfig,
        brokers: u32,
        client_id: impl Into<String>,
        topics: Vec<String>,
    ) -> Result<Self, ConsumerError> {
        let group = config.group_id.clone().ok_or(ConsumerError::NoGroup)?;
        let shared = Rc::new(RefCell::new(Membership {
            coordinator: None,
            member_id: None,
            generation: -1,
            rejoin_needed: true,
            joining: false,
            last_poll_ms: now_ms(),
            stalled: Rc::default(),
        }));
        let heartbeat = tokio::task::spawn_local(heartbeat_loop(
            shared.clone(),
            config.clone(),
            group.clone(),
        ));
        Ok(Self {
            fetcher: Consumer::new(config.clone(), brokers),
            config,
            group,
            client_id: client_id.into(),
            topics,
            brokers,
            next_bootstrap: 0,
            shared,
            channel: None,
            owned: BTreeSet::new(),
            unpositioned: BTreeSet::new(),
            consumed: BTreeMap::new(),
            consumed_epochs: BTreeMap::new(),
            last_auto_commit_ms: now_ms(),
            pending: Vec::new(),
            heartbeat,
        })
    }

    pub fn generation(&self) -> i32 {
        self.shared.borrow().generation
    }

    pub fn member_id(&self) -> Option<String> {
        self.shared.borrow().member_id.clone()
    }

    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.owned.iter().cloned().collect()
    }

    /// Stall or resume the application (and with it the heartbeats).
    pub fn set_stalled(&self, stalled: bool) {
        self.shared.borrow().stalled.set(stalled);
    }

    /// Record what position validation finds into `log`, as this member's
    /// client id ([`Consumer::record_events`]).
    pub fn record_events(&mut self, log: crate::events::EventLog) {
        self.fetcher.record_events(log, self.client_id.clone());
    }

    /// Use `flag` as the stall switch, so something outside can stall this
    /// member at any moment.
    pub fn share_stall(&mut self, flag: Rc<Cell<bool>>) {
        self.shared.borrow_mut().stalled = flag;
    }

    /// Forget the positions of every owned partition: the next poll starts
    /// them again at the group's committed offsets (after a commit that
    /// failed, so the records it covered are read again, not skipped). The
    /// next poll reports it as a rebalance of the same generation.
    pub fn rewind_to_committed(&mut self) {
        let owned: Vec<TopicPartition> = self.owned.iter().cloned().collect();
        for tp in &owned {
            self.unpositioned.insert(tp.clone());
            self.consumed.remove(tp);
            self.consumed_epochs.remove(tp);
        }
        self.pending.push(Rebalance {
            generation: self.generation(),
            revoked: owned.clone(),
            assigned: owned,
            committed: BTreeMap::new(),
        });
    }

    /// One poll: auto-commit if due, rejoin if needed, then fetch.
    pub async fn poll(&mut self) -> Result<PollResult, ConsumerError> {
        let now = now_ms();
        self.shared.borrow_mut().last_poll_ms = now;
        let mut rebalances = std::mem::take(&mut self.pending);
        if self.config.enable_auto_commit
            && now.saturating_sub(self.last_auto_commit_ms) >= self.config.auto_commit_interval_ms
        {
            self.last_auto_commit_ms = now;
            let offsets = self.consumed.clone();
            let _ = self.commit_sync(&offsets).await;
        }
        // The heartbeat task forgets a coordinator that stopped answering; the
        // poll path looks it up again.
        let known = self.ensure_coordinator().await;
        if known && self.shared.borrow().rejoin_needed {
            self.rejoin(&mut rebalances).await;
        }
        self.position_new_partitions().await;
        let positioned: Vec<TopicPartition> = self
            .owned
            .iter()
            .filter(|tp| !self.unpositioned.contains(*tp))
            .cloned()
            .collect();
        self.fetcher.assign(positioned);
        let records = self.fetcher.poll().await?;
        // The poll timer measures the application between polls, not a poll
        // that spent its time in a rebalance (Kafka resets it as its poll loop
        // goes round).
        self.shared.borrow_mut().last_poll_ms = now_ms();
        for r in &records {
            let next = self.consumed.entry(r.tp.clone()).or_insert(r.offset + 1);
            *next = (*next).max(r.offset + 1);
            if *next == r.offset + 1 {
                self.consumed_epochs
                    .insert(r.tp.clone(), (r.offset + 1, r.leader_epoch));
            }
        }
        Ok(PollResult {
            records,
            rebalances,
        })
    }

    /// Eager: revoke everything (committing first with auto-commit), then join.
    /// Cooperative: join with what we own; revoke only what the new assignment
    /// takes away, and rejoin once more if anything was revoked.
    async fn rejoin(&mut self, rebalances: &mut Vec<Rebalance>) {
        let cooperative = self.config.partition_assignment_strategy.is_cooperative();
        let mut committed = BTreeMap::new();
        if self.config.enable_auto_commit && !self.consumed.is_empty() {
            let offsets = self.consumed.clone();
            if self.commit_sync(&offsets).await.is_ok() {
                committed = offsets;
            }
            self.last_auto_commit_ms = now_ms();
        }
        if !cooperative && !self.owned.is_empty() {
            let revoked: Vec<TopicPartition> =
                std::mem::take(&mut self.owned).into_iter().collect();
            self.release(&revoked);
            rebalances.push(Rebalance {
                generation: -1,
                revoked,
                assigned: Vec::new(),
                committed: std::mem::take(&mut committed),
            });
        }
        self.shared.borrow_mut().joining = true;
        let joined = self.join_and_sync().await;
        self.shared.borrow_mut().joining = false;
        let Some((joined, assignment)) = joined else {
            return;
        };
        {
            let mut s = self.shared.borrow_mut();
            s.member_id = Some(joined.member_id);
            s.generation = joined.generation;
            s.rejoin_needed = false;
        }
        let new: BTreeSet<TopicPartition> = assignment.into_iter().collect();
        let revoked: Vec<TopicPartition> = self.owned.difference(&new).cloned().collect();
        let added: Vec<TopicPartition> = new.difference(&self.owned).cloned().collect();
        self.release(&revoked);
        for tp in &added {
            self.owned.insert(tp.clone());
            self.unpositioned.insert(tp.clone());
        }
        if cooperative && !revoked.is_empty() {
            // The partitions we gave up go to their new owners in the next round.
            self.shared.borrow_mut().rejoin_needed = true;
        }
        rebalances.push(Rebalance {
            generation: joined.generation,
            revoked,
            assigned: new.into_iter().collect(),
            committed,
        });
    }

    fn release(&mut self, tps: &[TopicPartition]) {
        for tp in tps {
            self.owned.remove(tp);
            self.unpositioned.remove(tp);
            self.consumed.remove(tp);
            self.consumed_epochs.remove(tp);
        }
    }

    async fn join_and_sync(&mut self) -> Option<(Joined, Vec<TopicPartition>)> {
        let member_id = self.shared.borrow().member_id.clone();
        let owned = if self.config.partition_assignment_strategy.is_cooperative() {
            self.owned.iter().cloned().collect()
        } else {
            Vec::new()
        };
        let join = GroupRequest::JoinGroup {
            group: self.group.clone(),
            member_id,
            client_id: self.client_id.clone(),
            topics: self.topics.clone(),
            owned,
            session_timeout_ms: self.config.session_timeout_ms,
            rebalance_timeout_ms: self.config.max_poll_interval_ms,
            strategy: self.config.partition_assignment_strategy,
        };
        // JoinGroup parks until the rebalance completes: Kafka gives it the
        // rebalance timeout on top of the request timeout.
        let timeout = self
            .config
            .max_poll_interval_ms
            .saturating_add(self.config.request_timeout_ms);
        let joined = match self.call(&join, timeout).await {
            Ok(GroupResponse::JoinGroup(Ok(j))) => j,
            Ok(GroupResponse::JoinGroup(Err(e))) => {
                self.on_error(e);
                return self.backoff().await;
            }
            _ => return self.backoff().await,
        };
        let sync = GroupRequest::SyncGroup {
            group: self.group.clone(),
            member_id: joined.member_id.clone(),
            generation: joined.generation,
        };
        match self.call(&sync, self.config.request_timeout_ms).await {
            Ok(GroupResponse::SyncGroup(Ok(assignment))) => Some((joined, assignment)),
            Ok(GroupResponse::SyncGroup(Err(e))) => {
                // Keep the member id: a new round is under way, join it.
                self.shared.borrow_mut().member_id = Some(joined.member_id);
                self.on_error(e);
                self.backoff().await
            }
            _ => self.backoff().await,
        }
    }

    async fn backoff<T>(&self) -> Option<T> {
        tokio::time::sleep(self.config.retry_backoff()).await;
        None
    }

    /// Newly assigned partitions start at the group's committed offset, or
    /// where `auto.offset.reset` says if it has none. A partition whose offset
    /// could not be fetched is not read at all: guessing would skip or repeat.
    /// A committed offset with an epoch is validated against the current
    /// leader before it is fetched from (KIP-320; Kafka's
    /// `refreshCommittedOffsets` seeks unvalidated with the committed epoch).
    ///
    /// The fetch asks for stable offsets (KIP-447): Kafka's consumer always
    /// sets require_stable (ConsumerCoordinator.fetchCommittedOffsets builds
    /// its OffsetFetchRequest with `requireStable = true`). A partition
    /// answered UNSTABLE_OFFSET_COMMIT, a transactional offset commit for it
    /// still pending, stays unpositioned and is asked again after
    /// `retry.backoff.ms` (Kafka raises the retriable
    /// UnstableOffsetCommitException and retries), instead of starting from
    /// the older committed offset and reading again what the transaction
    /// consumed.
    async fn position_new_partitions(&mut self) {
        if self.unpositioned.is_empty() {
            return;
        }
        let req = GroupRequest::OffsetFetch {
            group: self.group.clone(),
            partitions: self.unpositioned.iter().cloned().collect(),
            require_stable: true,
        };
        match self.call(&req, self.config.request_timeout_ms).await {
            Ok(GroupResponse::OffsetFetch(Ok(offsets))) => {
                let mut unstable = false;
                for (tp, offset) in offsets {
                    match offset {
                        Ok(Some(o)) => {
                            self.fetcher
                                .seek_with_epoch(tp.clone(), o.offset, o.leader_epoch);
                        }
                        Ok(None) => {}
                        Err(_) => {
                            unstable = true;
                            continue;
                        }
                    }
                    self.unpositioned.remove(&tp);
                }
                if unstable {
                    tokio::time::sleep(self.config.retry_backoff()).await;
                }
            }
            Ok(GroupResponse::OffsetFetch(Err(e))) => self.on_error(e),
            _ => {}
        }
    }

    /// Commit `offsets` (next offset to read, per partition) and wait for the
    /// answer: Kafka's `commitSync`. An offset right after the last record a
    /// poll returned carries that record's leader epoch, as an application
    /// committing `record.leaderEpoch()` (and auto-commit) does; any other
    /// offset none.
    pub async fn commit_sync(
        &mut self,
        offsets: &BTreeMap<TopicPartition, i64>,
    ) -> Result<(), CommitError> {
        let (member_id, generation) = {
            let s = self.shared.borrow();
            (s.member_id.clone(), s.generation)
        };
        let Some(member_id) = member_id else {
            return Err(CommitError::definite(
                "UNKNOWN_MEMBER_ID (not in the group)",
            ));
        };
        if !self.ensure_coordinator().await {
            return Err(CommitError::definite("COORDINATOR_NOT_AVAILABLE"));
        }
        let req = GroupRequest::OffsetCommit {
            group: self.group.clone(),
            member_id,
            generation,
            offsets: offsets
                .iter()
                .map(|(tp, &offset)| {
                    let leader_epoch = self
                        .consumed_epochs
                        .get(tp)
                        .filter(|(next, _)| *next == offset)
                        .map(|&(_, epoch)| epoch);
                    let committed = CommittedOffset {
                        offset,
                        leader_epoch,
                    };
                    (tp.clone(), committed)
                })
                .collect(),
            timeout_ms: self.config.request_timeout_ms * 3 / 4,
        };
        match self.call(&req, self.config.request_timeout_ms).await {
            Ok(GroupResponse::OffsetCommit(Ok(()))) => Ok(()),
            Ok(GroupResponse::OffsetCommit(Err(e))) => {
                self.on_error(e);
                Err(CommitError {
                    error: e.kafka_name().to_string(),
                    definitely_failed: e.proves_not_committed(),
                })
            }
            Ok(other) => Err(CommitError {
                error: format!("unexpected response {other:?}"),
                definitely_failed: false,
            }),
            Err(e) => Err(CommitError {
                error: format!("{e:?}"),
                definitely_failed: e == RpcError::Unreachable,
            }),
        }
    }

    /// Leave the group (a graceful shutdown): the group rebalances at once
    /// instead of waiting for the session to expire. With auto-commit, Kafka's
    /// `close()` first commits what the application consumed.
    pub async fn close(mut self) {
        if self.config.enable_auto_commit && !self.consumed.is_empty() {
            let offsets = self.consumed.clone();
            let _ = self.commit_sync(&offsets).await;
        }
        let member_id = self.shared.borrow().member_id.clone();
        if let Some(member_id) = member_id {
            let req = GroupRequest::LeaveGroup {
                group: self.group.clone(),
                member_id,
            };
            let _ = self.call(&req, self.config.request_timeout_ms).await;
        }
    }

    fn on_error(&mut self, e: GroupError) {
        let mut s = self.shared.borrow_mut();
        apply_error(&mut s, e);
    }

    async fn ensure_coordinator(&mut self) -> bool {
        if self.shared.borrow().coordinator.is_some() {
            return true;
        }
        let Some(broker) = next_bootstrap(&mut self.next_bootstrap, self.brokers) else {
            tokio::time::sleep(self.config.retry_backoff()).await;
            return false;
        };
        let mut ch = Channel::new(broker_host(broker), BROKER_PORT);
        let req = Request::Group(GroupRequest::FindCoordinator {
            group: self.group.clone(),
        });
        match ch.call(&req, self.config.request_timeout_ms).await {
            Ok(Response::Group(GroupResponse::FindCoordinator(Ok(b)))) => {
                self.shared.borrow_mut().coordinator = Some(b);
                true
            }
            _ => {
                tokio::time::sleep(self.config.retry_backoff()).await;
                false
            }
        }
    }

    /// A request to the coordinator; a transport error forgets the coordinator
    /// (Kafka's markCoordinatorUnknown), so the next call looks it up again.
    async fn call(
        &mut self,
        req: &GroupRequest,
        timeout_ms: u64,
    ) -> Result<GroupResponse, RpcError> {
        let Some(coordinator) = self.shared.borrow().coordinator else {
            return Err(RpcError::Unreachable);
        };
        if self.channel.as_ref().is_none_or(|(b, _)| *b != coordinator) {
            self.channel = Some((
                coordinator,
                Channel::new(broker_host(coordinator), BROKER_PORT),
            ));
        }
        let (_, ch) = self.channel.as_mut().expect("set above");
        match ch.call(&Request::Group(req.clone()), timeout_ms).await {
            Ok(Response::Group(r)) => Ok(r),
            Ok(_) => Err(RpcError::Disconnected),
            Err(e) => {
                self.shared.borrow_mut().coordinator = None;
                Err(e)
            }
        }
    }
}

/// What an error from the coordinator means for the membership.
fn apply_error(s: &mut Membership, e: GroupError) {
    if e.coordinator_moved() {
        s.coordinator = None;
    }
    if e == GroupError::UnknownMemberId {
        s.member_id = None;
        s.generation = -1;
    }
    // A moved coordinator is only looked up again (Kafka's
    // markCoordinatorUnknown): the new one loads the group, so the member
    // keeps its generation; a fenced member rejoins.
    if e.needs_rejoin() {
        s.rejoin_needed = true;
    }
}

/// Heartbeats every `heartbeat.interval.ms`; learns of rebalances and fencing;
/// leaves the group when the application has not polled within
/// `max.poll.interval.ms`, as Kafka's heartbeat thread does.
async fn heartbeat_loop(shared: Rc<RefCell<Membership>>, config: ConsumerConfig, group: String) {
    let mut channel: Option<(BrokerId, Channel)> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(config.heartbeat_interval_ms)).await;
        let (coordinator, member_id, generation) = {
            let s = shared.borrow();
            // A member that has learned of a rebalance keeps heartbeating until
            // it sends its JoinGroup (the coordinator counts on it to rejoin);
            // while parked in JoinGroup the coordinator keeps it alive.
            if s.stalled.get() || s.joining {
                continue;
            }
            match (s.coordinator, s.member_id.clone()) {
                (Some(c), Some(m)) => (c, m, s.generation),
                _ => continue,
            }
        };
        if channel.as_ref().is_none_or(|(b, _)| *b != coordinator) {
            channel = Some((
                coordinator,
                Channel::new(broker_host(coordinator), BROKER_PORT),
            ));
        }
        let (_, ch) = channel.as_mut().expect("set above");
        let poll_overdue =
            now_ms().saturating_sub(shared.borrow().last_poll_ms) > config.max_poll_interval_ms;
        if poll_overdue {
            let leave = Request::Group(GroupRequest::LeaveGroup {
                group: group.clone(),
                member_id,
            });
            let _ = ch.call(&leave, config.request_timeout_ms).await;
            let mut s = shared.borrow_mut();
            apply_error(&mut s, GroupError::UnknownMemberId);
            continue;
        }
        let req = Request::Group(GroupRequest::Heartbeat {
            group: group.clone(),
            member_id,
            generation,
        });
        let resp = ch.call(&req, config.request_timeout_ms).await;
        let mut s = shared.borrow_mut();
        match resp {
            Ok(Response::Group(GroupResponse::Heartbeat(Ok(())))) => {}
            Ok(Response::Group(GroupResponse::Heartbeat(Err(e)))) => apply_error(&mut s, e),
            _ => s.coordinator = None,
        }
    }
}
