//! The send loop's decisions after a batch fails, without a network: what is
//! retried, what fails, and what an idempotence session reset does (KIP-360).
use super::*;
use crate::batch::Record;
use crate::producer::batch::{PendingRecord, SendOutcome};
use tokio::sync::oneshot;

const OLD_SESSION: (ProducerId, i16) = (7, 0);
const NEW_SESSION: (ProducerId, i16) = (8, 0);

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
        b.sequenced_by = s.producer_id;
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

#[test]
fn batches_sent_before_a_producer_id_reset_fail_instead_of_being_resent() {
    let mut s = sender();
    let (a, mut a_rx) = batch(&mut s, 1, Some(0), 2);
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    let (c, _c_rx) = batch(&mut s, 3, None, 0);
    s.accumulator.borrow_mut().reenqueue(c, true);
    // B's first attempt timed out: it may be in the log; it waits for a retry.
    s.on_produced(1, b, timed_out(), Some(0));
    assert_eq!(queued(&s), vec![(2, 1), (3, NO_SEQUENCE)]);
    // A times out again, with no retries left: a gap, so a new session.
    s.on_produced(1, a, timed_out(), Some(0));
    assert_eq!(s.producer_id, None, "the session ends");
    let a_err = a_rx.try_recv().expect("A has its outcome").unwrap_err();
    assert!(!a_err.definitely_failed, "A may have been written");
    // B is not resent under the next producer id, which could write it twice.
    let b_err = b_rx
        .try_recv()
        .expect("B fails with the session")
        .unwrap_err();
    assert_eq!(
        b_err.error, "REQUEST_TIMEOUT",
        "B fails with its own last error"
    );
    assert!(!b_err.definitely_failed, "B may have been written: unknown");
    // C was never sent: it is numbered in the new session when drained.
    assert_eq!(queued(&s), vec![(3, NO_SEQUENCE)]);
}

#[test]
fn a_batch_in_flight_across_a_reset_is_not_retried_under_the_new_id() {
    let mut s = sender();
    let (a, _a_rx) = batch(&mut s, 1, Some(0), 2);
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    s.on_produced(1, a, timed_out(), Some(0));
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
    assert_eq!(
        s.producer_id,
        Some(NEW_SESSION),
        "a batch of the old session failing does not end the new one"
    );
}

#[test]
fn a_batch_in_flight_across_a_reset_that_lands_is_acknowledged() {
    let mut s = sender();
    let (a, _a_rx) = batch(&mut s, 1, Some(0), 2);
    let (b, mut b_rx) = batch(&mut s, 2, Some(1), 1);
    s.on_produced(1, a, timed_out(), Some(0));
    s.on_event(Event::ProducerId(Some(NEW_SESSION)));
    let landed = Ok(Response::Produce { result: Ok(41) });
    s.on_produced(1, b, landed, Some(0));
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
