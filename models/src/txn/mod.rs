//! Transactions as pure state machines (KIP-98, KIP-890): the coordinator's
//! state per transactional.id (`state`), its records in the internal,
//! replicated `__transaction_state` topic (`log`), and the transaction wire
//! protocol (`protocol`). The coordinator that drives them is a broker request
//! handler (`broker::txn_coordinator`); nothing here knows about brokers.
//!
//! A transactional.id's coordinator is whichever broker leads its partition of
//! `__transaction_state`, so coordination fails over exactly as leadership
//! does, and a transaction's state survives or vanishes by the same
//! replication rules as any data: the new leader loads it from its log.
pub mod log;
pub mod protocol;
pub mod state;

use crate::config::{ClusterConfig, TopicConfig};
use crate::ids::TopicPartition;
use crate::internal_topics::{placement, TRANSACTION_STATE_TOPIC};

/// The `__transaction_state` partition of `transactional_id` (Kafka's
/// `Utils.abs(transactionalId.hashCode) % transactionTopicPartitionCount`).
pub fn state_partition(transactional_id: &str, partitions: u32) -> TopicPartition {
    placement(TRANSACTION_STATE_TOPIC, transactional_id, partitions)
}

/// The configuration with `__transaction_state` added when the producers are
/// transactional. Kafka creates it on the first FindCoordinator; creating it at
/// start only when needed keeps clusters without transactions as they were.
pub fn with_transaction_state_topic(mut config: ClusterConfig) -> ClusterConfig {
    let needed = config.producer.transactional_id.is_some()
        && !config
            .topics
            .iter()
            .any(|t| t.name == TRANSACTION_STATE_TOPIC);
    if needed {
        let replication_factor = config
            .broker
            .transaction_state_log_replication_factor
            .min(config.brokers);
        config.topics.push(TopicConfig {
            name: TRANSACTION_STATE_TOPIC.into(),
            partitions: config.broker.transaction_state_log_num_partitions,
            replication_factor,
            // transaction.state.log.min.isr, capped like the replication
            // factor so a small cluster can still write PrepareCommit.
            min_insync_replicas: Some(
                config
                    .broker
                    .transaction_state_log_min_isr
                    .min(replication_factor),
            ),
            ..TopicConfig::default()
        });
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProducerConfig;

    #[test]
    fn state_topic_only_with_a_transactional_id() {
        let mut c = ClusterConfig::default();
        assert!(with_transaction_state_topic(c.clone()).topics.is_empty());
        c.producer = ProducerConfig {
            transactional_id: Some("t".into()),
            ..ProducerConfig::default()
        };
        c.brokers = 2;
        let t = with_transaction_state_topic(c).topics;
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name, TRANSACTION_STATE_TOPIC);
        assert_eq!(t[0].replication_factor, 2);
        assert_eq!(t[0].min_insync_replicas, Some(2));
        assert_eq!(t[0].partitions, 50);
    }
}
