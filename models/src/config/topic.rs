//! Per-topic settings: shape (partitions, replication factor) and overrides of
//! the broker-wide durability settings.

use serde::{Deserialize, Serialize};

use super::broker::BrokerConfig;
use super::error::{fits, ConfigError, JavaType};
use super::never_if_long_max;

/// Kafka's `Topic.MAX_NAME_LENGTH`: 249, so that partition directory names
/// (`<topic>-<partition>`, plus suffixes) fit in a 255-byte file name.
pub const MAX_TOPIC_NAME_LENGTH: usize = 249;

/// One topic created at cluster start. Overrides left `None` inherit the broker
/// setting; [`TopicConfig::effective`] resolves them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicConfig {
    /// `name`: the topic name. Required (Kafka has no default topic); only ASCII
    /// letters, digits, `.`, `_` and `-`, at most 249 characters.
    pub name: String,

    /// `partitions`: number of partitions. Default 1, Kafka's `num.partitions`.
    #[serde(rename = "partitions", default = "default_partitions")]
    pub partitions: u32,

    /// `replication.factor`: replicas per partition. Default 3, the value Kafka
    /// recommends for production and the one every durability guarantee in
    /// SEMANTICS.md assumes. (Kafka's broker default `default.replication.factor`
    /// is 1, which cannot survive any broker loss.)
    #[serde(rename = "replication.factor", default = "default_replication_factor")]
    pub replication_factor: u32,

    /// `min.insync.replicas` for this topic; `None` inherits the broker setting.
    #[serde(rename = "min.insync.replicas", default)]
    pub min_insync_replicas: Option<u32>,

    /// `unclean.leader.election.enable` for this topic; `None` inherits.
    #[serde(rename = "unclean.leader.election.enable", default)]
    pub unclean_leader_election_enable: Option<bool>,

    /// `flush.messages` for this topic; `None` inherits. `Long.MAX_VALUE` (Kafka's
    /// spelling of "never") also parses as `None`, i.e. inherits, and the broker
    /// default is never.
    #[serde(
        rename = "flush.messages",
        default,
        deserialize_with = "never_if_long_max"
    )]
    pub flush_messages: Option<u64>,

    /// `flush.ms` for this topic; `None` inherits (same parsing as `flush.messages`).
    #[serde(rename = "flush.ms", default, deserialize_with = "never_if_long_max")]
    pub flush_ms: Option<u64>,
}

fn default_partitions() -> u32 {
    1
}

fn default_replication_factor() -> u32 {
    3
}

impl Default for TopicConfig {
    /// An unnamed topic with Kafka's defaults and no overrides; give it a name
    /// before validating.
    fn default() -> Self {
        Self {
            name: String::new(),
            partitions: default_partitions(),
            replication_factor: default_replication_factor(),
            min_insync_replicas: None,
            unclean_leader_election_enable: None,
            flush_messages: None,
            flush_ms: None,
        }
    }
}

/// A topic's settings after applying its overrides to the broker settings: what
/// the brokers and the controller actually use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EffectiveTopicConfig {
    /// `min.insync.replicas` in force for this topic.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` in force for this topic.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// `flush.messages` in force (`None` = never fsync by count).
    #[serde(rename = "flush.messages")]
    pub flush_messages: Option<u64>,
    /// `flush.ms` in force (`None` = never fsync by age).
    #[serde(rename = "flush.ms")]
    pub flush_ms: Option<u64>,
    /// `replication.factor` of the topic.
    #[serde(rename = "replication.factor")]
    pub replication_factor: u32,
    /// `partitions` of the topic.
    #[serde(rename = "partitions")]
    pub partitions: u32,
}

impl Default for EffectiveTopicConfig {
    /// A default topic on a default broker.
    fn default() -> Self {
        TopicConfig::default().effective(&BrokerConfig::default())
    }
}

impl TopicConfig {
    /// This topic's overrides applied on top of `broker`.
    pub fn effective(&self, broker: &BrokerConfig) -> EffectiveTopicConfig {
        EffectiveTopicConfig {
            min_insync_replicas: self
                .min_insync_replicas
                .unwrap_or(broker.min_insync_replicas),
            unclean_leader_election_enable: self
                .unclean_leader_election_enable
                .unwrap_or(broker.unclean_leader_election_enable),
            flush_messages: self.flush_messages.or(broker.flush_messages),
            flush_ms: self.flush_ms.or(broker.flush_ms),
            replication_factor: self.replication_factor,
            partitions: self.partitions,
        }
    }

    /// Checks this topic against Kafka's rules and against a cluster of `brokers`
    /// brokers configured as `broker`. Settings are named
    /// `topics[<name>].<kafka name>`.
    pub fn validate(&self, brokers: u32, broker: &BrokerConfig) -> Result<(), ConfigError> {
        let here = |setting: &str| format!("topics[{}].{setting}", self.name);
        validate_topic_name(&self.name).map_err(|m| ConfigError::new(here("name"), m))?;
        if self.partitions < 1 {
            return Err(ConfigError::new(
                here("partitions"),
                "must be at least 1, got 0",
            ));
        }
        if self.replication_factor < 1 {
            return Err(ConfigError::new(
                here("replication.factor"),
                "must be at least 1, got 0",
            ));
        }
        if self.replication_factor > brokers {
            // Kafka: "Replication factor: 3 larger than available brokers: 1."
            return Err(ConfigError::new(
                here("replication.factor"),
                format!(
                    "must be at most the number of brokers ({brokers}), got {}",
                    self.replication_factor
                ),
            ));
        }
        if let Some(ms) = self.flush_ms {
            // A Java long in Kafka.
            fits(&here("flush.ms"), ms, JavaType::Long)?;
        }
        if let Some(0) = self.flush_messages {
            return Err(ConfigError::new(
                here("flush.messages"),
                "must be at least 1, got 0",
            ));
        }
        let source = if self.min_insync_replicas.is_some() {
            ""
        } else {
            " (inherited from the broker's min.insync.replicas)"
        };
        let min_isr = self.effective(broker).min_insync_replicas;
        if min_isr < 1 {
            return Err(ConfigError::new(
                here("min.insync.replicas"),
                format!("must be at least 1, got 0{source}"),
            ));
        }
        // Kafka itself accepts this, but then every acks=all write to the topic
        // fails with NOT_ENOUGH_REPLICAS: always a configuration mistake.
        if min_isr > self.replication_factor {
            return Err(ConfigError::new(
                here("min.insync.replicas"),
                format!(
                    "must be at most replication.factor ({}), got {min_isr}{source}; \
                     otherwise every acks=all write fails",
                    self.replication_factor
                ),
            ));
        }
        Ok(())
    }
}

/// Kafka's `Topic.validate`: non-empty, not `.` or `..`, at most 249 characters,
/// only ASCII alphanumerics, `.`, `_` and `-`. Returns the message on failure.
pub(crate) fn validate_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("topic name must not be empty".into());
    }
    if name == "." || name == ".." {
        return Err(format!(
            "topic name cannot be \".\" or \"..\", got {name:?}"
        ));
    }
    if name.len() > MAX_TOPIC_NAME_LENGTH {
        return Err(format!(
            "topic name must be at most {MAX_TOPIC_NAME_LENGTH} characters, got {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "topic name {name:?} contains {c:?}; only ASCII alphanumerics, '.', '_' and '-' are allowed"
        ));
    }
    Ok(())
}

/// Kafka's `Topic.unifyCollisionChars`: `.` and `_` map to the same metric name,
/// so Kafka refuses two topics that differ only in those characters.
pub(crate) fn collision_key(name: &str) -> String {
    name.replace('.', "_")
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

    fn err(t: &TopicConfig, brokers: u32, broker: &BrokerConfig) -> ConfigError {
        t.validate(brokers, broker)
            .expect_err("expected a validation error")
    }

    #[test]
    fn defaults() {
        let t = TopicConfig::default();
        assert_eq!(t.partitions, 1);
        assert_eq!(t.replication_factor, 3);
        assert_eq!(t.min_insync_replicas, None);
        assert_eq!(t.unclean_leader_election_enable, None);
        assert_eq!(t.flush_messages, None);
        assert_eq!(t.flush_ms, None);
        let e = EffectiveTopicConfig::default();
        assert_eq!(
            e,
            EffectiveTopicConfig {
                min_insync_replicas: 1,
                unclean_leader_election_enable: false,
                flush_messages: None,
                flush_ms: None,
                replication_factor: 3,
                partitions: 1,
            }
        );
    }

    #[test]
    fn effective_inherits_and_overrides() {
        let broker = BrokerConfig {
            min_insync_replicas: 2,
            unclean_leader_election_enable: true,
            flush_messages: Some(100),
            flush_ms: Some(1000),
            ..Default::default()
        };
        let t = TopicConfig {
            partitions: 4,
            replication_factor: 2,
            ..topic("t")
        };
        assert_eq!(
            t.effective(&broker),
            EffectiveTopicConfig {
                min_insync_replicas: 2,
                unclean_leader_election_enable: true,
                flush_messages: Some(100),
                flush_ms: Some(1000),
                replication_factor: 2,
                partitions: 4,
            }
        );
        let t = TopicConfig {
            min_insync_replicas: Some(1),
            unclean_leader_election_enable: Some(false),
            flush_messages: Some(1),
            flush_ms: Some(5),
            ..t
        };
        let e = t.effective(&broker);
        assert_eq!(e.min_insync_replicas, 1);
        assert!(!e.unclean_leader_election_enable);
        assert_eq!(e.flush_messages, Some(1));
        assert_eq!(e.flush_ms, Some(5));
    }

    #[test]
    fn valid_topic_passes() {
        let t = TopicConfig {
            min_insync_replicas: Some(2),
            ..topic("orders")
        };
        assert_eq!(t.validate(3, &BrokerConfig::default()), Ok(()));
    }

    #[test]
    fn names() {
        let b = BrokerConfig::default();
        for ok in ["a", "orders", "Orders.v2_x-y", "...", &"x".repeat(249)] {
            assert_eq!(topic(ok).validate(3, &b), Ok(()), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "has space",
            "slash/no",
            "ünïcode",
            "tab\t",
            &"x".repeat(250),
        ] {
            let e = err(&topic(bad), 3, &b);
            assert_eq!(e.setting, format!("topics[{bad}].name"));
        }
        let e = err(&topic("a b"), 3, &b);
        assert!(e.message.contains("' '"), "{e}");
        let e = err(&topic(&"x".repeat(250)), 3, &b);
        assert!(
            e.message.contains("249") && e.message.contains("250"),
            "{e}"
        );
    }

    #[test]
    fn partitions_at_least_one() {
        let b = BrokerConfig::default();
        let e = err(
            &TopicConfig {
                partitions: 0,
                ..topic("t")
            },
            3,
            &b,
        );
        assert_eq!(e.setting, "topics[t].partitions");
        assert_eq!(
            TopicConfig {
                partitions: 12,
                ..topic("t")
            }
            .validate(3, &b),
            Ok(())
        );
    }

    #[test]
    fn replication_factor_between_one_and_brokers() {
        let b = BrokerConfig::default();
        let e = err(
            &TopicConfig {
                replication_factor: 0,
                ..topic("t")
            },
            3,
            &b,
        );
        assert_eq!(e.setting, "topics[t].replication.factor");
        let e = err(
            &TopicConfig {
                replication_factor: 4,
                ..topic("t")
            },
            3,
            &b,
        );
        assert_eq!(e.setting, "topics[t].replication.factor");
        assert!(
            e.message.contains("(3)") && e.message.contains("got 4"),
            "{e}"
        );
        assert_eq!(
            TopicConfig {
                replication_factor: 1,
                ..topic("t")
            }
            .validate(1, &b),
            Ok(())
        );
    }

    #[test]
    fn min_insync_replicas_override_at_least_one() {
        let b = BrokerConfig::default();
        let e = err(
            &TopicConfig {
                min_insync_replicas: Some(0),
                ..topic("t")
            },
            3,
            &b,
        );
        assert_eq!(e.setting, "topics[t].min.insync.replicas");
        assert_eq!(
            TopicConfig {
                min_insync_replicas: Some(1),
                ..topic("t")
            }
            .validate(3, &b),
            Ok(())
        );
    }

    #[test]
    fn effective_min_insync_replicas_at_most_replication_factor() {
        let b = BrokerConfig::default();
        let t = TopicConfig {
            min_insync_replicas: Some(4),
            ..topic("orders")
        };
        let e = err(&t, 3, &b);
        assert_eq!(e.setting, "topics[orders].min.insync.replicas");
        assert!(e.message.contains("got 4"), "{e}");
        assert!(!e.message.contains("inherited"), "{e}");
        assert_eq!(
            TopicConfig {
                min_insync_replicas: Some(3),
                ..t
            }
            .validate(3, &b),
            Ok(())
        );

        // Inherited from the broker.
        let b = BrokerConfig {
            min_insync_replicas: 2,
            ..Default::default()
        };
        let t = TopicConfig {
            replication_factor: 1,
            ..topic("orders")
        };
        let e = err(&t, 3, &b);
        assert_eq!(e.setting, "topics[orders].min.insync.replicas");
        assert!(e.message.contains("inherited"), "{e}");
        // ...and fixed by a topic override.
        assert_eq!(
            TopicConfig {
                min_insync_replicas: Some(1),
                ..t
            }
            .validate(3, &b),
            Ok(())
        );
    }

    #[test]
    fn flush_messages_override_at_least_one() {
        let b = BrokerConfig::default();
        let e = err(
            &TopicConfig {
                flush_messages: Some(0),
                ..topic("t")
            },
            3,
            &b,
        );
        assert_eq!(e.setting, "topics[t].flush.messages");
        assert_eq!(
            TopicConfig {
                flush_messages: Some(1),
                ..topic("t")
            }
            .validate(3, &b),
            Ok(())
        );
    }

    #[test]
    fn toml_dotted_keys() {
        let t: TopicConfig = toml::from_str(
            r#"
            name = "orders"
            partitions = 6
            "replication.factor" = 3
            "min.insync.replicas" = 2
            "unclean.leader.election.enable" = false
            "flush.messages" = 1
            "#,
        )
        .unwrap();
        assert_eq!(
            t,
            TopicConfig {
                name: "orders".into(),
                partitions: 6,
                replication_factor: 3,
                min_insync_replicas: Some(2),
                unclean_leader_election_enable: Some(false),
                flush_messages: Some(1),
                flush_ms: None,
            }
        );
        let t: TopicConfig = toml::from_str("name = \"t\"").unwrap();
        assert_eq!(t, topic("t"));
    }

    #[test]
    fn name_is_required() {
        let e = toml::from_str::<TopicConfig>("partitions = 3").unwrap_err();
        assert!(e.to_string().contains("name"), "{e}");
    }

    #[test]
    fn unknown_key_rejected_by_name() {
        let e = toml::from_str::<TopicConfig>("name = \"t\"\n\"retention.ms\" = 1").unwrap_err();
        assert!(e.to_string().contains("retention.ms"), "{e}");
    }

    #[test]
    fn collision_key_unifies_dot_and_underscore() {
        assert_eq!(collision_key("a.b_c"), "a_b_c");
        assert_eq!(collision_key("a_b.c"), collision_key("a.b_c"));
    }
}
