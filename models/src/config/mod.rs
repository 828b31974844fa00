//! Cluster and client configuration, named and defaulted as in Kafka 3.7.
//!
//! Every struct deserializes from Kafka's dotted setting names
//! (`"min.insync.replicas" = 2`), rejects unknown keys, and fills missing keys
//! with Kafka's default, so a TOML table only lists what a scenario changes:
//!
//! ```toml
//! brokers = 3
//! [broker]
//! "min.insync.replicas" = 2
//! [[topics]]
//! name = "orders"
//! partitions = 3
//! [producer]
//! acks = "1"
//! ```
//!
//! Validation follows Kafka's own rules and names the offending setting.
//! `scaled_for_simulation()` constructors shrink Kafka's timers so failures are
//! detected and repaired several times within a short simulated run.

mod broker;
mod consumer;
mod error;
pub mod partitioner;
mod producer;
mod topic;
mod version;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

pub use broker::BrokerConfig;
pub use consumer::{AssignmentStrategy, AutoOffsetReset, ConsumerConfig, IsolationLevel};
pub use error::ConfigError;
pub use partitioner::{murmur2, partition_for_key, to_positive};
pub use producer::{Acks, ProducerConfig, MAX_IN_FLIGHT_FOR_IDEMPOTENCE};
pub use topic::{EffectiveTopicConfig, TopicConfig, MAX_TOPIC_NAME_LENGTH};
pub use version::{KafkaVersion, KAFKA_VERSIONS};

/// The whole simulated cluster: broker count, shared broker settings, topics, and
/// the settings of the clients the workload runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// `brokers`: number of brokers (logjam setting). Default 3, the smallest
    /// cluster where replication factor 3 with min.insync.replicas 2 tolerates a
    /// broker loss.
    pub brokers: u32,
    /// `kafka.version` (logjam setting): the Kafka release every broker and
    /// the controller run, "3.7" (default), "4.0" or "4.1"; it turns on what
    /// that release has (4.1: eligible leader replicas, KIP-966). Cluster-wide
    /// because the mechanisms it switches are cluster-wide in Kafka
    /// (`metadata.version` and feature levels).
    #[serde(rename = "kafka.version")]
    pub kafka_version: KafkaVersion,
    /// `[broker]`: settings every broker shares.
    pub broker: BrokerConfig,
    /// `[[topics]]`: topics created at start. Default none (Kafka starts empty).
    pub topics: Vec<TopicConfig>,
    /// `[producer]`: settings of the workload's producers.
    pub producer: ProducerConfig,
    /// `[consumer]`: settings of the workload's consumers.
    pub consumer: ConsumerConfig,
}

impl Default for ClusterConfig {
    /// Three brokers with Kafka's defaults, no topics.
    fn default() -> Self {
        Self {
            brokers: 3,
            kafka_version: KafkaVersion::default(),
            broker: BrokerConfig::default(),
            topics: Vec::new(),
            producer: ProducerConfig::default(),
            consumer: ConsumerConfig::default(),
        }
    }
}

impl ClusterConfig {
    /// Checks every part and cross-checks the topics against the brokers. The
    /// error's setting is the TOML path: `brokers`, `broker.min.insync.replicas`,
    /// `topics[orders].replication.factor`, `producer.enable.idempotence`,
    /// `consumer.session.timeout.ms` (the `producer.`/`consumer.` prefixes are
    /// also how Kafka Streams scopes client settings).
    pub fn validate(&self) -> Result<(), ConfigError> {
        error::at_least("brokers", self.brokers, 1)?;
        self.broker.validate().map_err(|e| e.prefixed("broker."))?;
        // A ZooKeeper-era restart that keeps the ISR cannot run on a
        // controller that removes a broker which did not shut down cleanly
        // from every ISR and ELR at registration (KIP-966).
        if self.kafka_version.eligible_leader_replicas() && self.broker.legacy_restart_keeps_isr {
            return Err(ConfigError::new(
                "broker.logjam.legacy.restart.keeps.isr",
                format!(
                    "a restarted broker keeping its ISR place is ZooKeeper-era behaviour; kafka.version {} \
                     removes a broker that restarts without a clean shutdown from every ISR and ELR \
                     (KIP-966): use kafka.version \"3.7\" or \"4.0\", or turn the switch off",
                    self.kafka_version
                ),
            ));
        }
        // Topic name -> the first topic that claimed it, after unifying '.' and '_'.
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for topic in &self.topics {
            topic.validate(self.brokers, &self.broker)?;
            if let Some(other) = seen.insert(topic::collision_key(&topic.name), &topic.name) {
                let message = if other == topic.name {
                    "topic is defined more than once".to_string()
                } else {
                    // Kafka: "Topic 'a.b' collides with existing topics: a_b"
                    format!("collides with topic {other:?}: Kafka treats '.' and '_' as equal in metric names")
                };
                return Err(ConfigError::new(
                    format!("topics[{}].name", topic.name),
                    message,
                ));
            }
        }
        self.producer
            .validate()
            .map_err(|e| e.prefixed("producer."))?;
        self.consumer
            .validate()
            .map_err(|e| e.prefixed("consumer."))?;
        // The coordinator's check at InitProducerId (INVALID_TRANSACTION_TIMEOUT):
        // a producer whose timeout exceeds the brokers' maximum never starts.
        if self.producer.transactional_id.is_some()
            && self.producer.transaction_timeout_ms > self.broker.transaction_max_timeout_ms
        {
            return Err(ConfigError::new(
                "producer.transaction.timeout.ms",
                format!(
                    "must be at most the brokers' transaction.max.timeout.ms ({}), got {} \
                     (Kafka answers INVALID_TRANSACTION_TIMEOUT)",
                    self.broker.transaction_max_timeout_ms, self.producer.transaction_timeout_ms
                ),
            ));
        }
        Ok(())
    }
}

/// Reads an optional count or period where Kafka spells "never" as
/// `Long.MAX_VALUE` (its default for `flush.messages` and `flush.ms`): that value
/// becomes `None`, so Kafka configurations can be pasted as they are.
fn never_if_long_max<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<u64>::deserialize(deserializer)?;
    Ok(value.filter(|&v| v != i64::MAX as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str) -> TopicConfig {
        TopicConfig {
            name: name.into(),
            ..Default::default()
        }
    }

    fn err(c: &ClusterConfig) -> ConfigError {
        c.validate().expect_err("expected a validation error")
    }

    #[test]
    fn transaction_timeout_at_most_the_brokers_maximum() {
        let mut c = ClusterConfig {
            topics: vec![topic("a")],
            producer: ProducerConfig {
                transactional_id: Some("tx".into()),
                ..ProducerConfig::scaled_for_simulation()
            },
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
        c.producer.transaction_timeout_ms = c.broker.transaction_max_timeout_ms + 1;
        let e = err(&c);
        assert_eq!(e.setting, "producer.transaction.timeout.ms");
        assert!(e.message.contains("transaction.max.timeout.ms"), "{e}");
        // Without a transactional.id the timeout is never used.
        c.producer.transactional_id = None;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn kafka_version_reads_from_the_cluster_table_and_refuses_a_zookeeper_restart_on_4_1() {
        let c: ClusterConfig = toml::from_str("\"kafka.version\" = \"4.1\"").unwrap();
        assert_eq!(c.kafka_version, KafkaVersion::V4_1);
        let e = toml::from_str::<ClusterConfig>("\"kafka.version\" = \"5.0\"").unwrap_err();
        assert!(e.message().contains(r#"one of "3.7", "4.0", "4.1""#), "{e}");
        let mut c = ClusterConfig {
            topics: vec![topic("a")],
            kafka_version: KafkaVersion::V4_1,
            ..Default::default()
        };
        c.broker.legacy_restart_keeps_isr = true;
        assert_eq!(err(&c).setting, "broker.logjam.legacy.restart.keeps.isr");
        c.kafka_version = KafkaVersion::V4_0;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn defaults() {
        let c = ClusterConfig::default();
        assert_eq!(c.brokers, 3);
        assert_eq!(c.broker, BrokerConfig::default());
        assert!(c.topics.is_empty());
        assert_eq!(c.producer, ProducerConfig::default());
        assert_eq!(c.consumer, ConsumerConfig::default());
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn full_toml_with_dotted_keys() {
        let c: ClusterConfig = toml::from_str(
            r#"
            brokers = 5

            [broker]
            "min.insync.replicas" = 2
            "replica.lag.time.max.ms" = 1000

            [[topics]]
            name = "orders"
            partitions = 3
            "min.insync.replicas" = 3

            [[topics]]
            name = "audit"
            "flush.messages" = 1

            [producer]
            acks = "1"

            [consumer]
            "auto.offset.reset" = "earliest"
            "#,
        )
        .unwrap();
        assert_eq!(c.brokers, 5);
        assert_eq!(c.broker.min_insync_replicas, 2);
        assert_eq!(c.broker.replica_lag_time_max_ms, 1_000);
        assert_eq!(c.broker.broker_session_timeout_ms, 9_000);
        assert_eq!(c.topics.len(), 2);
        assert_eq!(c.topics[0].effective(&c.broker).min_insync_replicas, 3);
        assert_eq!(c.topics[1].effective(&c.broker).min_insync_replicas, 2);
        assert_eq!(c.topics[1].effective(&c.broker).flush_messages, Some(1));
        assert_eq!(c.producer.acks, Acks::One);
        assert!(!c.producer.idempotence_enabled());
        assert_eq!(c.consumer.auto_offset_reset, AutoOffsetReset::Earliest);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn acks_alone_in_a_table() {
        let p: ProducerConfig = toml::from_str(r#""acks" = "1""#).unwrap();
        assert_eq!(
            p,
            ProducerConfig {
                acks: Acks::One,
                ..Default::default()
            }
        );
        let c: ClusterConfig = toml::from_str("[producer]\nacks = -1").unwrap();
        assert_eq!(c, ClusterConfig::default());
    }

    #[test]
    fn unknown_keys_rejected_by_name_at_every_level() {
        for (doc, name) in [
            ("replicas = 3", "replicas"),
            (
                "[broker]\n\"num.network.threads\" = 3",
                "num.network.threads",
            ),
            (
                "[[topics]]\nname = \"t\"\n\"cleanup.policy\" = \"compact\"",
                "cleanup.policy",
            ),
            (
                "[producer]\n\"compression.type\" = \"lz4\"",
                "compression.type",
            ),
            ("[consumer]\n\"client.rack\" = \"a\"", "client.rack"),
        ] {
            let e = toml::from_str::<ClusterConfig>(doc)
                .unwrap_err()
                .to_string();
            assert!(e.contains(name), "{name}: {e}");
        }
    }

    #[test]
    fn brokers_at_least_one() {
        let mut c = ClusterConfig {
            brokers: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "brokers");
        c.brokers = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn errors_are_prefixed_with_their_section() {
        let c = ClusterConfig {
            broker: BrokerConfig {
                min_insync_replicas: 0,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "broker.min.insync.replicas");

        let c = ClusterConfig {
            producer: ProducerConfig {
                enable_idempotence: Some(true),
                acks: Acks::One,
                ..Default::default()
            },
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "producer.enable.idempotence");
        assert!(
            e.to_string()
                .starts_with("producer.enable.idempotence: true requires acks=all"),
            "{e}"
        );

        let c = ClusterConfig {
            consumer: ConsumerConfig {
                heartbeat_interval_ms: 50_000,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "consumer.heartbeat.interval.ms");
    }

    #[test]
    fn topics_cross_checked_against_brokers() {
        let mut c = ClusterConfig {
            brokers: 2,
            topics: vec![topic("orders")],
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "topics[orders].replication.factor");
        assert!(
            e.message.contains("(2)") && e.message.contains("got 3"),
            "{e}"
        );
        c.brokers = 3;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn topic_min_insync_checked_against_broker_default() {
        let mut c = ClusterConfig {
            broker: BrokerConfig {
                min_insync_replicas: 2,
                ..Default::default()
            },
            topics: vec![TopicConfig {
                replication_factor: 1,
                ..topic("orders")
            }],
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "topics[orders].min.insync.replicas");
        c.topics[0].replication_factor = 2;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn topic_names_unique() {
        let mut c = ClusterConfig {
            topics: vec![topic("a"), topic("b"), topic("a")],
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "topics[a].name");
        assert!(e.message.contains("more than once"), "{e}");
        c.topics[2].name = "c".into();
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn topic_names_must_not_collide_on_dot_and_underscore() {
        let mut c = ClusterConfig {
            topics: vec![topic("a.b"), topic("a_b")],
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "topics[a_b].name");
        assert!(
            e.message.contains("collides") && e.message.contains("a.b"),
            "{e}"
        );
        c.topics[1].name = "a-b".into();
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn invalid_topic_reported_with_its_name() {
        let c = ClusterConfig {
            topics: vec![topic("")],
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "topics[].name");
        let c = ClusterConfig {
            topics: vec![TopicConfig {
                partitions: 0,
                ..topic("t")
            }],
            ..Default::default()
        };
        assert_eq!(
            err(&c).to_string(),
            "topics[t].partitions: must be at least 1, got 0"
        );
    }

    #[test]
    fn scaled_configs_validate_together() {
        let c = ClusterConfig {
            broker: BrokerConfig::scaled_for_simulation(),
            producer: ProducerConfig::scaled_for_simulation(),
            consumer: ConsumerConfig::scaled_for_simulation(),
            topics: vec![TopicConfig {
                min_insync_replicas: Some(2),
                ..topic("t")
            }],
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
        // The simulated producer still outlasts an ISR shrink, as Kafka advises.
        assert!(c.producer.request_timeout_ms >= c.broker.replica_lag_time_max_ms);
    }

    #[test]
    fn round_trips_through_toml_json_and_postcard() {
        let c = ClusterConfig {
            broker: BrokerConfig {
                flush_ms: Some(100),
                ..BrokerConfig::scaled_for_simulation()
            },
            topics: vec![
                TopicConfig {
                    min_insync_replicas: Some(2),
                    flush_messages: Some(1),
                    ..topic("a")
                },
                topic("b"),
            ],
            producer: ProducerConfig {
                transactional_id: Some("tx".into()),
                ..ProducerConfig::scaled_for_simulation()
            },
            consumer: ConsumerConfig {
                group_id: Some("g".into()),
                ..ConsumerConfig::scaled_for_simulation()
            },
            ..Default::default()
        };
        let t = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<ClusterConfig>(&t).unwrap(), c, "{t}");
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<ClusterConfig>(&j).unwrap(), c);
        let p = postcard::to_stdvec(&c).unwrap();
        assert_eq!(postcard::from_bytes::<ClusterConfig>(&p).unwrap(), c);
    }

    #[test]
    fn long_max_means_never() {
        let c: ClusterConfig = toml::from_str(
            "[broker]\n\"flush.messages\" = 9223372036854775807\n\"flush.ms\" = 9223372036854775807\n\
             [[topics]]\nname = \"t\"\n\"flush.messages\" = 9223372036854775807",
        )
        .unwrap();
        assert_eq!(c.broker.flush_messages, None);
        assert_eq!(c.broker.flush_ms, None);
        assert_eq!(c.topics[0].flush_messages, None);
        // Other large values are kept.
        let b: BrokerConfig =
            serde_json::from_str(r#"{"flush.messages": 18446744073709551615}"#).unwrap();
        assert_eq!(b.flush_messages, Some(u64::MAX));
        let b: BrokerConfig = serde_json::from_str(r#"{"flush.messages": null}"#).unwrap();
        assert_eq!(b.flush_messages, None);
    }
}
