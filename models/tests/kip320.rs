//! KIP-320 on the consumer: a consumer has read records that an unclean
//! election then truncates away, and new records are written into the
//! truncated range. Validating its position against the new leader's epoch
//! cache (OffsetsForLeaderEpoch) it continues from the divergence point and
//! reads each new record once; the pre-KIP-320 consumer
//! (`logjam.legacy.consumer.no.epoch.validation`) either replays from offset 0
//! (its position is past the new log end: OFFSET_OUT_OF_RANGE, reset to
//! earliest) or skips the new records below its position; with
//! `auto.offset.reset=none` the poll fails with LogTruncation.
mod common;
use common::*;
use logjam_models::config::{Acks, AutoOffsetReset, ConsumerConfig};
use logjam_models::consumer::{Consumer, ConsumerError};
use logjam_models::events::{ClusterEvent, TimedEvent, TruncationAction};
use logjam_models::ids::BrokerId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Records the first leader had, all of them on the stale replica too.
const SHARED: u64 = 5;
/// Records only the first leader and the other ISR member had.
const LOST: u64 = 5;
/// New values (written to the uncleanly elected leader) start here.
const NEW_BASE: u64 = 100;
const CLIENT: &str = "consumer";

/// Who reads after the truncation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The consumer that read the first records keeps polling.
    Continuing,
    /// That consumer stops once it has read them; a new one starts after the
    /// truncation from where it stopped, with the epoch of its last record,
    /// as a group member starts from a committed offset and its
    /// committedLeaderEpoch (`seek_with_epoch`).
    RestoredFromCommit,
}

/// What the consumer saw.
struct Run {
    /// (offset, value) in the order polls returned them.
    read: Vec<(i64, u64)>,
    /// Errors polls failed with.
    errors: Vec<ConsumerError>,
    events: Vec<TimedEvent>,
    /// The uncleanly elected leader and its log end when elected.
    stale: BrokerId,
    stale_log_end: i64,
}

/// Leader A and follower O hold `SHARED + LOST` records, the stale replica S
/// only the first `SHARED`; a consumer reads them all from A; A and O crash,
/// S is elected uncleanly, and `new` records are written to it (offsets from
/// `SHARED`) while the consumer cannot reach it; then the consumer reads on.
fn truncated_under_a_consumer(consumer: ConsumerConfig, new: u64) -> Run {
    truncated_under(consumer, new, Reader::Continuing)
}

fn truncated_under(consumer: ConsumerConfig, new: u64, reader: Reader) -> Run {
    let mut c = config(Acks::All, 1);
    c.broker.unclean_leader_election_enable = true;
    let mut t = TestCluster::new(c, 61);
    t.run_for(1_000);
    let a = t.leader();
    let (other, stale) = (t.followers()[0], t.followers()[1]);
    let (_, first) = t.produce(producer_config(Acks::All), (1..=SHARED).collect());
    t.wait_outcomes(&first, SHARED as usize, 5_000);
    assert_eq!(t.log_end(stale), SHARED as i64, "S holds the first records");
    t.cut(a, stale);
    t.cut(other, stale);
    assert!(
        t.run_until(5_000, |t| !t.isr().contains(&stale)),
        "the cut-off follower leaves the ISR"
    );
    let (_, second) = t.produce(
        producer_config(Acks::All),
        (SHARED + 1..=SHARED + LOST).collect(),
    );
    t.wait_outcomes(&second, LOST as usize, 5_000);
    assert_eq!(acked(&second).len(), LOST as usize);

    let read: Rc<RefCell<Vec<(i64, u64)>>> = Rc::default();
    let errors: Rc<RefCell<Vec<ConsumerError>>> = Rc::default();
    let stop = Rc::new(Cell::new(false));
    let all = (SHARED + LOST) as usize;
    // (next offset, leader epoch of the last record) where the first reader stopped.
    let committed: Rc<Cell<Option<(i64, i32)>>> = Rc::default();
    let poll_loop = {
        let (read, errors, stop) = (read.clone(), errors.clone(), stop.clone());
        let (committed, events, consumer) = (committed.clone(), t.cluster.event_log(), consumer);
        move |client: &'static str, start: Option<(i64, i32)>| {
            let (read, errors, stop) = (read.clone(), errors.clone(), stop.clone());
            let (committed, events, consumer) =
                (committed.clone(), events.clone(), consumer.clone());
            async move {
                let mut c = Consumer::new(consumer, 3);
                c.record_events(events, client);
                c.assign(vec![tp0()]);
                match start {
                    None => c.seek(tp0(), 0),
                    Some((offset, epoch)) => c.seek_with_epoch(tp0(), offset, Some(epoch)),
                }
                while !stop.get() {
                    match c.poll().await {
                        Ok(records) => {
                            for r in records {
                                let v =
                                    u64::from_be_bytes(r.record.value.try_into().expect("8 bytes"));
                                read.borrow_mut().push((r.offset, v));
                                committed.set(Some((r.offset + 1, r.leader_epoch)));
                            }
                        }
                        Err(e) => {
                            errors.borrow_mut().push(e);
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                    }
                    if start.is_none()
                        && reader == Reader::RestoredFromCommit
                        && read.borrow().len() >= all
                    {
                        break;
                    }
                }
                Ok(())
            }
        }
    };
    t.sim.client(CLIENT, poll_loop(CLIENT, None));
    assert!(
        t.run_until(10_000, |_| read.borrow().len() >= all),
        "the consumer read every record from the first leader"
    );

    t.cut_client(CLIENT, stale);
    t.crash(a);
    t.crash(other);
    t.repair(a, stale);
    t.repair(other, stale);
    assert!(
        t.run_until(10_000, |t| t.cluster.leader_of(&tp0()) == Some(stale)),
        "the stale replica is elected"
    );
    let stale_log_end = t.log_end(stale);
    let (_, third) = t.produce(
        producer_config(Acks::One),
        (NEW_BASE + 1..=NEW_BASE + new).collect(),
    );
    t.wait_outcomes(&third, new as usize, 10_000);
    assert_eq!(acked(&third).len(), new as usize);
    t.repair_client(CLIENT, stale);
    if reader == Reader::RestoredFromCommit {
        let from = committed.get().expect("the first reader read records");
        assert_eq!(from.0, all as i64);
        t.sim.client("restored", poll_loop("restored", Some(from)));
    }
    t.run_for(5_000);
    stop.set(true);
    let read = read.borrow().clone();
    let errors = errors.borrow().clone();
    Run {
        read,
        errors,
        events: t.events(),
        stale,
        stale_log_end,
    }
}

fn validating() -> ConsumerConfig {
    consumer_config()
}

fn legacy() -> ConsumerConfig {
    let mut c = consumer_config();
    c.legacy_no_epoch_validation = true;
    c
}

fn values(run: &Run) -> Vec<u64> {
    run.read.iter().map(|&(_, v)| v).collect()
}

fn first_records() -> Vec<u64> {
    (1..=SHARED + LOST).collect()
}

fn new_records(new: u64) -> Vec<u64> {
    (NEW_BASE + 1..=NEW_BASE + new).collect()
}

fn truncations(run: &Run) -> Vec<(i64, i64, TruncationAction)> {
    run.events
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::ConsumerTruncationDetected {
                position,
                end_offset,
                action,
                ..
            } => Some((*position, *end_offset, *action)),
            _ => None,
        })
        .collect()
}

fn out_of_range_resets(run: &Run) -> Vec<i64> {
    run.events
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::ConsumerOffsetOutOfRange { position, .. } => Some(*position),
            _ => None,
        })
        .collect()
}

fn assert_unclean_truncation(run: &Run) {
    assert_eq!(
        run.stale_log_end, SHARED as i64,
        "S was elected with only the shared records"
    );
    assert!(
        run.events.iter().any(|e| matches!(
            e.event,
            ClusterEvent::Election { unclean: true, leader, .. } if leader == run.stale
        )),
        "an unclean election of S"
    );
}

/// (a) Both shapes of the schedule: the new log ends below the consumer's
/// position (3 new records) or past it (8). Validation finds the consumer's
/// epoch ending at offset 5 on S, moves the position there, and every new
/// record is read once, right after the old ones: nothing replayed, nothing
/// skipped.
#[test]
fn validation_resets_to_the_divergence_point_and_reads_new_records_once() {
    for new in [3, 8] {
        let run = truncated_under_a_consumer(validating(), new);
        assert_unclean_truncation(&run);
        let expected: Vec<u64> = first_records()
            .into_iter()
            .chain(new_records(new))
            .collect();
        assert_eq!(values(&run), expected, "{new} new records");
        let offsets: Vec<i64> = run.read[(SHARED + LOST) as usize..]
            .iter()
            .map(|&(o, _)| o)
            .collect();
        let expected_offsets: Vec<i64> = (SHARED as i64..(SHARED + new) as i64).collect();
        assert_eq!(offsets, expected_offsets, "new records at 5.., read once");
        assert_eq!(
            truncations(&run),
            vec![(
                (SHARED + LOST) as i64,
                SHARED as i64,
                TruncationAction::ResetToDivergence
            )],
            "the consumer detected the truncation by validating its position"
        );
        assert!(out_of_range_resets(&run).is_empty());
        assert!(run.errors.is_empty(), "{:?}", run.errors);
    }
}

/// (b) The same schedule with the pre-KIP-320 consumer. With 3 new records
/// its position (10) is past S's log end (8): OFFSET_OUT_OF_RANGE, reset to
/// earliest, every shared record read a second time. With 8 it is within S's
/// log (13): it fetches on from 10 and never sees the new records at 5..9.
#[test]
fn legacy_consumer_replays_from_zero_or_skips_the_truncated_range() {
    let replay = truncated_under_a_consumer(legacy(), 3);
    assert_unclean_truncation(&replay);
    let expected: Vec<u64> = first_records()
        .into_iter()
        .chain(1..=SHARED)
        .chain(new_records(3))
        .collect();
    assert_eq!(values(&replay), expected, "replayed from offset 0");
    assert_eq!(out_of_range_resets(&replay), vec![(SHARED + LOST) as i64]);
    assert!(truncations(&replay).is_empty(), "no validation");

    let skip = truncated_under_a_consumer(legacy(), 8);
    assert_unclean_truncation(&skip);
    let expected: Vec<u64> = first_records()
        .into_iter()
        .chain(new_records(8).into_iter().skip(LOST as usize))
        .collect();
    assert_eq!(values(&skip), expected, "new records at 5..9 skipped");
    assert!(out_of_range_resets(&skip).is_empty());
    assert!(truncations(&skip).is_empty(), "no validation");
}

/// A position restored from a committed offset and its epoch (as a group
/// member's) is validated before the first fetch too: it starts at the
/// divergence point; the legacy consumer, with no epoch to validate, is out
/// of range and replays from 0.
#[test]
fn a_position_restored_with_its_epoch_is_validated() {
    let run = truncated_under(validating(), 3, Reader::RestoredFromCommit);
    assert_unclean_truncation(&run);
    let expected: Vec<u64> = first_records().into_iter().chain(new_records(3)).collect();
    assert_eq!(values(&run), expected);
    assert_eq!(
        truncations(&run),
        vec![(
            (SHARED + LOST) as i64,
            SHARED as i64,
            TruncationAction::ResetToDivergence
        )]
    );

    let legacy = truncated_under(legacy(), 3, Reader::RestoredFromCommit);
    let expected: Vec<u64> = first_records()
        .into_iter()
        .chain(1..=SHARED)
        .chain(new_records(3))
        .collect();
    assert_eq!(values(&legacy), expected, "replayed from offset 0");
    assert!(truncations(&legacy).is_empty());
}

/// (c) With `auto.offset.reset=none` the truncation is the application's to
/// handle: every poll fails with LogTruncation naming the divergence point,
/// and nothing after it is read.
#[test]
fn auto_offset_reset_none_raises_log_truncation() {
    let mut c = validating();
    c.auto_offset_reset = AutoOffsetReset::None;
    let run = truncated_under_a_consumer(c, 3);
    assert_unclean_truncation(&run);
    assert_eq!(
        values(&run),
        first_records(),
        "nothing after the truncation"
    );
    assert!(!run.errors.is_empty(), "the poll failed");
    for e in &run.errors {
        assert_eq!(
            *e,
            ConsumerError::LogTruncation {
                tp: tp0(),
                offset: (SHARED + LOST) as i64,
                divergent_offset: Some(SHARED as i64),
            }
        );
    }
    let detected = truncations(&run);
    assert!(!detected.is_empty());
    assert!(detected
        .iter()
        .all(|&(_, _, action)| action == TruncationAction::Raised));
}
