//! The send loop's decisions after a batch fails, without a network: what is
//! retried, what fails, and what an idempotence session reset does (KIP-360).
use super::*;
use crate::batch::Record;
use crate::producer::batch::{PendingRecord, SendOutcome};
use tokio::sync::oneshot;

const OLD_SESSION: (ProducerId, i16) = (7, 0);
const NEW_SESSION: (ProducerId, i16) = (8, 0);
const BUMPED: (ProducerId, i16) = (7, 1);

fn tp() -> TopicPartition {
    TopicPartition::new("orders", 0)
}

/// An idempotent sender in session `OLD_SESSION` that retries a batch once.
fn sender() -> Sender {
    let mut config = ProducerConfig::scaled_for_simulation();
    config.retries = 1;
    let (events, _) = mpsc::unbounded_channel();
    let mut s = Sender::new(config, 3, Rc::default(), events);
    assert!(s.idempotent);
    s.producer_id = Some(OLD_SESSION);
    s.sequences
        .insert(tp(), PartitionSequences::new(OLD_SESSION));
    s
}

/// A one-record batch, numbered `seq` in the current session (`None`: not
/// numbered) and sent `attempts` times (0: never sent). A sent batch has its
/// last request in flight to broker 1, counted as `drain` counts it.
fn batch(
    s: &mut Sender,
    id: u64,
    seq: Option<i32>,
    attempts: u32,
) -> (ProducerBatch, oneshot::Receiver<SendOutcome>) {
    let (reply, rx) = oneshot::channel();
    let mut b = ProducerBatch::new(id, tp(), 0);
    b.records.push(PendingRecord {
        record: Record {
            key: None,
            value: vec![id as u8],
        },
        reply,
    });
    if let Some(seq) = seq {
        b.base_sequence = seq;
        b.sequenced_by = s.sequences.get(&b.tp).map(|p| p.session);
        let p = s.sequences.get_mut(&b.tp).expect("numbered");
        p.next = p.next.max(seq + 1);
    }
    b.attempts = attempts;
    if attempts > 0 {
        *s.in_flight.entry(1).or_default() += 1;
        *s.in_flight_by_partition.entry(tp()).or_default() += 1;
    }
    (b, rx)
}

fn queued(s: &Sender) -> Vec<(u64, i32)> {
    let acc = s.accumulator.borrow();
    acc.queues
        .values()
        .flatten()
        .map(|b| (b.id, b.base_sequence))
        .collect()
}

fn timed_out() -> Result<Response, RpcError> {
    Err(RpcError::Timeout)
}

fn out_of_order() -> Result<Response, RpcError> {
    Ok(Response::Produce {
        result: Err(ErrorCode::OutOfOrderSequenceNumber),
    })
}

fn acked(offset: i64) -> Result<Response, RpcError> {
    Ok(Response::Produce { result: Ok(offset) })
}

/// A batch numbered `seq` whose attempt timed out (it may have been written),
/// waiting in the queue for a retry when `delivery.timeout.ms` runs out.
fn expired(s: &mut Sender, id: u64, seq: i32) -> (ProducerBatch, oneshot::Receiver<SendOutcome>) {
    let (mut b, rx) = batch(s, id, Some(seq), 0);
    b.attempts = 1;
    b.maybe_written = true;
    (b, rx)
}

fn seqs(s: &Sender) -> PartitionSequences {
    s.sequences[&tp()].clone()
}

#[test]
fn out_of_order_on_the_next_expected_batch_bumps_the_epoch_and_renumbers() {
    let mut s = sender();
    let (a, _a_rx) = batch(&mut s, 1, Some(0), 1);
    s.on_produced(1, a, acked(10), Some(0));
    assert_eq!(seqs(&s).last_acked, 0);
    // B (sequence 1) is the next expected: the leader lost our state.
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    let (c, mut c_rx) = batch(&mut s, 3, Some(2), 1);
    s.on_produced(1, b, out_of_order(), Some(0));
    assert!(s.epoch_bump_for.contains(&tp()), "KIP-360: an epoch bump");
    // C, behind it, is not the next expected: retried, no second bump needed.
    s.on_produced(1, c, out_of_order(), Some(0));
    assert!(
        b_rx.try_recv().is_err() && c_rx.try_recv().is_err(),
        "no outcome"
    );
    s.bump_epoch_if_needed();
    assert_eq!(s.producer_id, Some(BUMPED), "same producer id, epoch + 1");
    assert!(s.epoch_bump_for.is_empty());
    assert_eq!(
        queued(&s),
        vec![(2, 0), (3, 1)],
        "renumbered from 0, in order"
    );
    let acc = s.accumulator.borrow();
    assert!(acc.queues[&tp()]
        .iter()
        .all(|b| b.sequenced_by == Some(BUMPED)));
    drop(acc);
    assert_eq!(
        seqs(&s),
        PartitionSequences {
            session: BUMPED,
            next: 2,
            last_acked: -1,
            unresolved: None
        }
    );
}

#[test]
fn the_bump_waits_for_the_partitions_requests_in_flight() {
    let mut s = sender();
    let (a, _a_rx) = batch(&mut s, 1, Some(0), 1);
    let (b, _b_rx) = batch(&mut s, 2, Some(1), 1);
    s.on_produced(1, a, out_of_order(), Some(0));
    s.bump_epoch_if_needed();
    assert_eq!(
        s.producer_id,
        Some(OLD_SESSION),
        "B is still in flight under epoch 0"
    );
    s.on_produced(1, b, out_of_order(), Some(0));
    s.bump_epoch_if_needed();
    assert_eq!(s.producer_id, Some(BUMPED));
    assert_eq!(queued(&s), vec![(1, 0), (2, 1)]);
}

#[test]
fn out_of_order_on_a_batch_that_is_not_the_next_expected_is_retried_without_a_bump() {
    let mut s = sender();
    let (_a, _a_rx) = batch(&mut s, 1, Some(0), 1);
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    // A (sequence 0) is still in flight: B may only be ahead of it.
    s.on_produced(1, b, out_of_order(), Some(0));
    assert!(
        s.epoch_bump_for.is_empty(),
        "no bump for a batch behind another"
    );
    assert!(b_rx.try_recv().is_err(), "B is retried");
    assert_eq!(queued(&s), vec![(2, 1)], "same sequence");
}

#[test]
fn an_expired_batch_leaves_its_sequence_unresolved_until_a_later_one_is_acked() {
    let mut s = sender();
    let (a, mut a_rx) = expired(&mut s, 1, 0);
    let (b, _b_rx) = batch(&mut s, 2, Some(1), 1);
    s.give_up(a, "DELIVERY_TIMEOUT");
    let err = a_rx.try_recv().expect("A fails").unwrap_err();
    assert!(!err.definitely_failed, "A may have been written: unknown");
    assert_eq!(seqs(&s).unresolved, Some(1));
    // No new batch is numbered for the partition meanwhile; B, numbered, goes.
    assert!(partition_blocked(Some(&seqs(&s)), false, false));
    assert!(!partition_blocked(Some(&seqs(&s)), false, true));
    s.maybe_resolve_sequences();
    assert_eq!(
        seqs(&s).unresolved,
        Some(1),
        "B still in flight: not known yet"
    );
    // B acknowledged: the broker took sequence 1, so it had sequence 0.
    s.on_produced(1, b, acked(5), Some(0));
    s.maybe_resolve_sequences();
    assert_eq!(seqs(&s).unresolved, None, "resolved");
    assert!(s.epoch_bump_for.is_empty(), "no bump: sequences go on");
    assert_eq!(s.producer_id, Some(OLD_SESSION));
}

#[test]
fn an_unresolved_sequence_that_cannot_be_resolved_bumps_the_epoch() {
    let mut s = sender();
    let (a, _a_rx) = expired(&mut s, 1, 0);
    s.give_up(a, "DELIVERY_TIMEOUT");
    // Nothing else in flight: whether sequence 0 was written cannot be known.
    s.maybe_resolve_sequences();
    assert!(s.epoch_bump_for.contains(&tp()));
    s.bump_epoch_if_needed();
    assert_eq!(seqs(&s), PartitionSequences::new(BUMPED));
}

#[test]
fn out_of_order_right_after_an_unresolved_sequence_bumps_the_epoch() {
    let mut s = sender();
    let (a, _a_rx) = expired(&mut s, 1, 0);
    let (b, _b_rx) = batch(&mut s, 2, Some(1), 1);
    let (c, _c_rx) = batch(&mut s, 3, Some(2), 1);
    s.give_up(a, "DELIVERY_TIMEOUT");
    // C is not right after the unresolved sequence: wait and see.
    s.on_produced(1, c, out_of_order(), Some(0));
    assert!(s.epoch_bump_for.is_empty());
    // B is: the broker never got sequence 0, there is a gap.
    s.on_produced(1, b, out_of_order(), Some(0));
    assert!(s.epoch_bump_for.contains(&tp()));
    s.bump_epoch_if_needed();
    assert_eq!(queued(&s), vec![(2, 0), (3, 1)]);
    assert_eq!(seqs(&s).unresolved, None);
}

#[test]
fn a_failure_on_one_partition_fails_nothing_on_another() {
    let mut s = sender();
    let other = TopicPartition::new("orders", 1);
    s.sequences
        .insert(other.clone(), PartitionSequences::new(OLD_SESSION));
    let (mut x, mut x_rx) = batch(&mut s, 9, None, 0);
    x.tp = other.clone();
    x.base_sequence = 0;
    x.sequenced_by = Some(OLD_SESSION);
    s.accumulator.borrow_mut().reenqueue(x, true);
    let (a, _a_rx) = batch(&mut s, 1, Some(0), 1);
    s.on_produced(1, a, out_of_order(), Some(0));
    s.bump_epoch_if_needed();
    assert!(
        x_rx.try_recv().is_err(),
        "the other partition's batch waits for its retry"
    );
    assert_eq!(
        s.sequences[&other].session, OLD_SESSION,
        "its epoch is not bumped"
    );
    let acc = s.accumulator.borrow();
    assert_eq!(acc.queues[&other][0].sequenced_by, Some(OLD_SESSION));
}

#[test]
fn a_certain_gap_bumps_the_epoch_at_once() {
    let mut s = sender();
    let (a, mut a_rx) = batch(&mut s, 1, Some(0), 1);
    s.give_up(a, "NOT_ENOUGH_REPLICAS");
    assert!(
        a_rx.try_recv()
            .expect("A fails")
            .unwrap_err()
            .definitely_failed
    );
    assert!(
        s.epoch_bump_for.contains(&tp()),
        "never written: a certain gap"
    );
}

#[test]
fn a_batch_in_flight_across_a_producer_id_reset_is_not_retried_under_the_new_id() {
    let mut s = sender();
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    s.reset_producer_id("PRODUCER_EPOCH_EXHAUSTED");
    s.on_event(Event::ProducerId(Some(NEW_SESSION)));
    assert_eq!(s.producer_id, Some(NEW_SESSION));
    // B was in flight all along; its answer proves it was not written.
    let refused = Ok(Response::Produce {
        result: Err(ErrorCode::NotEnoughReplicas),
    });
    s.on_produced(1, b, refused, Some(0));
    let b_err = b_rx.try_recv().expect("B is not retried").unwrap_err();
    assert!(
        b_err.definitely_failed,
        "B was refused: definitely not written"
    );
    assert!(queued(&s).is_empty(), "nothing goes back to the queue");
    assert_eq!(s.producer_id, Some(NEW_SESSION));
    assert!(
        s.epoch_bump_for.is_empty(),
        "an old session's batch bumps nothing"
    );
}

#[test]
fn a_batch_in_flight_across_a_reset_that_lands_is_acknowledged() {
    let mut s = sender();
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    s.reset_producer_id("PRODUCER_EPOCH_EXHAUSTED");
    s.on_event(Event::ProducerId(Some(NEW_SESSION)));
    s.on_produced(1, b, acked(41), Some(0));
    assert_eq!(b_rx.try_recv().expect("B has its outcome"), Ok(Some(41)));
}

#[test]
fn a_retriable_failure_in_the_current_session_is_retried() {
    let mut s = sender();
    let (b, mut b_rx) = batch(&mut s, 2, Some(0), 1);
    s.on_produced(1, b, timed_out(), Some(0));
    assert!(b_rx.try_recv().is_err(), "no outcome yet");
    assert_eq!(queued(&s), vec![(2, 0)], "back in the queue, same sequence");
    assert_eq!(s.producer_id, Some(OLD_SESSION));
}
