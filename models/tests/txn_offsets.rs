//! Offsets committed inside a transaction (sendOffsetsToTransaction, KIP-447;
//! issue 12): the group coordinator stores them as a transactional batch of
//! `__consumer_offsets`, pending until the transaction's marker lands there.
//! Before the commit nobody reads them as committed; the COMMIT marker makes
//! them the group's offsets; an aborted transaction's offsets are dropped.
mod common;
use common::txn::*;
use common::*;
use logjam_models::events::ClusterEvent;
use logjam_models::{offsets_partition, Admin, OFFSETS_TOPIC};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

const GROUP: &str = "g";

impl TestCluster {
    fn committed_offset(&mut self) -> Option<i64> {
        let got: Rc<RefCell<Option<Option<i64>>>> = Rc::default();
        let out = got.clone();
        let name = format!("admin-{}", self.now_ms());
        self.sim.client(name.as_str(), async move {
            let admin = Admin::new(3, 1_000);
            let c = admin.committed(GROUP, &[tp(0)]).await;
            *out.borrow_mut() = Some(c.first().and_then(|(_, o)| *o));
            Ok(())
        });
        assert!(self.run_until(20_000, |_| got.borrow().is_some()));
        let v = got.borrow_mut().take().expect("checked");
        v
    }
}

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn transactional_offsets_are_invisible_until_the_commit_marker() {
    let mut config = txn_config(false);
    config.consumer.group_id = Some(GROUP.into());
    let offsets_tp = offsets_partition(GROUP, config.broker.offsets_topic_num_partitions);
    let mut t = TestCluster::new(config.clone(), 9);
    t.run_for(3_000);
    let steps: Vec<Rc<Cell<bool>>> = (0..4).map(|_| Rc::new(Cell::new(false))).collect();
    let s = steps.clone();
    let (_, done) = t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(1), record(1)).await.expect("send");
        p.send_offsets_to_transaction(GROUP, "", -1, vec![(tp(0), 5)])
            .await
            .expect("offsets sent");
        s[0].set(true);
        wait_for(&s[1]).await;
        p.commit_transaction().await.expect("commit");
        s[2].set(true);
        wait_for(&s[3]).await;
        p.begin_transaction().unwrap();
        p.send(tp(1), record(2)).await.expect("send");
        p.send_offsets_to_transaction(GROUP, "", -1, vec![(tp(0), 9)])
            .await
            .expect("offsets sent");
        p.abort_transaction().await.expect("abort");
    });
    assert!(t.run_until(20_000, |_| steps[0].get()));
    assert_eq!(t.committed_offset(), None, "pending: not committed yet");
    steps[1].set(true);
    assert!(t.run_until(20_000, |_| steps[2].get()));
    t.run_for(1_000);
    let marker_on_offsets = t.events().iter().any(|e| {
        matches!(&e.event, ClusterEvent::TxnMarkerWritten { tp, commit: true, .. } if *tp == offsets_tp)
    });
    assert_eq!(offsets_tp.topic, OFFSETS_TOPIC);
    assert!(
        marker_on_offsets,
        "a COMMIT marker landed on the offsets partition"
    );
    assert_eq!(
        t.committed_offset(),
        Some(5),
        "the marker made them committed"
    );
    steps[3].set(true);
    assert!(t.run_until(20_000, |_| done.get()));
    t.run_for(1_000);
    assert_eq!(
        t.committed_offset(),
        Some(5),
        "the aborted offsets were dropped"
    );
}
