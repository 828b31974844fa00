//! The fetch path on a leader, for followers (which also moves the ISR and the HW)
//! and for consumers (who only ever see records below the HW).
use super::controller_link::submit_alter_partition;
use super::BrokerHandle;
use crate::error_code::ErrorCode;
use crate::ids::{deadline_after_ms, now_ms, TopicPartition};
use crate::leader_epoch::UNDEFINED_EPOCH;
use crate::protocol::{FetchData, FollowerFetch, Response};
use tokio::time::Instant;

pub async fn handle(
    h: &BrokerHandle,
    tp: TopicPartition,
    fetch_offset: i64,
    follower: Option<FollowerFetch>,
    max_batches: u32,
    max_wait_ms: u64,
) -> Response {
    let reply = |result| Response::Fetch { result };
    if let Some(f) = follower {
        match record_follower_fetch(h, &tp, fetch_offset, f) {
            Ok(Some(diverging)) => return reply(Ok(diverging)),
            Ok(None) => {}
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
        );
        match data {
            Err(e) => return reply(Err(e)),
            Ok(d) if !d.batches.is_empty() || Instant::now() >= deadline => return reply(Ok(d)),
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
) -> Result<FetchData, ErrorCode> {
    let b = h.state.borrow();
    let r = b
        .replicas
        .get(tp)
        .ok_or(ErrorCode::UnknownTopicOrPartition)?;
    if !r.is_leader() {
        return Err(ErrorCode::NotLeaderOrFollower);
    }
    let disk = b.disk.borrow();
    let log = disk.log(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?;
    let leo = log.log_end_offset();
    if fetch_offset > leo {
        return Err(ErrorCode::OffsetOutOfRange);
    }
    // Followers replicate everything; consumers see only committed records.
    let limit = if is_follower { leo } else { r.high_watermark() };
    Ok(FetchData {
        high_watermark: r.high_watermark(),
        log_end_offset: leo,
        batches: log.read(fetch_offset, limit, max_batches),
        diverging: None,
    })
}

/// A follower's fetch tells the leader the follower's LEO: update its progress, the
/// HW, and maybe the ISR. Returns a divergence answer if the follower must truncate.
fn record_follower_fetch(
    h: &BrokerHandle,
    tp: &TopicPartition,
    fetch_offset: i64,
    f: FollowerFetch,
) -> Result<Option<FetchData>, ErrorCode> {
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
            Some(FetchData {
                high_watermark: r.high_watermark(),
                log_end_offset: leo,
                batches: vec![],
                diverging: Some(d),
            })
        } else {
            propose = r
                .record_follower_fetch(f.replica_id, fetch_offset, log, now_ms())
                .map_err(|_| ErrorCode::NotLeaderOrFollower)?;
            if r.advance_hw(log, min_isr) {
                r.progress().notify_waiters();
            }
            None
        }
    };
    if let Some(proposal) = propose {
        submit_alter_partition(h, proposal);
    }
    Ok(result)
}
