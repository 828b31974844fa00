//! Clients told there are no brokers neither panic nor spin: sends fail as
//! never sent, polls return nothing.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::consumer::group::GroupConsumer;
use logjam_models::consumer::Consumer;
use logjam_models::producer::{Producer, SendOutcome};
use logjam_models::Record;
use std::cell::RefCell;
use std::rc::Rc;

type Seen = (SendOutcome, usize, Option<i64>, usize);

#[test]
fn clients_with_no_brokers_fail_sends_and_read_nothing() {
    let mut t = TestCluster::new(config(Acks::All, 1), 51);
    let seen: Rc<RefCell<Option<Seen>>> = Rc::default();
    let out = seen.clone();
    t.sim.client("no-brokers", async move {
        let p = Producer::start(producer_config(Acks::All), 0);
        let record = Record {
            key: None,
            value: vec![1],
        };
        let sent = p.send(tp0(), record).await;
        // No backoff configured: the clients' waits still let time pass.
        let no_backoff = logjam_models::config::ConsumerConfig {
            retry_backoff_ms: 0,
            ..consumer_config()
        };
        let mut c = Consumer::new(no_backoff.clone(), 0);
        c.assign(vec![tp0()]);
        let polled = c.poll().await.expect("earliest reset").len();
        let end = c.end_offset(&tp0()).await;
        let mut group = no_backoff;
        group.group_id = Some("g".into());
        let mut g = GroupConsumer::subscribe(group, 0, "member-1", vec![TOPIC.into()])
            .expect("has a group.id");
        let group_polled = g.poll().await.expect("polls").records.len();
        *out.borrow_mut() = Some((sent, polled, end, group_polled));
        Ok(())
    });
    assert!(
        t.run_until(20_000, |_| seen.borrow().is_some()),
        "clients finished"
    );
    let (sent, polled, end, group_polled) = seen.borrow_mut().take().expect("checked");
    let err = sent.expect_err("nowhere to send");
    assert!(err.definitely_failed, "never sent: {err:?}");
    assert_eq!((polled, end, group_polled), (0, None, 0));
}
