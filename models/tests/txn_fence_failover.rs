//! InitProducerId over an open transaction, with the coordinator failing
//! right after the fence is written (issue 12). A second producer with the
//! same transactional.id initialises while the first has a transaction open:
//! the coordinator bumps the epoch (Kafka's prepareFenceProducerEpoch, state
//! PrepareEpochFence, in memory only) and writes the abort with the bumped
//! epoch to `__transaction_state` (Kafka's endTransaction turns the pending
//! PrepareEpochFence into PrepareAbort before the append: that is the record
//! a PrepareEpochFence leaves in the log). The coordinator crashes the moment
//! that record is written, before any marker. The new leader of the state
//! partition loads PrepareAbort with the bumped epoch, writes the ABORT
//! markers and completes the abort (Kafka's loadTransactionsForTxnTopicPartition
//! resends the markers of a loaded Prepare state); the second producer's
//! retried InitProducerId then succeeds with the epoch bumped once more, and
//! the first producer, coming back, is fenced.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::producer::{TxnClientError, TxnErrorClass};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn a_fence_written_before_a_coordinator_crash_is_finished_by_the_next_coordinator() {
    let mut config = txn_config(false);
    // The open transaction must not be aborted by the timer meanwhile: the
    // second producer's InitProducerId is what ends it.
    config.producer.transaction_timeout_ms = 60_000;
    let mut t = TestCluster::new(config.clone(), 21);
    t.run_for(3_000);
    let (opened, come_back) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
    let first_epoch = Rc::new(Cell::new(-1i16));
    let late_commit: Rc<RefCell<Option<Result<(), TxnClientError>>>> = Rc::default();
    let (o, c, e, l) = (
        opened.clone(),
        come_back.clone(),
        first_epoch.clone(),
        late_commit.clone(),
    );
    let (_, first_done) = t.txn_client(config.clone(), move |mut p| async move {
        p.init_transactions().await.expect("init");
        e.set(p.producer_id_and_epoch().1);
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("send 1");
        p.send(tp(1), record(2)).await.expect("send 2");
        o.set(true);
        // Stalled (a zombie) until the test lets it try to commit.
        wait_for(&c).await;
        *l.borrow_mut() = Some(p.commit_transaction().await);
    });
    assert!(
        t.run_until(20_000, |_| opened.get()),
        "the first transaction is open"
    );
    let second_epoch = Rc::new(Cell::new(-1i16));
    let s = second_epoch.clone();
    let (_, second_done) = t.txn_client(config.clone(), move |mut p| async move {
        p.init_transactions()
            .await
            .expect("the second producer initialises");
        s.set(p.producer_id_and_epoch().1);
        p.begin_transaction().unwrap();
        p.send(tp(0), record(3)).await.expect("send 3");
        p.commit_transaction().await.expect("commit");
    });
    // The fence's record: PrepareEpochFence (recorded when InitProducerId
    // starts it), then PrepareAbort once written with acks=all.
    let mut fenced_by = None;
    assert!(
        t.run_until(20_000, |t| {
            let states = txn_states(&t.events());
            fenced_by = states.windows(2).find_map(|w| {
                let ((b0, s0), (b1, s1)) = (&w[0], &w[1]);
                (s0 == "PrepareEpochFence" && s1 == "PrepareAbort" && b0 == b1).then_some(*b0)
            });
            fenced_by.is_some()
        }),
        "the coordinator wrote the fence"
    );
    let coordinator = fenced_by.expect("checked");
    let crashed_at = t.now_ms();
    t.crash(coordinator);
    assert!(
        t.run_until(30_000, |_| second_done.get()),
        "the second producer initialised and committed"
    );
    let events = t.events();
    assert!(
        !events
            .iter()
            .any(|e| e.at_ms <= crashed_at
                && matches!(e.event, ClusterEvent::TxnMarkerWritten { .. })),
        "the crash came before any marker of the fence's abort"
    );
    let e0 = first_epoch.get();
    let fence_epoch = e0 + 1;
    let loaded = events.iter().find_map(|e| match &e.event {
        ClusterEvent::TxnLoaded {
            broker,
            state,
            producer_epoch,
            ..
        } if state == "PrepareAbort" && *producer_epoch == fence_epoch => Some(*broker),
        _ => None,
    });
    let loaded = loaded.expect("the new coordinator loaded the fence's PrepareAbort");
    assert_ne!(loaded, coordinator);
    assert!(
        events.iter().any(|e| matches!(&e.event,
            ClusterEvent::TxnStateChanged { broker, state, producer_epoch, .. }
                if *broker == loaded && state == "CompleteAbort" && *producer_epoch == fence_epoch)),
        "the new coordinator completed the abort"
    );
    for p in [0, 1] {
        assert!(
            events.iter().any(|e| matches!(&e.event,
                ClusterEvent::TxnMarkerWritten { tp: at, commit: false, producer_epoch, .. }
                    if *at == tp(p) && *producer_epoch == fence_epoch)),
            "an ABORT marker of the fence's epoch on orders/{p}"
        );
    }
    assert_eq!(
        second_epoch.get(),
        e0 + 2,
        "the retried InitProducerId bumps again: the fence's epoch is never handed out"
    );
    come_back.set(true);
    assert!(t.run_until(20_000, |_| first_done.get()));
    let late = late_commit
        .borrow_mut()
        .take()
        .expect("the first producer tried to commit");
    let err = late.expect_err("the zombie's commit is refused");
    assert_eq!(err.class, TxnErrorClass::Fatal);
    assert_eq!(err.error, "PRODUCER_FENCED");
    let read = t.read_for(IsolationLevel::ReadCommitted, 1_500);
    assert_eq!(
        read_values(&read),
        vec![3],
        "read_committed sees the second producer's transaction only"
    );
}
