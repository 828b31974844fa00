//! A lost produce response with retries: without idempotence the retry writes a
//! second copy; with idempotence the leader answers the retry with the original offset.
mod common;
use common::*;
use logjam_models::config::Acks;

fn lost_response(idempotent: bool, seed: u64) -> (Vec<(u64, i64)>, Vec<u64>) {
    let mut t = TestCluster::new(config(Acks::All, 2), seed);
    t.run_for(1_000);
    let leader = t.leader();
    let mut p = producer_config(Acks::All);
    p.enable_idempotence = Some(idempotent);
    let (client, outcomes) = t.produce(p, vec![42]);
    // The moment the leader has appended, cut the producer off: the request got
    // through, the acks=all response (sent once followers replicate) will not.
    let appended = t.run_until(5_000, |t| t.log_end(leader) >= 1);
    assert!(appended);
    t.cut_client(&client, leader);
    t.run_for(1_500);
    t.repair_client(&client, leader);
    t.wait_outcomes(&outcomes, 1, 10_000);
    t.run_for(500);
    (acked(&outcomes), values(&t.read_all(consumer_config())))
}

#[test]
fn retry_after_lost_response_duplicates_without_idempotence() {
    let (acked, read) = lost_response(false, 21);
    assert_eq!(acked.len(), 1, "the retry is acknowledged");
    assert_eq!(
        read,
        vec![42, 42],
        "two copies: the lost-response write and the retry"
    );
}

#[test]
fn idempotent_retry_after_lost_response_writes_once() {
    let (acked, read) = lost_response(true, 21);
    assert_eq!(
        acked,
        vec![(42, 0)],
        "the retry is answered with the original offset"
    );
    assert_eq!(read, vec![42]);
}
