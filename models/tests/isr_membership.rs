//! ISR shrink and expand through the controller, acks=all refusing writes
//! while the ISR is below min.insync.replicas, and the HW moving as soon as an
//! ISR shrink reaches the leader in metadata.
mod common;
use common::*;
use logjam_models::config::Acks;

#[test]
fn partitioned_follower_leaves_the_isr_and_rejoins_after_heal() {
    let mut t = TestCluster::new(config(Acks::All, 2), 11);
    t.run_for(1_000);
    assert_eq!(t.isr().len(), 3, "all replicas start in sync");
    let (leader, follower) = (t.leader(), t.followers()[0]);
    t.cut(leader, follower);
    let shrunk = t.run_until(5_000, |t| !t.isr().contains(&follower));
    assert!(
        shrunk,
        "a follower that cannot fetch must leave the ISR after replica.lag.time.max.ms"
    );
    // Writes continue while it is out, so it has something to catch up on.
    let (_, outcomes) = t.produce(producer_config(Acks::All), vec![1, 2, 3]);
    t.wait_outcomes(&outcomes, 3, 5_000);
    assert_eq!(
        acked(&outcomes).len(),
        3,
        "ISR of 2 still meets min.insync.replicas=2"
    );
    t.repair(leader, follower);
    let rejoined = t.run_until(5_000, |t| t.isr().contains(&follower));
    assert!(rejoined, "the follower rejoins once caught up");
    assert_eq!(
        t.log_end(follower),
        t.log_end(leader),
        "it rejoined only after catching up"
    );
}

#[test]
fn acks_all_is_refused_while_isr_is_below_min_insync() {
    let mut t = TestCluster::new(config(Acks::All, 2), 12);
    t.run_for(1_000);
    let leader = t.leader();
    for f in t.followers() {
        t.cut(leader, f);
    }
    let shrunk = t.run_until(5_000, |t| t.isr() == vec![leader]);
    assert!(shrunk, "ISR shrinks to the leader alone");
    let mut p = producer_config(Acks::All);
    p.retries = 0;
    let (_, outcomes) = t.produce(p, vec![7]);
    t.wait_outcomes(&outcomes, 1, 5_000);
    let (_, outcome) = &outcomes.borrow()[0];
    let err = outcome.as_ref().expect_err("write must be refused");
    assert_eq!(err.error, "NOT_ENOUGH_REPLICAS");
    assert!(
        err.definitely_failed,
        "refused before the append: definitely not written"
    );
    assert_eq!(t.log_end(leader), 0, "nothing was appended");

    // acks=1 is not subject to min.insync.replicas.
    let (_, outcomes) = t.produce(producer_config(Acks::One), vec![8]);
    t.wait_outcomes(&outcomes, 1, 5_000);
    assert_eq!(acked(&outcomes).len(), 1);
}

#[test]
fn followers_fenced_by_the_controller_release_acks_all_at_once() {
    let mut t = TestCluster::new(config(Acks::All, 1), 13);
    t.run_for(1_000);
    let leader = t.leader();
    for f in t.followers() {
        t.isolate_from_cluster(f);
    }
    // The write waits for followers that never fetch it. The controller fences
    // them (broker.session.timeout.ms, 600) well before the request times out
    // (1000): the ISR shrinks to the leader alone, at the same leader epoch,
    // and with min.insync.replicas=1 the HW passes the record at once.
    let mut p = producer_config(Acks::All);
    p.retries = 0;
    let (_, outcomes) = t.produce(p, vec![5]);
    t.wait_outcomes(&outcomes, 1, 5_000);
    assert_eq!(
        t.isr(),
        vec![leader],
        "the controller fenced both followers"
    );
    assert_eq!(
        acked(&outcomes),
        vec![(5, 0)],
        "the produce waiting for the HW is acked when the shrink arrives, got {:?}",
        outcomes.borrow()
    );
    assert_eq!(values(&t.read_all(consumer_config())), vec![5]);
}
