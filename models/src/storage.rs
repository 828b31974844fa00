//! A broker's disk. It lives outside the broker's host runtime (owned by the
//! cluster, keyed by broker id) so it survives a restart; whether a restart lost
//! the page cache (power loss) or not (process crash) is decided by the caller.
use crate::ids::TopicPartition;
use crate::log::PartitionLog;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

pub type SharedDisk = Rc<RefCell<Disk>>;

#[derive(Debug, Default)]
pub struct Disk {
    pub logs: BTreeMap<TopicPartition, PartitionLog>,
    /// `replication-offset-checkpoint`: each replica's high watermark, written
    /// (and fsynced) every `replica.high.watermark.checkpoint.interval.ms`.
    pub hw_checkpoint: BTreeMap<TopicPartition, i64>,
    /// Incremented at each start: tells the controller this is a new process.
    pub incarnation: u64,
    /// The next producer id this broker hands out (durable, as a KRaft id block would be).
    pub next_producer_id: i64,
}

impl Disk {
    pub fn shared() -> SharedDisk {
        Rc::new(RefCell::new(Disk::default()))
    }

    pub fn log_mut(&mut self, tp: &TopicPartition) -> &mut PartitionLog {
        self.logs.entry(tp.clone()).or_default()
    }

    pub fn log(&self, tp: &TopicPartition) -> Option<&PartitionLog> {
        self.logs.get(tp)
    }

    /// Power loss at `now_ms`: everything neither flushed nor written back by
    /// the kernel (older than `writeback_age_ms`) is gone. Checkpoint files
    /// are fsynced when written, so they survive (and may now point past the
    /// log end).
    pub fn lose_power(&mut self, now_ms: u64, writeback_age_ms: u64) {
        for log in self.logs.values_mut() {
            log.lose_unflushed(now_ms, writeback_age_ms);
        }
    }
}
