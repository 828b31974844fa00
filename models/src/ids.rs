//! Identifiers shared by every part of the cluster. Public: partitions,
//! broker ids, host names, and the simulated clock; the rest is the crate's.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

pub type BrokerId = u32;
/// Kafka's producer id; -1 means "none" (a non-idempotent producer).
pub(crate) type ProducerId = i64;
pub(crate) const NO_PRODUCER_ID: ProducerId = -1;
pub(crate) const NO_SEQUENCE: i32 = -1;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.topic, self.partition)
    }
}

/// Turmoil host names: one per broker, one for the controller.
pub fn broker_host(id: BrokerId) -> String {
    format!("broker-{id}")
}
pub const CONTROLLER_HOST: &str = "controller";
pub(crate) const BROKER_PORT: u16 = 9092;
pub(crate) const CONTROLLER_PORT: u16 = 9093;

/// The next bootstrap broker after `last`, round robin over `1..=brokers`
/// (`last` = 0 starts at broker 1); `None` when there are no brokers.
pub(crate) fn next_bootstrap(last: &mut BrokerId, brokers: u32) -> Option<BrokerId> {
    if brokers == 0 {
        return None;
    }
    *last = *last % brokers + 1;
    Some(*last)
}

/// Milliseconds of simulated time since the run started (same clock on every host).
pub fn now_ms() -> u64 {
    turmoil::sim_elapsed().map_or(0, |d| d.as_millis() as u64)
}

/// The instant `ms` from now, or about thirty years ahead (tokio's "far future")
/// where adding `ms` would overflow: timeouts arrive in requests, so they may be
/// anything.
pub(crate) fn deadline_after_ms(ms: u64) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(Duration::from_millis(ms))
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_is_round_robin_and_none_without_brokers() {
        let mut last = 0;
        let order: Vec<_> = (0..4).map(|_| next_bootstrap(&mut last, 3)).collect();
        assert_eq!(order, vec![Some(1), Some(2), Some(3), Some(1)]);
        assert_eq!(next_bootstrap(&mut last, 0), None);
    }
}
