//! Retries, no idempotence, several batches in flight: both batches fail with a
//! retriable error, Kafka re-enqueues each at the front of the queue, and the
//! retried batch 1 lands after batch 2. With idempotence they go back in
//! sequence order.
mod common;
use common::*;
use logjam_models::config::Acks;

fn both_batches_refused_then_retried(idempotent: bool) -> Vec<u64> {
    let mut t = TestCluster::new(config(Acks::All, 2), 31);
    t.run_for(1_000);
    let leader = t.leader();
    for f in t.followers() {
        t.cut(leader, f);
    }
    assert!(
        t.run_until(5_000, |t| t.isr() == vec![leader]),
        "ISR shrinks to the leader"
    );
    let mut p = producer_config(Acks::All);
    p.enable_idempotence = Some(idempotent);
    p.batch_size = 1; // one record per batch
    p.max_in_flight_requests_per_connection = 5;
    // Long enough for the ISR to recover before the one retry round.
    p.retry_backoff_ms = 3_000;
    let (_, outcomes) = t.produce(p, vec![1, 2]);
    t.run_for(200);
    for f in t.followers() {
        t.repair(leader, f);
    }
    t.wait_outcomes(&outcomes, 2, 10_000);
    assert_eq!(acked(&outcomes).len(), 2, "both retries succeed");
    values(&t.read_all(consumer_config()))
}

#[test]
fn retried_batch_lands_after_a_later_one_without_idempotence() {
    assert_eq!(both_batches_refused_then_retried(false), vec![2, 1]);
}

#[test]
fn idempotent_retries_keep_send_order() {
    assert_eq!(both_batches_refused_then_retried(true), vec![1, 2]);
}
