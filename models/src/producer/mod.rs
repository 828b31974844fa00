//! The producer client: `send` hands a record to the accumulator and returns a
//! future of its outcome; a sender task drains ready batches to partition leaders,
//! up to `max.in.flight.requests.per.connection` per broker, and retries.
mod accumulator;
mod batch;
mod event;
mod link;
mod sender;
mod transactional;

use crate::batch::Record;
use crate::config::ProducerConfig;
use crate::ids::{now_ms, TopicPartition};
use accumulator::Accumulator;
use batch::PendingRecord;
pub use batch::{SendError, SendOutcome};
use std::cell::RefCell;
use std::rc::Rc;
use tokio::sync::{oneshot, Notify};
pub use transactional::{TransactionalProducer, TxnClientError, TxnErrorClass};

/// A producer handle; cheap to clone, shared by the application's tasks.
#[derive(Clone)]
pub struct Producer {
    accumulator: Rc<RefCell<Accumulator>>,
    wake: Rc<Notify>,
    batch_size: u64,
}

impl Producer {
    /// Start a producer on the current host, bootstrapping from `brokers` (1..=n).
    /// The configuration must have been validated.
    pub fn start(config: ProducerConfig, brokers: u32) -> Self {
        let accumulator = Rc::new(RefCell::new(Accumulator::default()));
        let wake = Rc::new(Notify::new());
        let batch_size = config.batch_size;
        tokio::task::spawn_local(sender::run(
            config,
            brokers,
            accumulator.clone(),
            wake.clone(),
        ));
        Self {
            accumulator,
            wake,
            batch_size,
        }
    }

    /// Send one record to a partition. Resolves to its offset (`None` with acks=0)
    /// or to an error that says whether the record may still have been written.
    pub fn send(
        &self,
        tp: TopicPartition,
        record: Record,
    ) -> impl std::future::Future<Output = SendOutcome> {
        let (reply, rx) = oneshot::channel();
        self.accumulator.borrow_mut().append(
            tp,
            PendingRecord { record, reply },
            self.batch_size,
            now_ms(),
        );
        self.wake.notify_one();
        async move {
            rx.await.unwrap_or_else(|_| {
                Err(SendError {
                    error: "PRODUCER_CLOSED".into(),
                    definitely_failed: false,
                })
            })
        }
    }
}
