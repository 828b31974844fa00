//! ISR shrink and expand through the controller, and acks=all refusing writes
//! while the ISR is below min.insync.replicas.
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
