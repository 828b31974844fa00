//! The KIP-890 hazard (issue 12): a produce request of transaction B is held
//! on the client's link to the partition leader; the client gives up on it,
//! aborts B (bumping its epoch, KIP-360) and commits transaction C to the same
//! partition; then the held request arrives.
//! - Transaction version 1 (`logjam.legacy.transaction.v1`): the leader
//!   accepts the late write (same epoch as the partition last saw, no
//!   verification) and it becomes part of C: the aborted value is returned
//!   to read_committed readers.
//! - Version 2: B's ABORT marker carried a bumped epoch, so the late write is
//!   fenced; read_committed readers never see it.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::ids::broker_host;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Returns read_committed's values, read_uncommitted's values and the
/// outcomes of B's send and abort.
fn delayed_produce(legacy_v1: bool) -> (Vec<u64>, Vec<u64>, Vec<String>) {
    let mut config = txn_config(legacy_v1);
    // Longer than B's send retries (delivery.timeout.ms), so the coordinator
    // does not abort B on its own first.
    config.producer.transaction_timeout_ms = 20_000;
    let mut t = TestCluster::new(config.clone(), 47);
    t.run_for(3_000);
    // The partition whose leader is not the coordinator (so EndTxn is not held).
    let coordinator_and_target: Rc<RefCell<Option<u32>>> = Rc::default();
    let (phase_a, go_b, phase_b, go_c) = (
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
    );
    let outcomes: Rc<RefCell<Vec<String>>> = Rc::default();
    let (pa, gb, pb, gc, target, out) = (
        phase_a.clone(),
        go_b.clone(),
        phase_b.clone(),
        go_c.clone(),
        coordinator_and_target.clone(),
        outcomes.clone(),
    );
    let (client, done) = t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("A 1");
        p.send(tp(1), record(10)).await.expect("A 10");
        p.commit_transaction().await.expect("A commits");
        pa.set(true);
        wait_for(&gb).await;
        let target = tp(target.borrow().expect("chosen"));
        p.begin_transaction().unwrap();
        let sent = p.send(target.clone(), record(2)).await;
        out.borrow_mut().push(format!("{sent:?}"));
        let aborted = p.abort_transaction().await;
        out.borrow_mut().push(format!("{aborted:?}"));
        aborted.expect("B aborts");
        pb.set(true);
        wait_for(&gc).await;
        p.begin_transaction().unwrap();
        p.send(target, record(3)).await.expect("C 3");
        p.commit_transaction().await.expect("C commits");
    });
    assert!(t.run_until(20_000, |_| phase_a.get()), "A committed");
    let coordinator = t
        .events()
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged { broker, .. } => Some(*broker),
            _ => None,
        })
        .expect("a coordinator");
    let target = (0..2)
        .find(|&p| t.cluster.leader_of(&tp(p)) != Some(coordinator))
        .expect("a partition led elsewhere (seed chosen so)");
    let leader = t.cluster.leader_of(&tp(target)).expect("a leader");
    *coordinator_and_target.borrow_mut() = Some(target);
    t.sim.hold(client.as_str(), broker_host(leader).as_str());
    go_b.set(true);
    assert!(
        t.run_until(30_000, |_| phase_b.get()),
        "B gave up and aborted"
    );
    t.sim.release(client.as_str(), broker_host(leader).as_str());
    t.run_for(2_000);
    go_c.set(true);
    assert!(t.run_until(30_000, |_| done.get()), "C committed");
    t.run_for(1_000);
    let mut committed = read_values(&t.read_for(IsolationLevel::ReadCommitted, 1_500));
    committed.sort();
    let mut uncommitted = read_values(&t.read_for(IsolationLevel::ReadUncommitted, 1_500));
    uncommitted.sort();
    let outcomes = outcomes.borrow().clone();
    (committed, uncommitted, outcomes)
}

#[test]
fn version_1_a_late_write_of_an_aborted_transaction_joins_the_next() {
    let (committed, uncommitted, outcomes) = delayed_produce(true);
    assert!(
        outcomes[0].contains("Abortable"),
        "B's send gave up: {outcomes:?}"
    );
    assert!(
        uncommitted.contains(&2),
        "the late write landed: {uncommitted:?}"
    );
    assert_eq!(
        committed,
        vec![1, 2, 3, 10],
        "the aborted value 2 is visible to read_committed"
    );
}

#[test]
fn version_2_fences_the_late_write() {
    let (committed, uncommitted, outcomes) = delayed_produce(false);
    assert!(
        outcomes[0].contains("Abortable"),
        "B's send gave up: {outcomes:?}"
    );
    assert_eq!(committed, vec![1, 3, 10], "never the aborted value");
    assert!(
        !uncommitted.contains(&2),
        "the late write was refused: {uncommitted:?}"
    );
}
