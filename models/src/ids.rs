//! Identifiers shared by every part of the cluster.
use serde::{Deserialize, Serialize};
use std::fmt;

pub type BrokerId = u32;
/// Kafka's producer id; -1 means "none" (a non-idempotent producer).
pub type ProducerId = i64;
pub const NO_PRODUCER_ID: ProducerId = -1;
pub const NO_SEQUENCE: i32 = -1;

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
pub const BROKER_PORT: u16 = 9092;
pub const CONTROLLER_PORT: u16 = 9093;

/// Milliseconds of simulated time since the run started (same clock on every host).
pub fn now_ms() -> u64 {
    turmoil::sim_elapsed().map_or(0, |d| d.as_millis() as u64)
}
