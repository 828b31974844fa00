//! KIP-447's stable offset fetch (issue 12): a group member that takes over a
//! partition while a transaction holding offsets for it is still open asks
//! the coordinator with require_stable, is answered UNSTABLE_OFFSET_COMMIT,
//! and asks again until the transaction ends, instead of starting from the
//! older committed offset (a consume-transform-produce pipeline would read
//! again what the open transaction consumed, and duplicate its outputs if it
//! commits). After the COMMIT marker the member starts at the transaction's
//! offset; after an ABORT, at the older one. A fetch without require_stable
//! (the admin client's default) answers the older offset meanwhile.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::consumer::group::GroupConsumer;
use logjam_models::events::ClusterEvent;
use logjam_models::ids::TopicPartition;
use logjam_models::Admin;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

const GROUP: &str = "g";

/// The offset committed before the transaction.
const COMMITTED: i64 = 2;
/// The offset the open transaction sends for the same partition.
const IN_TRANSACTION: i64 = 5;

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl TestCluster {
    /// What OffsetFetch without require_stable answers for `orders/0`.
    fn committed_not_stable(&mut self) -> Option<i64> {
        let got: Rc<RefCell<Option<Option<i64>>>> = Rc::default();
        let out = got.clone();
        let name = format!("admin-{}", self.now_ms());
        self.sim.client(name.as_str(), async move {
            let c = Admin::new(3, 1_000).committed(GROUP, &[tp(0)]).await;
            *out.borrow_mut() = Some(c.first().and_then(|(_, o)| *o));
            Ok(())
        });
        assert!(self.run_until(20_000, |_| got.borrow().is_some()));
        let v = got.borrow_mut().take().expect("checked");
        v
    }
}

/// What the group member read: the first offset it read per partition.
type FirstReads = Rc<RefCell<BTreeMap<TopicPartition, i64>>>;

/// Commit offset 2 of `orders/0` in a first transaction, then open a second
/// one holding offset 5 for it; a group member joins while it is open. The
/// transaction then ends with `commit`. Returns the cluster, the first offset
/// the member read from `orders/0`, and the number of UNSTABLE answers.
fn member_joins_during_transaction(commit: bool) -> (TestCluster, Option<i64>, usize) {
    let mut config = txn_config(false);
    config.consumer.group_id = Some(GROUP.into());
    config.consumer.enable_auto_commit = false;
    config.consumer.isolation_level = IsolationLevel::ReadCommitted;
    // Long enough that the coordinator's timer does not abort the open
    // transaction while the member waits (it would end it, as an abort).
    config.producer.transaction_timeout_ms = 30_000;
    let mut t = TestCluster::new(config.clone(), 17);
    t.run_for(3_000);
    let steps: Vec<Rc<Cell<bool>>> = (0..3).map(|_| Rc::new(Cell::new(false))).collect();
    let s = steps.clone();
    let (_, done) = t.txn_client(config.clone(), move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        for v in 0..8 {
            p.send(tp(0), record(v)).await.expect("send");
        }
        p.send_offsets_to_transaction(GROUP, "", -1, vec![(tp(0), COMMITTED)])
            .await
            .expect("offsets sent");
        p.commit_transaction().await.expect("first commit");
        p.begin_transaction().unwrap();
        p.send(tp(1), record(100)).await.expect("send");
        p.send_offsets_to_transaction(GROUP, "", -1, vec![(tp(0), IN_TRANSACTION)])
            .await
            .expect("offsets sent");
        s[0].set(true);
        wait_for(&s[1]).await;
        let end = if commit {
            p.commit_transaction().await
        } else {
            p.abort_transaction().await
        };
        end.expect("the second transaction ends");
        s[2].set(true);
    });
    assert!(
        t.run_until(20_000, |_| steps[0].get()),
        "the transaction is open"
    );
    let first: FirstReads = Rc::default();
    let reads = first.clone();
    let consumer = config.consumer.clone();
    t.sim.client("member", async move {
        let mut g = GroupConsumer::subscribe(consumer, 3, "member", vec![TOPIC.into()])
            .expect("has a group.id");
        loop {
            if let Ok(polled) = g.poll().await {
                for r in polled.records {
                    reads.borrow_mut().entry(r.tp).or_insert(r.offset);
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    // The member owns both partitions well within this and keeps asking.
    t.run_for(4_000);
    let unstable = |t: &TestCluster| {
        t.events()
            .iter()
            .filter(|e| {
                matches!(&e.event, ClusterEvent::OffsetFetchUnstable { group, partitions, .. }
                    if group == GROUP && partitions.contains(&tp(0)))
            })
            .count()
    };
    let while_open = unstable(&t);
    assert!(
        while_open >= 2,
        "the member was answered UNSTABLE_OFFSET_COMMIT and asked again: {while_open}"
    );
    assert_eq!(
        first.borrow().get(&tp(0)),
        None,
        "nothing read from orders/0 while its offsets are pending"
    );
    assert_eq!(
        t.committed_not_stable(),
        Some(COMMITTED),
        "without require_stable the older offset is answered: what the member would have started from"
    );
    steps[1].set(true);
    assert!(t.run_until(20_000, |_| steps[2].get() && done.get()));
    t.run_for(3_000);
    let started = first.borrow().get(&tp(0)).copied();
    let total = unstable(&t);
    (t, started, total)
}

#[test]
fn a_member_waits_for_a_pending_transactional_commit_and_starts_at_it() {
    let (_, started, _) = member_joins_during_transaction(true);
    assert_eq!(
        started,
        Some(IN_TRANSACTION),
        "after the COMMIT marker the member starts at the transaction's offset"
    );
}

#[test]
fn a_member_waits_for_a_pending_transactional_commit_and_after_an_abort_starts_at_the_older_offset()
{
    let (mut t, started, _) = member_joins_during_transaction(false);
    assert_eq!(
        started,
        Some(COMMITTED),
        "the ABORT marker dropped the pending offsets: the older one stands"
    );
    assert_eq!(t.committed_not_stable(), Some(COMMITTED));
}
