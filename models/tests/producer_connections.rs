//! The producer's connections: a request timeout closes its connection once
//! (not the ones opened since), and a broker whose connect hangs holds up only
//! the batches for that broker.
mod common;
use common::*;
use logjam_models::config::{Acks, ProducerConfig};
use logjam_models::ids::{broker_host, now_ms, TopicPartition};
use logjam_models::producer::Producer;
use logjam_models::Record;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

fn record(v: u64) -> Record {
    Record {
        key: None,
        value: v.to_be_bytes().to_vec(),
    }
}

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// acks=1, no retries (every failed request shows), five requests in flight.
fn pipelining_producer() -> ProducerConfig {
    let mut p = producer_config(Acks::One);
    p.retries = 0;
    p.max_in_flight_requests_per_connection = 5;
    p
}

#[test]
fn a_timed_out_request_closes_its_own_connection_only() {
    let mut t = TestCluster::new(config(Acks::One, 1), 31);
    t.run_for(1_000);
    let leader = t.leader();
    let client = "producer-pipelined";
    let go = Rc::new(Cell::new(false));
    let outcomes: Outcomes = Rc::default();
    let (flag, out) = (go.clone(), outcomes.clone());
    t.sim.client(client, async move {
        let p = Producer::start(pipelining_producer(), 3);
        let warm = p.send(tp0(), record(0)).await;
        out.borrow_mut().push((0, warm));
        wait_for(&flag).await;
        // One batch per send while there is room in flight (the sender drains
        // between sends); the rest queue up as one batch.
        let mut pending = Vec::new();
        for v in 1..=10 {
            pending.push((v, p.send(tp0(), record(v))));
            tokio::task::yield_now().await;
        }
        for (v, f) in pending {
            let r = f.await;
            out.borrow_mut().push((v, r));
        }
        Ok(())
    });
    t.wait_outcomes(&outcomes, 1, 5_000);
    // turmoil's TCP never retransmits: the five requests written during the
    // cut stall their connection for good and time out. The first timeout
    // closes it; the batch waiting behind them goes out on a new connection,
    // which the other four timeouts must leave alone.
    t.cut_client(client, leader);
    go.set(true);
    t.run_for(200);
    t.repair_client(client, leader);
    t.wait_outcomes(&outcomes, 11, 10_000);
    let acked: Vec<u64> = acked(&outcomes).into_iter().map(|(v, _)| v).collect();
    assert_eq!(
        acked,
        vec![0, 6, 7, 8, 9, 10],
        "only the requests on the stalled connection fail: {:?}",
        outcomes.borrow()
    );
}

#[test]
fn a_hanging_connect_to_one_broker_does_not_hold_up_another() {
    let mut cfg = config(Acks::One, 1);
    cfg.topics[0].partitions = 2;
    let mut t = TestCluster::new(cfg, 32);
    t.run_for(1_000);
    let (slow, fast) = (tp0(), TopicPartition::new(TOPIC, 1));
    let slow_leader = t.cluster.leader_of(&slow).expect("leader");
    assert_ne!(t.cluster.leader_of(&fast), Some(slow_leader));
    let client = "producer-two-brokers";
    let go = Rc::new(Cell::new(false));
    let warmed = Rc::new(Cell::new(false));
    let latency_ms: Rc<Cell<Option<u64>>> = Rc::default();
    let (flag, warm, latency) = (go.clone(), warmed.clone(), latency_ms.clone());
    t.sim.client(client, async move {
        let p = Producer::start(producer_config(Acks::One), 3);
        // Connections to both leaders are open before the slow one hangs.
        let (a, b) = (
            p.send(slow.clone(), record(1)),
            p.send(fast.clone(), record(2)),
        );
        assert!(a.await.is_ok() && b.await.is_ok(), "warm-up sends");
        warm.set(true);
        wait_for(&flag).await;
        // Times out after request.timeout.ms (1000); its retry then waits up
        // to another 1000 for a connect that hangs.
        let _stuck = p.send(slow, record(3));
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let sent_ms = now_ms();
        let r = p.send(fast, record(4)).await;
        assert!(r.is_ok(), "the other broker answers: {r:?}");
        latency.set(Some(now_ms() - sent_ms));
        Ok(())
    });
    assert!(t.run_until(5_000, |_| warmed.get()));
    // Held, not cut: messages wait on the link, so a connect hangs.
    t.sim.hold(client, broker_host(slow_leader));
    go.set(true);
    assert!(t.run_until(5_000, |_| latency_ms.get().is_some()));
    let ms = latency_ms.get().expect("checked");
    assert!(
        ms < 200,
        "a send to a healthy broker took {ms} ms while another broker's connect hung"
    );
}
