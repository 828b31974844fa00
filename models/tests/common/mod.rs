//! A small driver for scripted simulation tests: a cluster on a turmoil sim, client
//! hosts that send and read, and faults applied between steps.
#![allow(dead_code)]
use logjam_models::cluster::{new_sim, Cluster, SimSettings};
use logjam_models::config::{Acks, ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig};
use logjam_models::config::{AutoOffsetReset, BrokerConfig};
use logjam_models::consumer::Consumer;
use logjam_models::events::TimedEvent;
use logjam_models::ids::{broker_host, BrokerId, TopicPartition, CONTROLLER_HOST};
use logjam_models::producer::{Producer, SendOutcome};
use logjam_models::Record;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub mod txn;

/// (offset, value) pairs of one partition, in offset order.
type ValuesByOffset = Vec<(i64, u64)>;

pub const TOPIC: &str = "orders";

pub fn tp0() -> TopicPartition {
    TopicPartition::new(TOPIC, 0)
}

/// A 3-broker cluster with one single-partition topic and simulation-scaled timeouts.
pub fn config(acks: Acks, min_insync: u32) -> ClusterConfig {
    let mut broker = BrokerConfig::scaled_for_simulation();
    broker.min_insync_replicas = min_insync;
    let mut producer = ProducerConfig::scaled_for_simulation();
    producer.acks = acks;
    producer.enable_idempotence = Some(false);
    let mut consumer = ConsumerConfig::scaled_for_simulation();
    consumer.auto_offset_reset = AutoOffsetReset::Earliest;
    ClusterConfig {
        brokers: 3,
        broker,
        topics: vec![TopicConfig {
            name: TOPIC.into(),
            partitions: 1,
            replication_factor: 3,
            ..TopicConfig::default()
        }],
        producer,
        consumer,
        ..ClusterConfig::default()
    }
}

pub type Outcomes = Rc<RefCell<Vec<(u64, SendOutcome)>>>;

pub struct TestCluster {
    pub sim: turmoil::Sim<'static>,
    pub cluster: Cluster,
    clients: u32,
}

impl TestCluster {
    pub fn new(config: ClusterConfig, seed: u64) -> Self {
        Self::with_settings(
            config,
            SimSettings {
                seed,
                ..SimSettings::default()
            },
        )
    }

    /// A cluster on a sim with these settings (the duration is raised to ten
    /// simulated minutes, room for any scripted test).
    pub fn with_settings(config: ClusterConfig, settings: SimSettings) -> Self {
        let settings = SimSettings {
            duration_ms: 600_000,
            ..settings
        };
        let mut sim = new_sim(&settings);
        let cluster = Cluster::new(config).expect("valid config");
        cluster.install(&mut sim);
        Self {
            sim,
            cluster,
            clients: 0,
        }
    }

    pub fn now_ms(&self) -> u64 {
        self.sim.elapsed().as_millis() as u64
    }

    pub fn run_for(&mut self, ms: u64) {
        let until = self.sim.elapsed() + Duration::from_millis(ms);
        while self.sim.elapsed() < until {
            self.sim.step().expect("simulation step");
        }
    }

    /// Step until `cond` holds, at most `max_ms`; returns whether it held.
    pub fn run_until(&mut self, max_ms: u64, mut cond: impl FnMut(&mut Self) -> bool) -> bool {
        let until = self.sim.elapsed() + Duration::from_millis(max_ms);
        while self.sim.elapsed() < until {
            if cond(self) {
                return true;
            }
            self.sim.step().expect("simulation step");
        }
        cond(self)
    }

    pub fn leader(&self) -> BrokerId {
        self.cluster
            .leader_of(&tp0())
            .expect("partition has a leader")
    }

    pub fn followers(&self) -> Vec<BrokerId> {
        let l = self.leader();
        (1..=3).filter(|&b| b != l).collect()
    }

    /// Cut `broker` off from the other brokers and the controller (clients still reach it).
    pub fn isolate_from_cluster(&mut self, broker: BrokerId) {
        for other in (1..=3).filter(|&b| b != broker) {
            self.sim.partition(broker_host(broker), broker_host(other));
        }
        self.sim.partition(broker_host(broker), CONTROLLER_HOST);
    }

    pub fn heal_broker(&mut self, broker: BrokerId) {
        for other in (1..=3).filter(|&b| b != broker) {
            self.sim.repair(broker_host(broker), broker_host(other));
        }
        self.sim.repair(broker_host(broker), CONTROLLER_HOST);
    }

    fn next_client(&mut self, prefix: &str) -> String {
        self.clients += 1;
        format!("{prefix}-{}", self.clients)
    }

    /// A producer host that sends `values` to partition 0 at once (one batch per
    /// value unless `linger.ms` groups them), recording each outcome.
    pub fn produce(&mut self, producer: ProducerConfig, values: Vec<u64>) -> (String, Outcomes) {
        let outcomes: Outcomes = Rc::default();
        let name = self.next_client("producer");
        let out = outcomes.clone();
        self.sim.client(name.as_str(), async move {
            let p = Producer::start(producer, 3);
            let mut pending = Vec::new();
            for v in values {
                pending.push((
                    v,
                    p.send(
                        tp0(),
                        Record {
                            key: None,
                            value: v.to_be_bytes().to_vec(),
                        },
                    ),
                ));
                tokio::task::yield_now().await;
            }
            let futs: Vec<_> = pending
                .into_iter()
                .map(|(v, f)| {
                    let out = out.clone();
                    tokio::task::spawn_local(async move {
                        let r = f.await;
                        out.borrow_mut().push((v, r));
                    })
                })
                .collect();
            for f in futs {
                let _ = f.await;
            }
            Ok(())
        });
        (name, outcomes)
    }

    /// A closed-loop producer host: `processes` tasks sharing one producer,
    /// each sending its own values to partition 0 one at a time (the next
    /// only once the previous one's outcome is known), until `stop` is set;
    /// records each outcome. After each outcome a process pauses a
    /// pseudo-random `pause_ms` (inclusive range, from `seed`), as the
    /// harness's workload does.
    pub fn produce_closed_loop(
        &mut self,
        producer: ProducerConfig,
        processes: u64,
        pause_ms: std::ops::RangeInclusive<u64>,
        seed: u64,
        stop: Rc<std::cell::Cell<bool>>,
    ) -> (String, Outcomes) {
        let outcomes: Outcomes = Rc::default();
        let name = self.next_client("producer");
        let out = outcomes.clone();
        self.sim.client(name.as_str(), async move {
            let p = Rc::new(Producer::start(producer, 3));
            let tasks: Vec<_> = (0..processes)
                .map(|process| {
                    let (p, out, stop) = (p.clone(), out.clone(), stop.clone());
                    let pause_ms = pause_ms.clone();
                    // splitmix64: a seeded stream per process.
                    let mut state = seed ^ process.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    let mut next = move || {
                        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                        let mut z = state;
                        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                        z ^ (z >> 31)
                    };
                    tokio::task::spawn_local(async move {
                        let mut v = process;
                        while !stop.get() {
                            let record = Record {
                                key: None,
                                value: v.to_be_bytes().to_vec(),
                            };
                            let r = p.send(tp0(), record).await;
                            out.borrow_mut().push((v, r));
                            v += processes;
                            let span = pause_ms.end() - pause_ms.start() + 1;
                            let pause = pause_ms.start() + next() % span;
                            tokio::time::sleep(Duration::from_millis(pause)).await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
            Ok(())
        });
        (name, outcomes)
    }

    /// Read partition 0 from offset 0 to its HW with a fresh consumer; values by offset.
    pub fn read_all(&mut self, consumer: ConsumerConfig) -> Vec<(i64, u64)> {
        let got: Rc<RefCell<Option<ValuesByOffset>>> = Rc::default();
        let name = self.next_client("reader");
        let out = got.clone();
        self.sim.client(name.as_str(), async move {
            let mut c = Consumer::new(consumer, 3);
            c.assign(vec![tp0()]);
            c.seek(tp0(), 0);
            let end = loop {
                if let Some(e) = c.end_offset(&tp0()).await {
                    break e;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let mut records = Vec::new();
            while c.position(&tp0()).unwrap_or(0) < end {
                for r in c.poll().await.expect("earliest reset") {
                    records.push((
                        r.offset,
                        u64::from_be_bytes(r.record.value.try_into().expect("8 bytes")),
                    ));
                }
            }
            *out.borrow_mut() = Some(records);
            Ok(())
        });
        let done = self.run_until(60_000, |_| got.borrow().is_some());
        assert!(done, "final read did not finish");
        let records = got.borrow_mut().take().expect("checked");
        records
    }

    pub fn wait_outcomes(&mut self, outcomes: &Outcomes, n: usize, max_ms: u64) {
        let ok = self.run_until(max_ms, |_| outcomes.borrow().len() >= n);
        assert!(
            ok,
            "only {} of {n} sends completed",
            outcomes.borrow().len()
        );
    }
}

pub fn acked(outcomes: &Outcomes) -> Vec<(u64, i64)> {
    outcomes
        .borrow()
        .iter()
        .filter_map(|(v, r)| r.as_ref().ok().and_then(|o| o.map(|o| (*v, o))))
        .collect()
}

pub fn producer_config(acks: Acks) -> ProducerConfig {
    let mut p = ProducerConfig::scaled_for_simulation();
    p.acks = acks;
    p.enable_idempotence = Some(false);
    p
}

pub fn consumer_config() -> ConsumerConfig {
    let mut c = ConsumerConfig::scaled_for_simulation();
    c.auto_offset_reset = AutoOffsetReset::Earliest;
    c
}

impl TestCluster {
    /// Cut the link between two brokers only.
    pub fn cut(&mut self, a: BrokerId, b: BrokerId) {
        self.sim.partition(broker_host(a), broker_host(b));
    }

    pub fn repair(&mut self, a: BrokerId, b: BrokerId) {
        self.sim.repair(broker_host(a), broker_host(b));
    }

    pub fn cut_client(&mut self, client: &str, broker: BrokerId) {
        self.sim.partition(client, broker_host(broker));
    }

    pub fn repair_client(&mut self, client: &str, broker: BrokerId) {
        self.sim.repair(client, broker_host(broker));
    }

    /// The cluster's event log so far.
    pub fn events(&self) -> Vec<TimedEvent> {
        self.cluster.events()
    }

    pub fn isr(&self) -> Vec<BrokerId> {
        self.cluster.isr_of(&tp0())
    }

    /// Log end offset of partition 0 on `broker`'s disk.
    pub fn log_end(&self, broker: BrokerId) -> i64 {
        self.cluster.log_end_offset(broker, &tp0())
    }

    pub fn crash(&mut self, b: BrokerId) {
        self.cluster.crash(&mut self.sim, b);
    }

    pub fn lose_power(&mut self, b: BrokerId) {
        self.cluster.lose_power(&mut self.sim, b);
    }

    pub fn restart(&mut self, b: BrokerId) {
        self.cluster.restart(&mut self.sim, b);
    }
}

/// Values of a final read, in offset order.
pub fn values(read: &[(i64, u64)]) -> Vec<u64> {
    read.iter().map(|&(_, v)| v).collect()
}
