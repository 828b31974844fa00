//! One transactional.id's state at its coordinator (Kafka's
//! `TransactionMetadata`), and the transitions the coordinator's APIs make.
//!
//! Every transition is computed here as a new value; the coordinator writes it
//! to `__transaction_state` with acks=all and only then makes it current (Kafka
//! keeps the target as `pendingState` until the append completes; while one is
//! pending, other requests get CONCURRENT_TRANSACTIONS).
//!
//! Transaction version 2 (KIP-890 part 2, the default) bumps the producer epoch
//! at every EndTxn, so a late produce or EndTxn of an earlier transaction
//! carries an old epoch and is fenced. Version 1
//! (`logjam.legacy.transaction.v1`) keeps the epoch from one transaction to the
//! next: a delayed EndTxn finds the next transaction open on the same epoch and
//! ends it instead.
use super::protocol::TxnError;
use crate::ids::{ProducerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Kafka's `TransactionState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxnState {
    /// No transaction open (a fresh id, or just initialised).
    Empty,
    /// Partitions were added: a transaction is open.
    Ongoing,
    /// The commit point: from here the transaction commits, whoever crashes.
    PrepareCommit,
    /// The transaction will abort: its markers are being written.
    PrepareAbort,
    /// Every COMMIT marker is written.
    CompleteCommit,
    /// Every ABORT marker is written.
    CompleteAbort,
    /// InitProducerId found a transaction open: the epoch is bumped (fencing
    /// the old producer) and the transaction is being aborted.
    PrepareEpochFence,
}

impl TxnState {
    /// A transaction is being ended: its markers are (about to be) written.
    pub fn is_preparing(self) -> bool {
        matches!(
            self,
            TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }
}

/// What a transaction's markers say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TxnResult {
    Commit,
    Abort,
}

/// The state of one transactional.id, as stored in `__transaction_state`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnMetadata {
    pub transactional_id: String,
    pub producer_id: ProducerId,
    pub producer_epoch: i16,
    /// The epoch before the last bump at EndTxn (version 2), so a retried
    /// EndTxn that carries it is recognised; -1 when there is none.
    pub last_producer_epoch: i16,
    pub timeout_ms: u64,
    pub state: TxnState,
    /// The partitions in the open (or ending) transaction, data and offsets.
    pub partitions: BTreeSet<TopicPartition>,
    /// When the open transaction started (its first AddPartitions).
    pub start_ms: u64,
}

/// The last epoch Kafka hands out before it takes a new producer id.
const MAX_EPOCH: i16 = i16::MAX - 1;

/// What InitProducerId does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitOutcome {
    /// Write this state, then answer with its producer id and epoch.
    Ready(TxnMetadata),
    /// A transaction was open: write this (epoch bumped, PrepareAbort), write
    /// its ABORT markers, and answer CONCURRENT_TRANSACTIONS so the producer
    /// retries (and bumps the epoch again once the abort completes).
    FenceAndAbort(TxnMetadata),
}

/// What EndTxn does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndOutcome {
    /// Write this Prepare state (the commit point for a commit), then the markers.
    Prepare(TxnMetadata),
    /// A retry of an EndTxn that already completed: answer success with this
    /// epoch.
    AlreadyDone { producer_epoch: i16 },
}

impl TxnMetadata {
    /// A transactional.id seen for the first time.
    pub fn new(transactional_id: &str, producer_id: ProducerId, timeout_ms: u64) -> Self {
        Self {
            transactional_id: transactional_id.to_string(),
            producer_id,
            producer_epoch: 0,
            last_producer_epoch: -1,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            start_ms: 0,
        }
    }

    /// The epoch after a bump; `None` when it is exhausted (a new producer id).
    fn bumped_epoch(&self) -> Option<i16> {
        (self.producer_epoch < MAX_EPOCH).then_some(self.producer_epoch + 1)
    }

    /// InitProducerId (Kafka's `TransactionCoordinator.handleInitProducerId`):
    /// bump the epoch, fencing every earlier producer with this id; a
    /// transaction it left open is aborted first. `fresh_pid` is used if the
    /// epoch is exhausted.
    pub fn init_producer_id(
        &self,
        timeout_ms: u64,
        fresh_pid: ProducerId,
    ) -> Result<InitOutcome, TxnError> {
        match self.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence => {
                Err(TxnError::ConcurrentTransactions)
            }
            TxnState::Ongoing => {
                // Kafka: prepareFenceProducerEpoch, then abort with that epoch.
                // The bumped epoch is never handed out: the retry bumps again.
                let mut next = self.clone();
                next.producer_epoch = self.bumped_epoch().unwrap_or(self.producer_epoch);
                next.last_producer_epoch = -1;
                next.state = TxnState::PrepareEpochFence;
                Ok(InitOutcome::FenceAndAbort(next))
            }
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                let mut next = self.clone();
                match self.bumped_epoch() {
                    Some(e) => next.producer_epoch = e,
                    None => {
                        next.producer_id = fresh_pid;
                        next.producer_epoch = 0;
                    }
                }
                next.last_producer_epoch = -1;
                next.timeout_ms = timeout_ms;
                next.state = TxnState::Empty;
                next.partitions.clear();
                Ok(InitOutcome::Ready(next))
            }
        }
    }

    /// The request's producer id and epoch against ours.
    fn check_producer(&self, producer_id: ProducerId, epoch: i16) -> Result<(), TxnError> {
        if producer_id != self.producer_id {
            return Err(TxnError::InvalidProducerIdMapping);
        }
        if epoch < self.producer_epoch {
            return Err(TxnError::ProducerFenced);
        }
        if epoch > self.producer_epoch {
            return Err(TxnError::InvalidProducerEpoch);
        }
        Ok(())
    }

    /// AddPartitionsToTxn (and AddOffsetsToTxn, which adds the group's offsets
    /// partition). `None`: every partition is already in the open transaction,
    /// nothing to write.
    pub fn add_partitions(
        &self,
        producer_id: ProducerId,
        epoch: i16,
        partitions: &[TopicPartition],
        now_ms: u64,
    ) -> Result<Option<TxnMetadata>, TxnError> {
        self.check_producer(producer_id, epoch)?;
        if self.state.is_preparing() {
            // The previous transaction's markers are still being written.
            return Err(TxnError::ConcurrentTransactions);
        }
        if self.state == TxnState::Ongoing && partitions.iter().all(|p| self.partitions.contains(p))
        {
            return Ok(None);
        }
        let mut next = self.clone();
        if self.state != TxnState::Ongoing {
            next.partitions.clear();
            next.start_ms = now_ms;
        }
        next.state = TxnState::Ongoing;
        next.partitions.extend(partitions.iter().cloned());
        Ok(Some(next))
    }

    /// KIP-890 part 1: a partition leader asks, before the first transactional
    /// write of this producer to `tp`, whether `tp` is in its open transaction.
    pub fn verify_partition(
        &self,
        producer_id: ProducerId,
        epoch: i16,
        tp: &TopicPartition,
    ) -> Result<(), TxnError> {
        self.check_producer(producer_id, epoch)?;
        if self.state == TxnState::Ongoing && self.partitions.contains(tp) {
            Ok(())
        } else {
            Err(TxnError::InvalidTxnState)
        }
    }

    /// EndTxn (Kafka's `TransactionCoordinator.handleEndTransaction`). With
    /// `bump_epoch` (transaction version 2) the Prepare state carries the next
    /// epoch, which the markers write and the producer continues with.
    pub fn end_txn(
        &self,
        producer_id: ProducerId,
        epoch: i16,
        result: TxnResult,
        bump_epoch: bool,
    ) -> Result<EndOutcome, TxnError> {
        if producer_id != self.producer_id {
            return Err(TxnError::InvalidProducerIdMapping);
        }
        let wanted_prepare = match result {
            TxnResult::Commit => TxnState::PrepareCommit,
            TxnResult::Abort => TxnState::PrepareAbort,
        };
        let wanted_complete = match result {
            TxnResult::Commit => TxnState::CompleteCommit,
            TxnResult::Abort => TxnState::CompleteAbort,
        };
        // Version 2: a retry of the EndTxn that bumped the epoch carries the old one.
        let is_retry = bump_epoch
            && self.last_producer_epoch >= 0
            && epoch == self.last_producer_epoch
            && (self.state == wanted_prepare || self.state == wanted_complete);
        if !is_retry {
            self.check_producer(producer_id, epoch)?;
        }
        match self.state {
            TxnState::Ongoing => {
                let mut next = self.clone();
                next.state = wanted_prepare;
                if bump_epoch {
                    next.last_producer_epoch = self.producer_epoch;
                    next.producer_epoch = self.bumped_epoch().unwrap_or(self.producer_epoch);
                }
                Ok(EndOutcome::Prepare(next))
            }
            s if s == wanted_complete => Ok(EndOutcome::AlreadyDone {
                producer_epoch: self.producer_epoch,
            }),
            s if s == wanted_prepare => Err(TxnError::ConcurrentTransactions),
            TxnState::PrepareEpochFence => Err(TxnError::ConcurrentTransactions),
            _ => Err(TxnError::InvalidTxnState),
        }
    }

    /// The coordinator's timer (Kafka's `abortTimedOutTransactions`): an open
    /// transaction older than its timeout is aborted with a bumped epoch, so
    /// the producer that opened it is fenced when it comes back.
    pub fn abort_if_timed_out(&self, now_ms: u64) -> Option<TxnMetadata> {
        if self.state != TxnState::Ongoing || now_ms < self.start_ms.saturating_add(self.timeout_ms)
        {
            return None;
        }
        let mut next = self.clone();
        next.producer_epoch = self.bumped_epoch().unwrap_or(self.producer_epoch);
        next.last_producer_epoch = -1;
        next.state = TxnState::PrepareAbort;
        Some(next)
    }

    /// What the markers of an ending transaction say; `None` unless preparing.
    pub fn marker_result(&self) -> Option<TxnResult> {
        match self.state {
            TxnState::PrepareCommit => Some(TxnResult::Commit),
            TxnState::PrepareAbort | TxnState::PrepareEpochFence => Some(TxnResult::Abort),
            _ => None,
        }
    }

    /// After every marker is written: Complete*, the partitions forgotten.
    pub fn completed(&self) -> TxnMetadata {
        let result = self
            .marker_result()
            .expect("only a transaction being ended completes");
        let mut next = self.clone();
        next.state = match result {
            TxnResult::Commit => TxnState::CompleteCommit,
            TxnResult::Abort => TxnState::CompleteAbort,
        };
        next.partitions.clear();
        next
    }

    /// The Prepare state written for a fence: PrepareEpochFence is Kafka's
    /// in-memory step, never a record of `__transaction_state`. Kafka's
    /// prepareFenceProducerEpoch sets it only as the pending state;
    /// TransactionCoordinator.endTransaction then clears it, keeps the bumped
    /// epoch, and appends PrepareAbort ("We should clear the pending state to
    /// make way for the transition to PrepareAbort and also bump the epoch in
    /// the transaction metadata we are about to append");
    /// TransactionMetadata.completeTransitionTo refuses ever to complete a
    /// transition to PrepareEpochFence. So the log holds PrepareAbort with the
    /// bumped epoch, and a coordinator that loads it after a failover finishes
    /// the abort as any other (tests/txn_fence_failover.rs).
    pub fn as_logged(&self) -> TxnMetadata {
        let mut logged = self.clone();
        if logged.state == TxnState::PrepareEpochFence {
            logged.state = TxnState::PrepareAbort;
        }
        logged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new("t", p)
    }

    fn ongoing() -> TxnMetadata {
        let m = TxnMetadata::new("x", 7, 1_000);
        let InitOutcome::Ready(m) = m.init_producer_id(1_000, 8).unwrap() else {
            panic!("fresh id initialises at once")
        };
        assert_eq!(m.producer_epoch, 1);
        let m = m.add_partitions(7, 1, &[tp(0)], 10).unwrap().unwrap();
        assert_eq!(m.state, TxnState::Ongoing);
        m
    }

    #[test]
    fn commit_goes_through_prepare_to_complete() {
        let m = ongoing();
        let EndOutcome::Prepare(p) = m.end_txn(7, 1, TxnResult::Commit, true).unwrap() else {
            panic!("an open transaction prepares")
        };
        assert_eq!(p.state, TxnState::PrepareCommit);
        assert_eq!(p.producer_epoch, 2, "version 2 bumps at EndTxn");
        // While preparing: no new transaction, no second EndTxn.
        assert_eq!(
            p.add_partitions(7, 2, &[tp(1)], 20),
            Err(TxnError::ConcurrentTransactions)
        );
        let c = p.completed();
        assert_eq!(c.state, TxnState::CompleteCommit);
        assert!(c.partitions.is_empty());
        // A retry with the old epoch is answered as done; an abort is not.
        assert_eq!(
            c.end_txn(7, 1, TxnResult::Commit, true),
            Ok(EndOutcome::AlreadyDone { producer_epoch: 2 })
        );
        assert_eq!(
            c.end_txn(7, 1, TxnResult::Abort, true),
            Err(TxnError::ProducerFenced)
        );
    }

    #[test]
    fn version_1_keeps_the_epoch_so_a_late_end_txn_ends_the_next_transaction() {
        let m = ongoing();
        let EndOutcome::Prepare(p) = m.end_txn(7, 1, TxnResult::Abort, false).unwrap() else {
            panic!("an open transaction prepares")
        };
        assert_eq!(p.producer_epoch, 1);
        let next = p
            .completed()
            .add_partitions(7, 1, &[tp(1)], 50)
            .unwrap()
            .unwrap();
        // The first transaction's delayed EndTxn(commit) commits the second.
        let late = next.end_txn(7, 1, TxnResult::Commit, false).unwrap();
        assert!(matches!(late, EndOutcome::Prepare(ref l) if l.state == TxnState::PrepareCommit));
        // Version 2: the same late request carries an epoch that is fenced.
        let m = ongoing();
        let EndOutcome::Prepare(p) = m.end_txn(7, 1, TxnResult::Abort, true).unwrap() else {
            panic!()
        };
        let next = p
            .completed()
            .add_partitions(7, 2, &[tp(1)], 50)
            .unwrap()
            .unwrap();
        assert_eq!(
            next.end_txn(7, 1, TxnResult::Commit, true),
            Err(TxnError::ProducerFenced)
        );
    }

    #[test]
    fn init_producer_id_fences_and_aborts_an_open_transaction() {
        let m = ongoing();
        let InitOutcome::FenceAndAbort(f) = m.init_producer_id(1_000, 9).unwrap() else {
            panic!("an open transaction is aborted first")
        };
        assert_eq!(f.state, TxnState::PrepareEpochFence);
        assert_eq!(f.producer_epoch, 2);
        assert_eq!(f.as_logged().state, TxnState::PrepareAbort);
        assert_eq!(f.marker_result(), Some(TxnResult::Abort));
        // The old producer is fenced everywhere the coordinator checks.
        assert_eq!(
            f.completed().add_partitions(7, 1, &[tp(0)], 0),
            Err(TxnError::ProducerFenced)
        );
        let InitOutcome::Ready(r) = f.completed().init_producer_id(1_000, 9).unwrap() else {
            panic!("after the abort it initialises")
        };
        assert_eq!(r.producer_epoch, 3);
    }

    #[test]
    fn timeout_aborts_with_a_bumped_epoch() {
        let m = ongoing();
        assert_eq!(m.abort_if_timed_out(1_009), None);
        let a = m.abort_if_timed_out(1_010).unwrap();
        assert_eq!(a.state, TxnState::PrepareAbort);
        assert_eq!(a.producer_epoch, 2);
        assert_eq!(
            a.completed().end_txn(7, 1, TxnResult::Commit, true),
            Err(TxnError::ProducerFenced)
        );
    }

    #[test]
    fn verification_needs_the_partition_in_the_open_transaction() {
        let m = ongoing();
        assert_eq!(m.verify_partition(7, 1, &tp(0)), Ok(()));
        assert_eq!(
            m.verify_partition(7, 1, &tp(3)),
            Err(TxnError::InvalidTxnState)
        );
        assert_eq!(
            m.verify_partition(7, 0, &tp(0)),
            Err(TxnError::ProducerFenced)
        );
    }

    #[test]
    fn an_exhausted_epoch_takes_a_new_producer_id() {
        let mut m = TxnMetadata::new("x", 7, 1_000);
        m.producer_epoch = MAX_EPOCH;
        let InitOutcome::Ready(r) = m.init_producer_id(1_000, 42).unwrap() else {
            panic!()
        };
        assert_eq!((r.producer_id, r.producer_epoch), (42, 0));
    }
}
