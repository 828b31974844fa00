//! Issue 11: the consumer fetches from every leader at once, one request per
//! broker, and `poll` returns at its timeout with what has arrived (Kafka's
//! `poll(Duration)`), so two dead leaders cost one poll timeout, not one
//! request timeout each. Data a slow fetch brings back later is returned once,
//! and nothing is skipped.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::consumer::Consumer;
use logjam_models::ids::TopicPartition;
use logjam_models::producer::Producer;
use logjam_models::Record;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

const PER_PARTITION: u64 = 5;

fn tp1() -> TopicPartition {
    TopicPartition::new(TOPIC, 1)
}

/// Offsets read per partition, in the order polls returned them.
type Reads = Rc<RefCell<BTreeMap<u32, Vec<i64>>>>;

#[test]
fn a_poll_with_two_dead_leaders_returns_at_its_timeout() {
    let mut cfg = config(Acks::All, 1);
    cfg.topics[0].partitions = 2;
    let consumer = consumer_config();
    let (poll_timeout, request_timeout) = (consumer.poll_timeout_ms, consumer.request_timeout_ms);
    let mut t = TestCluster::new(cfg, 7);
    t.run_for(2_000);
    let leaders = [
        t.cluster.leader_of(&tp0()).expect("leader"),
        t.cluster.leader_of(&tp1()).expect("leader"),
    ];
    assert_ne!(leaders[0], leaders[1], "the partitions need two leaders");

    // Phase 0 produces PER_PARTITION records to each partition; phase 1 (after
    // the cut) nothing; phase 2 (after healing) as many again.
    let phase = Rc::new(Cell::new(0u32));
    let produced = Rc::new(Cell::new(0u64));
    {
        let (phase, produced) = (phase.clone(), produced.clone());
        t.sim.client("producer", async move {
            let p = Producer::start(producer_config(Acks::All), 3);
            for round in [0, 2] {
                while phase.get() != round {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                for v in 0..PER_PARTITION {
                    for tp in [tp0(), tp1()] {
                        let record = Record {
                            key: None,
                            value: v.to_be_bytes().to_vec(),
                        };
                        p.send(tp, record).await.expect("acked").expect("offset");
                        produced.set(produced.get() + 1);
                    }
                }
            }
            Ok(())
        });
    }
    let reads: Reads = Rc::default();
    let cut_polls: Rc<RefCell<Vec<u64>>> = Rc::default();
    {
        let (phase, reads, cut_polls) = (phase.clone(), reads.clone(), cut_polls.clone());
        t.sim.client("consumer", async move {
            let mut c = Consumer::new(consumer, 3);
            c.assign(vec![tp0(), tp1()]);
            c.seek(tp0(), 0);
            c.seek(tp1(), 0);
            loop {
                let start = tokio::time::Instant::now();
                let records = c.poll().await.expect("positions set");
                if phase.get() == 1 {
                    cut_polls
                        .borrow_mut()
                        .push(start.elapsed().as_millis() as u64);
                }
                for r in records {
                    reads
                        .borrow_mut()
                        .entry(r.tp.partition)
                        .or_default()
                        .push(r.offset);
                }
            }
        });
    }
    let read_all = |t: &mut TestCluster, n: usize| {
        t.run_until(30_000, |_| {
            let r = reads.borrow();
            r.values().map(Vec::len).sum::<usize>() >= n
        })
    };
    assert!(
        read_all(&mut t, 2 * PER_PARTITION as usize),
        "first records read"
    );

    for l in leaders {
        t.cut_client("consumer", l);
    }
    phase.set(1);
    t.run_until(10_000, |_| cut_polls.borrow().len() >= 3);
    let polls = cut_polls.borrow().clone();
    println!("polls with both leaders cut off (ms): {polls:?}");
    assert!(
        polls.len() >= 3,
        "polls return while both leaders are cut off"
    );
    for &ms in &polls {
        // One poll timeout, plus a tick of the simulation's clock at most;
        // never a request timeout per leader.
        assert!(
            ms <= poll_timeout + 10,
            "a poll took {ms} ms; logjam.poll.timeout.ms is {poll_timeout}"
        );
        assert!(ms < request_timeout, "a poll waited for a request timeout");
    }

    for l in leaders {
        t.repair_client("consumer", l);
    }
    phase.set(2);
    assert!(
        read_all(&mut t, 4 * PER_PARTITION as usize),
        "records after healing read"
    );
    t.run_for(1_000);
    assert_eq!(produced.get(), 4 * PER_PARTITION);
    let want: Vec<i64> = (0..2 * PER_PARTITION as i64).collect();
    let r = reads.borrow();
    assert_eq!(
        r.get(&0),
        Some(&want),
        "partition 0: each offset once, in order"
    );
    assert_eq!(
        r.get(&1),
        Some(&want),
        "partition 1: each offset once, in order"
    );
}
