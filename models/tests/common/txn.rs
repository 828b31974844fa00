//! Helpers for the transaction tests: a transactional cluster, a script-driven
//! transactional producer, and readers at either isolation level.
use super::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::producer::TransactionalProducer;

pub const TXN_ID: &str = "tx";

pub fn tp(p: u32) -> TopicPartition {
    TopicPartition::new(TOPIC, p)
}

/// Three brokers, `orders` with two partitions (RF 3, min.insync 2), a
/// transactional producer; `legacy_v1` selects the pre-KIP-890 protocol.
pub fn txn_config(legacy_v1: bool) -> ClusterConfig {
    let mut c = config(Acks::All, 2);
    c.topics[0].partitions = 2;
    c.producer.enable_idempotence = None;
    c.producer.transactional_id = Some(TXN_ID.into());
    c.broker.legacy_transaction_v1 = legacy_v1;
    c.validate().expect("a valid transactional configuration");
    c
}

pub fn record(v: u64) -> Record {
    Record {
        key: None,
        value: v.to_be_bytes().to_vec(),
    }
}

/// What one poll loop read: (partition, offset, value).
pub type Read = Vec<(u32, i64, u64)>;

impl TestCluster {
    /// Poll both partitions from offset 0 for `ms` at `isolation`; everything returned.
    pub fn read_for(&mut self, isolation: IsolationLevel, ms: u64) -> Read {
        let got: Rc<RefCell<Read>> = Rc::default();
        let done = Rc::new(std::cell::Cell::new(false));
        let name = self.next_client("txn-reader");
        let (out, finished) = (got.clone(), done.clone());
        let mut consumer = consumer_config();
        consumer.isolation_level = isolation;
        self.sim.client(name.as_str(), async move {
            let mut c = Consumer::new(consumer, 3);
            c.assign(vec![tp(0), tp(1)]);
            c.seek(tp(0), 0);
            c.seek(tp(1), 0);
            let until = logjam_models::ids::now_ms() + ms;
            while logjam_models::ids::now_ms() < until {
                if let Ok(records) = c.poll().await {
                    for r in records {
                        let v = u64::from_be_bytes(r.record.value.try_into().expect("8 bytes"));
                        out.borrow_mut().push((r.tp.partition, r.offset, v));
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            finished.set(true);
            Ok(())
        });
        assert!(
            self.run_until(ms + 30_000, |_| done.get()),
            "the reader finished"
        );
        let mut read = got.borrow().clone();
        read.sort();
        read
    }

    /// Run `script` with a transactional producer on a new client host; the
    /// returned flag is set when the script has finished.
    pub fn txn_client<F, Fut>(
        &mut self,
        config: ClusterConfig,
        script: F,
    ) -> (String, Rc<std::cell::Cell<bool>>)
    where
        F: FnOnce(TransactionalProducer) -> Fut + 'static,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let done = Rc::new(std::cell::Cell::new(false));
        let name = self.next_client("txn-producer");
        let finished = done.clone();
        let mut script = Some(script);
        self.sim.client(name.as_str(), async move {
            let p = TransactionalProducer::new(config.producer.clone(), config.brokers);
            if let Some(script) = script.take() {
                script(p).await;
            }
            finished.set(true);
            Ok(())
        });
        (name, done)
    }
}

/// The values of `read` in partition, offset order.
pub fn read_values(read: &Read) -> Vec<u64> {
    read.iter().map(|&(_, _, v)| v).collect()
}

/// Coordinator state changes of the transactional id, as (broker, state).
pub fn txn_states(events: &[TimedEvent]) -> Vec<(BrokerId, String)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged { broker, state, .. } => Some((*broker, state.clone())),
            _ => None,
        })
        .collect()
}
