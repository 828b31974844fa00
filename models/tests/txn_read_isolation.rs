//! read_committed against read_uncommitted (issue 12): a committed
//! transaction, an aborted one, and one left open. read_committed returns only
//! the committed values and stops at the open transaction's first offset (the
//! last stable offset) until it commits; read_uncommitted returns every value
//! below the high watermark, aborted and open ones included.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use std::cell::Cell;
use std::rc::Rc;

#[test]
fn read_committed_skips_aborted_and_stops_at_an_open_transaction() {
    let config = txn_config(false);
    let mut t = TestCluster::new(config.clone(), 5);
    t.run_for(3_000);
    // Set by the test to let the third transaction commit.
    let release = Rc::new(Cell::new(false));
    let open_sent = Rc::new(Cell::new(false));
    let (r, sent) = (release.clone(), open_sent.clone());
    let (_, done) = t.txn_client(config, |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("send 1");
        p.send(tp(1), record(2)).await.expect("send 2");
        p.commit_transaction().await.expect("commit");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(3)).await.expect("send 3");
        p.send(tp(1), record(4)).await.expect("send 4");
        p.abort_transaction().await.expect("abort");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(5)).await.expect("send 5");
        sent.set(true);
        while !r.get() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        p.commit_transaction().await.expect("commit the open one");
    });
    assert!(t.run_until(20_000, |_| open_sent.get()), "the script ran");

    let uncommitted = t.read_for(IsolationLevel::ReadUncommitted, 1_000);
    let committed = t.read_for(IsolationLevel::ReadCommitted, 1_000);
    let mut all = read_values(&uncommitted);
    all.sort();
    assert_eq!(
        all,
        vec![1, 2, 3, 4, 5],
        "read_uncommitted: {uncommitted:?}"
    );
    let mut seen = read_values(&committed);
    seen.sort();
    assert_eq!(seen, vec![1, 2], "read_committed: {committed:?}");
    // Markers take offsets: on partition 0, 1 at 0, COMMIT at 1, 3 at 2, ABORT at 3, 5 at 4.
    let p0: Vec<_> = uncommitted
        .iter()
        .filter(|r| r.0 == 0)
        .map(|r| (r.1, r.2))
        .collect();
    assert_eq!(p0, vec![(0, 1), (2, 3), (4, 5)]);
    let events = t.events();
    let aborts = events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                ClusterEvent::TxnMarkerWritten { commit: false, .. }
            )
        })
        .count();
    assert_eq!(
        aborts, 2,
        "one ABORT marker per partition of the aborted transaction"
    );

    // The other direction: once the open transaction commits, read_committed returns it.
    release.set(true);
    assert!(
        t.run_until(20_000, |_| done.get()),
        "the last commit finished"
    );
    let committed = t.read_for(IsolationLevel::ReadCommitted, 1_000);
    let mut seen = read_values(&committed);
    seen.sort();
    let txn_events: Vec<_> = t
        .events()
        .into_iter()
        .filter(|e| {
            matches!(
                e.event,
                ClusterEvent::TxnMarkerWritten { .. } | ClusterEvent::TxnStateChanged { .. }
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![1, 2, 5],
        "read_committed after the commit: {committed:?} {txn_events:#?}"
    );
    let states: Vec<String> = txn_states(&t.events())
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert!(
        states
            .windows(2)
            .any(|w| w == ["PrepareCommit", "CompleteCommit"]),
        "{states:?}"
    );
}
