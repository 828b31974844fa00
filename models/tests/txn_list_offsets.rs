//! ListOffsets by isolation level (KIP-98; issue 12): with a transaction open
//! on a partition, `latest` is the last stable offset for a read_committed
//! consumer and the high watermark for a read_uncommitted one (Kafka's
//! Partition.fetchOffsetForTimestamp: lastFetchableOffset). So
//! `auto.offset.reset=latest` under read_committed starts at the open
//! transaction's first offset and, once it commits, reads it; under
//! read_uncommitted it starts past it and never does.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::{AutoOffsetReset, IsolationLevel};
use logjam_models::consumer::Consumer;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What one reset-to-latest consumer saw: the position the reset gave it,
/// the end offset it was told, and the values it read afterwards.
#[derive(Debug, Default)]
struct Seen {
    reset_to: Option<i64>,
    end_offset: Option<i64>,
    values: Vec<(i64, u64)>,
}

/// `orders/0` gets a committed transaction of 3 records (offsets 0..=2, its
/// marker at 3), then a transaction with one record at offset 4 stays open
/// while a consumer of each isolation level resets to latest; then it commits.
fn reset_to_latest_during_a_transaction() -> (Seen, Seen) {
    let mut config = txn_config(false);
    config.consumer.auto_offset_reset = AutoOffsetReset::Latest;
    let mut t = TestCluster::new(config.clone(), 5);
    t.run_for(3_000);
    let steps: Vec<Rc<Cell<bool>>> = (0..4).map(|_| Rc::new(Cell::new(false))).collect();
    let s = steps.clone();
    let (_, done) = t.txn_client(config.clone(), move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        for v in 1..=3 {
            p.send(tp(0), record(v)).await.expect("send");
        }
        p.commit_transaction().await.expect("first commit");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(10)).await.expect("send");
        s[0].set(true);
        wait_for(&s[1]).await;
        p.commit_transaction().await.expect("second commit");
    });
    assert!(
        t.run_until(20_000, |_| steps[0].get()),
        "the transaction is open"
    );
    // Let the open transaction's record replicate: the HW passes it.
    t.run_for(500);
    let mut seen = Vec::new();
    for (i, isolation) in [
        IsolationLevel::ReadCommitted,
        IsolationLevel::ReadUncommitted,
    ]
    .into_iter()
    .enumerate()
    {
        let out: Rc<RefCell<Seen>> = Rc::default();
        seen.push(out.clone());
        let mut consumer = config.consumer.clone();
        consumer.isolation_level = isolation;
        let (positioned, ended) = (steps[2 + i].clone(), steps[1].clone());
        t.sim.client(format!("reader-{i}"), async move {
            let mut c = Consumer::new(consumer, 3);
            c.assign(vec![tp(0)]);
            while c.position(&tp(0)).is_none() {
                let _ = c.poll().await;
            }
            out.borrow_mut().reset_to = c.position(&tp(0));
            out.borrow_mut().end_offset = c.end_offset(&tp(0)).await;
            positioned.set(true);
            wait_for(&ended).await;
            for _ in 0..50 {
                if let Ok(records) = c.poll().await {
                    for r in records {
                        let v = u64::from_be_bytes(r.record.value.try_into().expect("8 bytes"));
                        out.borrow_mut().values.push((r.offset, v));
                    }
                }
            }
            Ok(())
        });
    }
    assert!(
        t.run_until(20_000, |_| steps[2].get() && steps[3].get()),
        "both readers reset"
    );
    steps[1].set(true);
    assert!(
        t.run_until(20_000, |_| done.get()),
        "the transaction committed"
    );
    t.run_for(5_000);
    let take = |s: &Rc<RefCell<Seen>>| std::mem::take(&mut *s.borrow_mut());
    (take(&seen[0]), take(&seen[1]))
}

#[test]
fn latest_is_the_lso_under_read_committed_and_the_hw_under_read_uncommitted() {
    let (committed, uncommitted) = reset_to_latest_during_a_transaction();
    // LSO = 4, the open transaction's first offset; HW = 5, just past it.
    assert_eq!(
        committed.reset_to,
        Some(4),
        "read_committed: the LSO {committed:?}"
    );
    assert_eq!(
        uncommitted.reset_to,
        Some(5),
        "read_uncommitted: the HW {uncommitted:?}"
    );
    // The final reads' end offset is the HW whatever the isolation level.
    assert_eq!(committed.end_offset, Some(5));
    assert_eq!(uncommitted.end_offset, Some(5));
    assert_eq!(
        committed.values,
        vec![(4, 10)],
        "the read_committed reader reads the transaction once it commits"
    );
    assert!(
        uncommitted.values.is_empty(),
        "the read_uncommitted reader started past it: {:?}",
        uncommitted.values
    );
}
