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

pub use crate::internal_topics::{is_internal, OFFSETS_TOPIC};

/// The `__consumer_offsets` partition of `group` (Kafka's
/// `Utils.abs(groupId.hashCode) % partitions`).
pub fn offsets_partition(group: &str, partitions: u32) -> TopicPartition {
    crate::internal_topics::placement(OFFSETS_TOPIC, group, partitions)
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
        // "a".hashCode() == 97; "ab".hashCode() == 3105.
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
