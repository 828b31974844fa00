//! Transaction coordinator failover (issue 12): the PrepareCommit record,
//! written acks=all to `__transaction_state`, is the commit point. The
//! coordinator crashes right after writing it, before its markers are
//! written; the new leader of the transactional id's state partition loads
//! PrepareCommit from its log, writes the COMMIT markers itself and completes
//! the transaction, so read_committed readers see every write. In the other
//! direction, a coordinator that crashes after PrepareAbort leaves an abort
//! the new coordinator finishes: no read_committed reader ever sees it.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::ids::BrokerId;
use logjam_models::TRANSACTION_STATE_TOPIC;

/// Run one transaction of values 1 and 2 that ends with `commit`; crash the
/// coordinator the moment it records the Prepare state. Returns the cluster,
/// the crashed broker and the read_committed values afterwards.
fn crash_after_prepare(commit: bool) -> (TestCluster, BrokerId, Vec<u64>) {
    let config = txn_config(false);
    let mut t = TestCluster::new(config.clone(), 21);
    t.run_for(3_000);
    t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("send 1");
        p.send(tp(1), record(2)).await.expect("send 2");
        // The answer may be lost with the crashed coordinator: ignore it.
        let _ = if commit {
            p.commit_transaction().await
        } else {
            p.abort_transaction().await
        };
    });
    let prepare = if commit {
        "PrepareCommit"
    } else {
        "PrepareAbort"
    };
    let mut coordinator = None;
    assert!(
        t.run_until(20_000, |t| {
            coordinator = t.events().iter().find_map(|e| match &e.event {
                ClusterEvent::TxnStateChanged { broker, state, .. } if state == prepare => {
                    Some(*broker)
                }
                _ => None,
            });
            coordinator.is_some()
        }),
        "the coordinator wrote {prepare}"
    );
    let coordinator = coordinator.expect("checked");
    let crashed_at = t.now_ms();
    t.crash(coordinator);
    t.run_for(10_000);
    // No marker was written by the crashed coordinator's transaction before
    // the crash (markers need a round trip and replication).
    let events = t.events();
    assert!(
        !events
            .iter()
            .any(|e| e.at_ms <= crashed_at
                && matches!(e.event, ClusterEvent::TxnMarkerWritten { .. })),
        "the crash came before any marker"
    );
    let read = t.read_for(IsolationLevel::ReadCommitted, 1_500);
    let mut values = read_values(&read);
    values.sort();
    (t, coordinator, values)
}

#[test]
fn a_new_coordinator_finishes_a_prepared_commit() {
    let (t, crashed, values) = crash_after_prepare(true);
    let events = t.events();
    let loaded = events.iter().find_map(|e| match &e.event {
        ClusterEvent::TxnLoaded { broker, state, .. } if state == "PrepareCommit" => Some(*broker),
        _ => None,
    });
    let loaded = loaded.expect("the new coordinator loaded PrepareCommit");
    assert_ne!(loaded, crashed);
    let completed = txn_states(&events)
        .into_iter()
        .any(|(b, s)| b == loaded && s == "CompleteCommit");
    assert!(completed, "the new coordinator completed the commit");
    let commits = events
        .iter()
        .filter(|e| matches!(e.event, ClusterEvent::TxnMarkerWritten { commit: true, .. }))
        .count();
    assert!(commits >= 2, "a COMMIT marker on each partition");
    assert_eq!(
        values,
        vec![1, 2],
        "read_committed sees the whole transaction"
    );
    assert_eq!(TRANSACTION_STATE_TOPIC, "__transaction_state");
}

#[test]
fn a_new_coordinator_finishes_a_prepared_abort() {
    let (t, crashed, values) = crash_after_prepare(false);
    let events = t.events();
    let completed = txn_states(&events)
        .into_iter()
        .any(|(b, s)| b != crashed && s == "CompleteAbort");
    assert!(completed, "the new coordinator completed the abort");
    assert!(values.is_empty(), "read_committed sees nothing: {values:?}");
    let read = {
        let mut t = t;
        t.read_for(IsolationLevel::ReadUncommitted, 1_500)
    };
    let mut all = read_values(&read);
    all.sort();
    assert_eq!(all, vec![1, 2], "read_uncommitted sees the aborted writes");
}
