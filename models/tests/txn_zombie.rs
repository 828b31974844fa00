//! A producer paused past `transaction.timeout.ms` (issue 12): the coordinator
//! aborts its transaction with a bumped epoch, so when it comes back its
//! commit is refused with PRODUCER_FENCED, the producer is closed, and none of
//! its writes is visible to read_committed readers. Paused for less than the
//! timeout, the same script commits.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::producer::{TxnClientError, TxnErrorClass};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn paused_commit(pause_ms: u64) -> (TestCluster, Result<(), TxnClientError>) {
    let config = txn_config(false);
    let timeout = config.producer.transaction_timeout_ms;
    assert!(pause_ms.abs_diff(timeout) >= 1_000, "clearly on one side");
    let mut t = TestCluster::new(config.clone(), 33);
    t.run_for(3_000);
    let outcome: Rc<RefCell<Option<Result<(), TxnClientError>>>> = Rc::default();
    let out = outcome.clone();
    let (_, done) = t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(7)).await.expect("send");
        // The pause: a GC stall, a stopped process.
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        let r = p.commit_transaction().await;
        if r.is_err() {
            assert!(p.is_fatal(), "a fenced producer is closed");
            assert!(p.begin_transaction().is_err(), "and stays closed");
        }
        *out.borrow_mut() = Some(r);
    });
    assert!(t.run_until(30_000, |_| done.get()), "the script finished");
    let r = outcome.borrow_mut().take().expect("recorded");
    (t, r)
}

#[test]
fn a_producer_paused_past_the_timeout_is_aborted_and_fenced() {
    let (mut t, r) = paused_commit(5_000);
    let e = r.expect_err("the late commit fails");
    assert_eq!(e.class, TxnErrorClass::Fatal);
    assert_eq!(e.error, "PRODUCER_FENCED");
    assert!(
        e.definitely_not_done,
        "the coordinator refused the only EndTxn"
    );
    let events = t.events();
    let states: Vec<String> = txn_states(&events).into_iter().map(|(_, s)| s).collect();
    assert!(
        states.windows(2).any(|w| w == ["Ongoing", "PrepareAbort"]),
        "the coordinator aborted on timeout: {states:?}"
    );
    assert!(events
        .iter()
        .any(|e| matches!(e.event, ClusterEvent::ProducerFenced { .. })));
    assert!(t.read_for(IsolationLevel::ReadCommitted, 1_000).is_empty());
    let dirty = t.read_for(IsolationLevel::ReadUncommitted, 1_000);
    assert_eq!(
        read_values(&dirty),
        vec![7],
        "the aborted write is in the log"
    );
}

#[test]
fn a_shorter_pause_commits() {
    let (mut t, r) = paused_commit(1_000);
    r.expect("commits within the timeout");
    let read = t.read_for(IsolationLevel::ReadCommitted, 1_000);
    assert_eq!(read_values(&read), vec![7]);
}
