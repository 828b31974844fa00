//! The fetch path on a leader, for followers (which also moves the ISR and the HW)
//! and for consumers (who only ever see records below the HW; read_committed
//! ones only below the last stable offset, with the aborted transactions of
//! the range).
use super::controller_link::submit_alter_partition;
use super::replica::Replica;
use super::BrokerHandle;
use crate::config::IsolationLevel;
use crate::error_code::ErrorCode;
use crate::ids::{deadline_after_ms, now_ms, TopicPartition};
use crate::leader_epoch::UNDEFINED_EPOCH;
use crate::log::PartitionLog;
use crate::protocol::{FetchData, FollowerFetch, ListedOffset, OffsetSpec, Response};
use std::collections::BTreeMap;
use tokio::time::Instant;

pub async fn handle(
    h: &BrokerHandle,
    tp: TopicPartition,
    fetch_offset: i64,
    follower: Option<FollowerFetch>,
    max_batches: u32,
    max_wait_ms: u64,
    isolation: IsolationLevel,
) -> Response {
    let reply = |result| Response::Fetch { result };
    // The HW a follower's answer carries if it is answered at once: the one
    // from before this fetch moved it. Kafka's leader reads the log and its
    // HW first and only then records the follower's offset, which may advance
    // the HW (Partition.fetchRecords: readRecords, then
    // updateFollowerFetchState), so a follower learns an HW its own fetch
    // made one fetch later: the window KIP-101's scenarios live in.
    let mut hw_before_fetch = None;
    if let Some(f) = follower {
        match record_follower_fetch(h, &tp, fetch_offset, f) {
            Ok(FollowerFetchRecorded::Diverging(diverging)) => return reply(Ok(diverging)),
            Ok(FollowerFetchRecorded::Progress { hw_before }) => hw_before_fetch = Some(hw_before),
            Err(e) => return reply(Err(e)),
        }
    }
    let deadline = deadline_after_ms(max_wait_ms);
    let progress = h
        .state
        .borrow()
        .replicas
        .get(&tp)
        .map(|r| r.progress().clone());
    let Some(progress) = progress else {
        return reply(Err(ErrorCode::UnknownTopicOrPartition));
    };
    loop {
        let notified = progress.notified();
        let data = read(
            h,
            &tp,
            fetch_offset,
            follower.is_some(),
            max_batches as usize,
            isolation,
        );
        // Only the first read answers with the HW from before the fetch; a
        // parked fetch reads again when it completes and carries the HW of
        // that moment (Kafka's DelayedFetch.onComplete reads the log anew).
        let hw_before = hw_before_fetch.take();
        match data {
            Err(e) => return reply(Err(e)),
            Ok(mut d) if !d.batches.is_empty() || Instant::now() >= deadline => {
                if let Some(hw) = hw_before {
                    d.high_watermark = hw;
                }
                return reply(Ok(d));
            }
            Ok(_) => {}
        }
        tokio::select! {
            biased;
            _ = notified => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

fn read(
    h: &BrokerHandle,
    tp: &TopicPartition,
    fetch_offset: i64,
    is_follower: bool,
    max_batches: usize,
    isolation: IsolationLevel,
) -> Result<FetchData, ErrorCode> {
    with_leader_log(h, tp, |r, log| {
        read_led(r, log, fetch_offset, is_follower, max_batches, isolation)
    })
}

/// [`read`] on a partition this broker leads.
fn read_led(
    r: &Replica,
    log: &PartitionLog,
    fetch_offset: i64,
    is_follower: bool,
    max_batches: usize,
    isolation: IsolationLevel,
) -> Result<FetchData, ErrorCode> {
    let leo = log.log_end_offset();
    if fetch_offset > leo {
        return Err(ErrorCode::OffsetOutOfRange);
    }
    let hw = r.high_watermark();
    let lso = last_stable_offset(r, log);
    // Followers replicate everything; consumers see only committed records.
    let limit = match (is_follower, isolation) {
        (true, _) => leo,
        (false, IsolationLevel::ReadUncommitted) => hw,
        (false, IsolationLevel::ReadCommitted) => lso,
    };
    let batches = log.read(fetch_offset, limit, max_batches);
    let aborted = match (is_follower, isolation, batches.last()) {
        (false, IsolationLevel::ReadCommitted, Some(last)) => {
            log.producers().aborted_in(fetch_offset, last.next_offset())
        }
        _ => Vec::new(),
    };
    Ok(FetchData {
        high_watermark: hw,
        log_end_offset: leo,
        batches,
        diverging: None,
        last_stable_offset: lso,
        aborted,
    })
}

/// The LSO: no read_committed consumer reads past an open transaction.
fn last_stable_offset(r: &Replica, log: &PartitionLog) -> i64 {
    let hw = r.high_watermark();
    log.producers()
        .first_unstable_offset()
        .map_or(hw, |first| first.min(hw))
}

/// ListOffsets on the leader of `tp` (Kafka's Partition.fetchOffsetForTimestamp):
/// `Latest` is the last fetchable offset for the isolation level, the LSO
/// under read_committed and the HW under read_uncommitted, so a
/// read_committed consumer reset to latest starts at the first offset of the
/// oldest open transaction rather than past it; it carries the current
/// leader epoch. `Earliest` is the log start (always 0 here: no retention).
pub fn list_offsets(
    h: &BrokerHandle,
    tp: &TopicPartition,
    spec: OffsetSpec,
    isolation: IsolationLevel,
) -> Result<ListedOffset, ErrorCode> {
    let b = h.state.borrow();
    let r = leader_replica(&b.replicas, tp)?;
    Ok(match spec {
        OffsetSpec::Earliest => ListedOffset {
            offset: 0,
            leader_epoch: None,
        },
        OffsetSpec::Latest => {
            let offset = match isolation {
                IsolationLevel::ReadUncommitted => r.high_watermark(),
                IsolationLevel::ReadCommitted => b
                    .disk
                    .borrow()
                    .log(tp)
                    .map_or(r.high_watermark(), |log| last_stable_offset(r, log)),
            };
            ListedOffset {
                offset,
                leader_epoch: Some(r.leader_epoch()),
            }
        }
    })
}

/// This broker's replica of `tp`, which it must lead:
/// UNKNOWN_TOPIC_OR_PARTITION without one, NOT_LEADER_OR_FOLLOWER if it
/// follows (consumers and followers read from the leader only).
fn leader_replica<'a>(
    replicas: &'a BTreeMap<TopicPartition, Replica>,
    tp: &TopicPartition,
) -> Result<&'a Replica, ErrorCode> {
    let r = replicas.get(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?;
    if !r.is_leader() {
        return Err(ErrorCode::NotLeaderOrFollower);
    }
    Ok(r)
}

/// `f` on this broker's replica and log of `tp`, which it must lead
/// ([`leader_replica`]); UNKNOWN_TOPIC_OR_PARTITION without a log.
fn with_leader_log<T>(
    h: &BrokerHandle,
    tp: &TopicPartition,
    f: impl FnOnce(&Replica, &PartitionLog) -> Result<T, ErrorCode>,
) -> Result<T, ErrorCode> {
    let b = h.state.borrow();
    let r = leader_replica(&b.replicas, tp)?;
    let disk = b.disk.borrow();
    let log = disk.log(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?;
    f(r, log)
}

/// KIP-320's check of the leader epoch a consumer believes current, before
/// anything is read for it (Kafka's Partition.getLocalLog with
/// checkCurrentLeaderEpoch): an older epoch is FENCED_LEADER_EPOCH (the
/// consumer missed a leader change and must refresh its metadata), a newer one
/// UNKNOWN_LEADER_EPOCH (this broker has not heard of it yet). `None`, from a
/// client that sends no epoch, is never fenced.
pub fn check_consumer_epoch(
    h: &BrokerHandle,
    tp: &TopicPartition,
    current_leader_epoch: Option<i32>,
) -> Result<(), ErrorCode> {
    let b = h.state.borrow();
    let r = b
        .replicas
        .get(tp)
        .ok_or(ErrorCode::UnknownTopicOrPartition)?;
    match current_leader_epoch {
        Some(e) if e < r.leader_epoch() => Err(ErrorCode::FencedLeaderEpoch),
        Some(e) if e > r.leader_epoch() => Err(ErrorCode::UnknownLeaderEpoch),
        _ => Ok(()),
    }
}

/// A consumer's OffsetsForLeaderEpoch (KIP-320), answered by the leader from
/// its epoch cache as it answers a follower's divergence check (Kafka's
/// Partition.lastOffsetForLeaderEpoch with fetchOnlyFromLeader): the largest
/// epoch at most `leader_epoch` and where it ends, the log end for the latest.
pub fn offsets_for_leader_epoch(
    h: &BrokerHandle,
    tp: &TopicPartition,
    current_leader_epoch: Option<i32>,
    leader_epoch: i32,
) -> Response {
    let result = check_consumer_epoch(h, tp, current_leader_epoch).and_then(|()| {
        with_leader_log(h, tp, |_, log| {
            Ok(log
                .epochs
                .end_offset_for(leader_epoch, log.log_end_offset()))
        })
    });
    Response::OffsetsForLeaderEpoch { result }
}

/// What a follower's fetch did on the leader.
enum FollowerFetchRecorded {
    /// The logs diverge: the answer tells the follower where to truncate.
    Diverging(FetchData),
    /// The follower's progress was recorded; `hw_before` is the leader's HW
    /// from before this fetch moved it.
    Progress { hw_before: i64 },
}

/// A follower's fetch tells the leader the follower's LEO: update its progress, the
/// HW, and maybe the ISR. Returns a divergence answer if the follower must truncate.
fn record_follower_fetch(
    h: &BrokerHandle,
    tp: &TopicPartition,
    fetch_offset: i64,
    f: FollowerFetch,
) -> Result<FollowerFetchRecorded, ErrorCode> {
    let mut propose = None;
    let result = {
        let mut guard = h.state.borrow_mut();
        let b = &mut *guard;
        let legacy = b.config.legacy_hw_truncation;
        let min_isr = b.min_insync_replicas(tp);
        let r = b
            .replicas
            .get_mut(tp)
            .ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if !r.is_leader() {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if f.leader_epoch < r.leader_epoch() {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if f.leader_epoch > r.leader_epoch() {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        let disk = b.disk.borrow();
        let log = disk.log(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?;
        let leo = log.log_end_offset();
        let diverging = if legacy {
            // Pre-KIP-101 there is no epoch check: a follower past our end truncates to it.
            (fetch_offset > leo).then_some((UNDEFINED_EPOCH, leo))
        } else {
            f.last_fetched_epoch.and_then(|last| {
                let (epoch, end) = log.epochs.end_offset_for(last, leo);
                (epoch < last || end < fetch_offset).then_some((epoch, end))
            })
        };
        if let Some(d) = diverging {
            FollowerFetchRecorded::Diverging(FetchData {
                high_watermark: r.high_watermark(),
                log_end_offset: leo,
                batches: vec![],
                diverging: Some(d),
                last_stable_offset: r.high_watermark(),
                aborted: Vec::new(),
            })
        } else {
            let hw_before = r.high_watermark();
            propose = r
                .record_follower_fetch(f.replica_id, fetch_offset, log, now_ms())
                .map_err(|_| ErrorCode::NotLeaderOrFollower)?;
            if r.advance_hw(log, min_isr) {
                r.progress().notify_waiters();
            }
            FollowerFetchRecorded::Progress { hw_before }
        }
    };
    if let Some(proposal) = propose {
        submit_alter_partition(h, proposal);
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::super::{replica::Replica, Broker};
    use super::*;
    use crate::batch::{Record, RecordBatch};
    use crate::config::{BrokerConfig, TopicConfig};
    use crate::ids::{CONTROLLER_HOST, CONTROLLER_PORT};
    use crate::metadata::{MetadataImage, PartitionState};
    use crate::rpc::Channel;
    use crate::storage::Disk;
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use tokio::sync::Mutex;

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    /// Broker 1 leading `t-0` at epoch 0 with ISR {1, 2} and `records`
    /// records, none of them fetched by 2 yet (HW 0).
    fn leader_with(records: u8) -> BrokerHandle {
        let config = BrokerConfig::scaled_for_simulation();
        let topic = TopicConfig {
            name: "t".into(),
            partitions: 1,
            replication_factor: 2,
            ..TopicConfig::default()
        };
        let disk = Disk::shared();
        let mut replica = Replica::new(tp(), 0);
        {
            let mut d = disk.borrow_mut();
            let log = d.log_mut(&tp());
            let state = PartitionState {
                replicas: vec![1, 2],
                leader: Some(1),
                leader_epoch: 0,
                isr: vec![1, 2],
                elr: Vec::new(),
                last_known_elr: Vec::new(),
                partition_epoch: 0,
            };
            replica.apply(1, &state, log, false, 0);
            for v in 0..records {
                append(log, v);
            }
        }
        let topics = BTreeMap::from([("t".to_string(), topic.effective(&config))]);
        BrokerHandle {
            state: Rc::new(RefCell::new(Broker {
                id: 1,
                incarnation: 1,
                config,
                topics,
                disk,
                replicas: BTreeMap::from([(tp(), replica)]),
                image: MetadataImage::default(),
                events: Default::default(),
            })),
            controller: Rc::new(Mutex::new(Channel::new(CONTROLLER_HOST, CONTROLLER_PORT))),
            groups: Rc::default(),
            txns: Rc::default(),
        }
    }

    fn append(log: &mut crate::log::PartitionLog, v: u8) {
        log.append_as_leader(
            RecordBatch::new(vec![Record {
                key: None,
                value: vec![v],
            }]),
            0,
        );
    }

    /// Broker 2's fetch from `offset`, answered at once (no long poll).
    fn follower_fetch(h: &BrokerHandle, offset: i64, max_wait_ms: u64) -> FetchData {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let follower = FollowerFetch {
            replica_id: 2,
            leader_epoch: 0,
            last_fetched_epoch: (offset > 0).then_some(0),
        };
        match rt.block_on(handle(
            h,
            tp(),
            offset,
            Some(follower),
            64,
            max_wait_ms,
            IsolationLevel::ReadUncommitted,
        )) {
            Response::Fetch { result: Ok(d) } => d,
            other => panic!("expected fetch data, got {other:?}"),
        }
    }

    fn leader_hw(h: &BrokerHandle) -> i64 {
        h.state.borrow().replicas[&tp()].high_watermark()
    }

    fn offsets(d: &FetchData) -> Vec<i64> {
        d.batches.iter().map(|b| b.base_offset).collect()
    }

    /// The answer to a follower carries the HW from before the fetch moved
    /// it (Kafka reads, then updates the follower's state): a follower that
    /// fetched up to offset N learns HW = N only from its next fetch.
    #[test]
    fn a_follower_learns_the_hw_its_fetch_moved_one_fetch_later() {
        let h = leader_with(2);
        let first = follower_fetch(&h, 0, 0);
        assert_eq!(offsets(&first), vec![0, 1]);
        assert_eq!(first.high_watermark, 0);
        assert_eq!(leader_hw(&h), 0, "2 has not said it holds them yet");

        // One more record arrives; 2's next fetch, from offset 2, tells the
        // leader it holds 0 and 1: the HW moves to 2 on the leader, but the
        // answer (which reads record 2) still carries 0.
        append(h.state.borrow().disk.borrow_mut().log_mut(&tp()), 2);
        let second = follower_fetch(&h, 2, 0);
        assert_eq!(offsets(&second), vec![2]);
        assert_eq!(leader_hw(&h), 2);
        assert_eq!(second.high_watermark, 0, "the HW from before this fetch");

        // The fetch after that is where 2 learns HW = 2 (and moves it to 3).
        let third = follower_fetch(&h, 3, 0);
        assert!(third.batches.is_empty());
        assert_eq!(third.high_watermark, 2);
        assert_eq!(leader_hw(&h), 3);
    }

    /// KIP-320 on the leader: a consumer's current leader epoch is checked
    /// before anything is read (older: FENCED_LEADER_EPOCH, newer:
    /// UNKNOWN_LEADER_EPOCH, none: a pre-KIP-320 client, never fenced), and
    /// OffsetsForLeaderEpoch answers from the epoch cache: an older epoch ends
    /// where the next one starts, the current one at the log end.
    #[test]
    fn a_consumer_epoch_is_checked_and_its_end_comes_from_the_epoch_cache() {
        let h = leader_with(3);
        {
            let mut guard = h.state.borrow_mut();
            let b = &mut *guard;
            let mut disk = b.disk.borrow_mut();
            let log = disk.log_mut(&tp());
            let state = PartitionState {
                replicas: vec![1, 2],
                leader: Some(1),
                leader_epoch: 2,
                isr: vec![1, 2],
                partition_epoch: 1,
                elr: vec![],
                last_known_elr: vec![],
            };
            b.replicas
                .get_mut(&tp())
                .expect("replica")
                .apply(1, &state, log, false, 0);
            log.append_as_leader(RecordBatch::new(vec![]), 2);
        }
        assert_eq!(check_consumer_epoch(&h, &tp(), Some(2)), Ok(()));
        assert_eq!(check_consumer_epoch(&h, &tp(), None), Ok(()));
        assert_eq!(
            check_consumer_epoch(&h, &tp(), Some(0)),
            Err(ErrorCode::FencedLeaderEpoch)
        );
        assert_eq!(
            check_consumer_epoch(&h, &tp(), Some(3)),
            Err(ErrorCode::UnknownLeaderEpoch)
        );
        let answer = |current, epoch| match offsets_for_leader_epoch(&h, &tp(), current, epoch) {
            Response::OffsetsForLeaderEpoch { result } => result,
            other => panic!("expected an epoch end, got {other:?}"),
        };
        assert_eq!(
            answer(Some(2), 0),
            Ok((0, 3)),
            "epoch 0 ends where 2 starts"
        );
        assert_eq!(answer(Some(2), 1), Ok((0, 3)), "no epoch 1: the one before");
        assert_eq!(
            answer(Some(2), 2),
            Ok((2, 4)),
            "the current epoch: the log end"
        );
        assert_eq!(answer(Some(1), 0), Err(ErrorCode::FencedLeaderEpoch));
    }

    /// A fetch with nothing to read waits (`replica.fetch.wait.max.ms`) and
    /// reads again when it completes, as Kafka's DelayedFetch does: that read
    /// carries the HW of that moment, the one this fetch moved included.
    #[test]
    fn a_parked_follower_fetch_answers_with_the_hw_when_it_completes() {
        let h = leader_with(2);
        let first = follower_fetch(&h, 0, 0);
        assert_eq!(first.high_watermark, 0);
        let parked = follower_fetch(&h, 2, 100);
        assert!(parked.batches.is_empty());
        assert_eq!(leader_hw(&h), 2);
        assert_eq!(parked.high_watermark, 2);
    }
}
