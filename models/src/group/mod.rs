//! Consumer groups as pure state machines: membership and generations,
//! partition assignors, committed offsets kept as records of the internal,
//! replicated `__consumer_offsets` topic, and the group wire protocol. The
//! coordinator that serves them is a broker request handler
//! (`broker::group_coordinator`); nothing here knows about brokers.
//!
//! A group's coordinator is whichever broker leads the group's partition of
//! `__consumer_offsets`, so coordination fails over exactly as leadership
//! does, and committed offsets survive or vanish by the same replication rules
//! as any data.
pub mod assignor;
pub mod membership;
pub mod offsets;
pub mod protocol;

use crate::config::{ClusterConfig, TopicConfig};
use crate::ids::TopicPartition;

/// Kafka's name for the internal offsets topic.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Java's `String.hashCode`, which Kafka uses to place a group: the same group
/// id lands on the same partition in Kafka and here.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| {
        h.wrapping_mul(31).wrapping_add(i32::from(c as i16))
    })
}

/// The `__consumer_offsets` partition of `group` (Kafka's
/// `Utils.abs(groupId.hashCode) % partitions`).
pub fn offsets_partition(group: &str, partitions: u32) -> TopicPartition {
    // Kafka's Utils.abs maps i32::MIN to 0 rather than overflowing.
    let h = java_string_hash(group);
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    TopicPartition::new(OFFSETS_TOPIC, abs % partitions.max(1))
}

/// Is this an internal topic (hidden from group assignments and workloads)?
pub fn is_internal(topic: &str) -> bool {
    topic == OFFSETS_TOPIC
}

/// The configuration with `__consumer_offsets` added when the clients use a
/// group (`group.id` set). Kafka creates the topic on first use; creating it at
/// start only when needed keeps clusters without groups exactly as they were.
pub fn with_offsets_topic(mut config: ClusterConfig) -> ClusterConfig {
    let needed = config.consumer.group_id.is_some()
        && !config.topics.iter().any(|t| t.name == OFFSETS_TOPIC);
    if needed {
        config.topics.push(TopicConfig {
            name: OFFSETS_TOPIC.into(),
            partitions: config.broker.offsets_topic_num_partitions,
            replication_factor: config
                .broker
                .offsets_topic_replication_factor
                .min(config.brokers),
            ..TopicConfig::default()
        });
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_placement_matches_java_hash() {
        // "".hashCode() == 0; "a".hashCode() == 97; "ab".hashCode() == 3105.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("ab"), 3105);
        assert_eq!(offsets_partition("a", 3).partition, 97 % 3);
        assert_eq!(offsets_partition("ab", 50).partition, 3105 % 50);
    }

    #[test]
    fn offsets_topic_only_with_a_group() {
        let mut c = ClusterConfig::default();
        assert!(with_offsets_topic(c.clone()).topics.is_empty());
        c.consumer.group_id = Some("g".into());
        c.brokers = 2;
        let t = with_offsets_topic(c).topics;
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].replication_factor, 2);
        assert_eq!(t[0].partitions, 50);
    }
}
