//! KIP-360 on the idempotent producer: a leader that lost the producer's
//! state (here: an out-of-sync replica elected uncleanly) answers the next
//! expected batch with OUT_OF_ORDER_SEQUENCE_NUMBER. The producer bumps its
//! epoch for that partition, numbers the partition's batches from 0 again and
//! retries at once, instead of waiting for `delivery.timeout.ms` and starting a
//! new session that fails every partition's sent batches.
mod common;
use common::*;
use logjam_models::config::{Acks, ProducerConfig};
use logjam_models::ids::{now_ms, TopicPartition};
use logjam_models::producer::{Producer, SendOutcome};
use logjam_models::Record;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

fn record(v: u64) -> Record {
    Record {
        key: None,
        value: v.to_be_bytes().to_vec(),
    }
}

fn tp1() -> TopicPartition {
    TopicPartition::new(TOPIC, 1)
}

fn idempotent() -> ProducerConfig {
    let mut p = producer_config(Acks::All);
    p.enable_idempotence = Some(true);
    p
}

async fn wait_phase(phase: &Cell<u32>, at_least: u32) {
    while phase.get() < at_least {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// (value, outcome, simulated ms it completed at)
type Timed = Rc<RefCell<Vec<(u64, SendOutcome, u64)>>>;

struct Run {
    /// Simulated ms from the first send to the new leader until the first
    /// batch to that partition is acknowledged.
    unavailable_ms: u64,
    p0: Vec<(u64, SendOutcome, u64)>,
    p1: Vec<(u64, SendOutcome, u64)>,
    read: Vec<u64>,
}

/// Partition 0: v1 (sequence 0) is replicated everywhere; the stale follower
/// is cut off and leaves the ISR; v2 (sequence 1) is acknowledged by the other
/// two alone; both crash and the stale follower, which has sequence 0 only, is
/// elected uncleanly. The next batches (v3, v4: sequences 2, 3) find a leader
/// whose last sequence for the producer is 0. Meanwhile partition 1 gets a
/// batch every 100 ms.
fn leader_loses_producer_state() -> Run {
    let mut c = config(Acks::All, 1);
    c.broker.unclean_leader_election_enable = true;
    c.topics[0].partitions = 2;
    let mut t = TestCluster::new(c, 61);
    t.run_for(1_000);
    let a = t.leader();
    let stale = t.followers()[1];
    let other = t.followers()[0];
    let phase = Rc::new(Cell::new(0u32));
    let (p0, p1): (Timed, Timed) = Default::default();
    let started_ms = Rc::new(Cell::new(0u64));
    let (ph, o0, o1, started) = (phase.clone(), p0.clone(), p1.clone(), started_ms.clone());
    t.sim.client("producer-kip360", async move {
        let p = Producer::start(idempotent(), 3);
        let r = p.send(tp0(), record(1)).await;
        o0.borrow_mut().push((1, r, now_ms()));
        wait_phase(&ph, 1).await;
        let r = p.send(tp0(), record(2)).await;
        o0.borrow_mut().push((2, r, now_ms()));
        wait_phase(&ph, 2).await;
        // Warm-up: the producer finds the new leaders (its first attempts go
        // to the crashed ones), so what follows measures the recovery alone.
        let r = p.send(tp1(), record(99)).await;
        assert!(r.is_ok(), "warm-up send: {r:?}");
        started.set(now_ms());
        // Partition 1, meanwhile: must not be failed by partition 0's recovery.
        let (p1_sender, o1_done) = (p.clone(), o1.clone());
        let p1_loop = tokio::task::spawn_local(async move {
            for v in 100..130 {
                let f = p1_sender.send(tp1(), record(v));
                let o1 = o1.clone();
                tokio::task::spawn_local(async move {
                    let r = f.await;
                    o1.borrow_mut().push((v, r, now_ms()));
                });
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        let (f3, f4) = (p.send(tp0(), record(3)), p.send(tp0(), record(4)));
        let o = o0.clone();
        let h4 = tokio::task::spawn_local(async move {
            let r = f4.await;
            o.borrow_mut().push((4, r, now_ms()));
        });
        let r = f3.await;
        o0.borrow_mut().push((3, r, now_ms()));
        let _ = h4.await;
        // If both failed, the next batch is the first to get through.
        let r = p.send(tp0(), record(5)).await;
        o0.borrow_mut().push((5, r, now_ms()));
        let _ = p1_loop.await;
        // Let the last partition-1 sends complete (the host ends with this task).
        while o1_done.borrow().len() < 30 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    });
    let done = |o: &Timed, n: usize| o.borrow().len() >= n;
    assert!(t.run_until(5_000, |_| done(&p0, 1)), "v1 completes");
    t.cut(a, stale);
    t.cut(other, stale);
    assert!(
        t.run_until(5_000, |t| !t.isr().contains(&stale)),
        "the cut-off follower leaves the ISR"
    );
    phase.set(1);
    assert!(t.run_until(5_000, |_| done(&p0, 2)), "v2 completes");
    t.crash(a);
    t.crash(other);
    t.repair(a, stale);
    t.repair(other, stale);
    assert!(
        t.run_until(5_000, |t| t.cluster.leader_of(&tp0()) == Some(stale)),
        "the stale replica is elected uncleanly"
    );
    assert!(t.cluster.unclean_elections() >= 1);
    phase.set(2);
    assert!(t.run_until(15_000, |_| done(&p0, 5)), "v3..v5 complete");
    assert!(
        t.run_until(10_000, |_| done(&p1, 30)),
        "partition 1 completes: {:?}, leader {:?}",
        p1.borrow(),
        t.cluster.leader_of(&tp1())
    );
    let started = started_ms.get();
    let first_ack = p0
        .borrow()
        .iter()
        .filter(|(v, r, _)| *v >= 3 && r.is_ok())
        .map(|&(_, _, at)| at)
        .min()
        .expect("some batch gets through");
    let read = values(&t.read_all(consumer_config()));
    let (p0, p1) = (p0.borrow().clone(), p1.borrow().clone());
    Run {
        unavailable_ms: first_ack - started,
        p0,
        p1,
        read,
    }
}

#[test]
fn out_of_order_sequence_on_the_next_batch_recovers_at_once() {
    let run = leader_loses_producer_state();
    println!(
        "unavailable after OUT_OF_ORDER_SEQUENCE: {} ms (simulated)",
        run.unavailable_ms
    );
    assert!(
        run.p0.iter().take(2).all(|(_, r, _)| r.is_ok()),
        "v1, v2 acknowledged: {:?}",
        run.p0
    );
    assert!(
        run.unavailable_ms <= 500,
        "the partition takes writes again within 500 ms, not after delivery.timeout.ms: {} ms; {:?}",
        run.unavailable_ms,
        run.p0
    );
    for v in [3, 4, 5] {
        let (_, r, _) = run.p0.iter().find(|(x, _, _)| *x == v).expect("sent");
        assert!(r.is_ok(), "v{v} is retried under the bumped epoch: {r:?}");
    }
    assert!(
        run.p1.iter().all(|(_, r, _)| r.is_ok()),
        "partition 1's batches are not failed: {:?}",
        run.p1
    );
    // v2 was lost with the unclean election (acks=all with min.insync=1); the
    // rest is there once each, in order.
    assert_eq!(run.read, vec![1, 3, 4, 5]);
}
