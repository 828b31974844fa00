//! Cluster-wide broker settings (Kafka's `server.properties`).

use serde::{Deserialize, Serialize};

use super::error::{all_fit, at_least, ConfigError, JavaType};
use super::never_if_long_max;

/// Settings every broker in the cluster shares. Serde names are Kafka's; a
/// missing key takes Kafka 3.7's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerConfig {
    /// `replica.lag.time.max.ms`: the leader drops a follower from the ISR when it
    /// has not caught up to the leader's log end within this long. Default 30000
    /// (raised from 10000 in Kafka 2.5, KIP-537, to stop ISR flapping on busy
    /// clusters).
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,

    /// `min.insync.replicas`: with acks=all the leader refuses writes while the ISR
    /// is smaller than this, and (Kafka ≥3.7) holds the high watermark. Default 1:
    /// availability first; durability needs 2 with replication factor 3.
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,

    /// `unclean.leader.election.enable`: when no ISR member is alive, elect an
    /// out-of-sync replica (losing committed records) rather than stay offline.
    /// Default false since Kafka 0.11 (KIP-106): consistency over availability.
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,

    /// `flush.messages` (broker-wide: `log.flush.interval.messages`): fsync the log
    /// after this many appended records. `None` = never, Kafka's default
    /// (`Long.MAX_VALUE`, which also parses to `None`): Kafka relies on replication,
    /// not fsync, for durability. `Some(1)` fsyncs every append.
    #[serde(
        rename = "flush.messages",
        alias = "log.flush.interval.messages",
        deserialize_with = "never_if_long_max"
    )]
    pub flush_messages: Option<u64>,

    /// `flush.ms` (broker-wide: `log.flush.interval.ms`): fsync the log when its
    /// oldest unflushed record is this old. `None` = never, Kafka's default (same
    /// reasoning as `flush.messages`).
    #[serde(
        rename = "flush.ms",
        alias = "log.flush.interval.ms",
        deserialize_with = "never_if_long_max"
    )]
    pub flush_ms: Option<u64>,

    /// `log.flush.scheduler.interval.ms`: how often the log flusher checks
    /// `flush.ms`. Kafka's default is Long.MAX_VALUE (`None`): the flusher
    /// never runs, so `flush.ms` alone fsyncs nothing, as in Kafka.
    #[serde(
        rename = "log.flush.scheduler.interval.ms",
        deserialize_with = "never_if_long_max"
    )]
    pub log_flush_scheduler_interval_ms: Option<u64>,

    /// `logjam.page.cache.writeback.age.ms` (logjam only): on power loss, page
    /// cache data older than this had been written back by the kernel and
    /// survives (Linux's `vm.dirty_expire_centisecs`, 30 s by default; not
    /// scaled down for the simulation: the power losses worth simulating come
    /// seconds after the writes, as in the incidents they stand for).
    #[serde(rename = "logjam.page.cache.writeback.age.ms")]
    pub page_cache_writeback_age_ms: u64,

    /// `broker.session.timeout.ms`: the controller fences a broker whose last
    /// heartbeat is older than this. Default 9000 (KRaft): a few missed heartbeats,
    /// not a single late one.
    #[serde(rename = "broker.session.timeout.ms")]
    pub broker_session_timeout_ms: u64,

    /// `broker.heartbeat.interval.ms`: how often a broker heartbeats the
    /// controller. Default 2000, so ~4 heartbeats fit in a session timeout.
    #[serde(rename = "broker.heartbeat.interval.ms")]
    pub broker_heartbeat_interval_ms: u64,

    /// `replica.fetch.backoff.ms`: how long a follower waits after a failed fetch
    /// before retrying. Default 1000: don't hammer a leader that is down.
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: u64,

    /// `replica.fetch.wait.max.ms`: how long the leader parks a follower fetch that
    /// has no new data (long poll). Default 500; must not exceed
    /// `replica.lag.time.max.ms` or idle followers would look lagging.
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,

    /// `replica.high.watermark.checkpoint.interval.ms`: how often each replica
    /// writes its high watermark to disk. Default 5000; the checkpoint is what the
    /// legacy (pre-KIP-101) truncation falls back to on restart.
    #[serde(rename = "replica.high.watermark.checkpoint.interval.ms")]
    pub replica_high_watermark_checkpoint_interval_ms: u64,

    /// `controller.socket.timeout.ms`: timeout of broker→controller requests
    /// (ISR changes; a heartbeat waits at most `broker.heartbeat.interval.ms`
    /// to connect and as long again for its answer).
    /// Default 30000, Kafka's usual request timeout.
    #[serde(rename = "controller.socket.timeout.ms")]
    pub controller_request_timeout_ms: u64,

    /// `logjam.legacy.hw.truncation` (logjam only): bring back pre-KIP-101
    /// behaviour, where a replica that becomes a follower (after a restart, or
    /// at any leader change) truncates to its own high watermark, the
    /// checkpointed one after a restart, instead of to where its log and the
    /// leader's diverge by leader epoch. Default false (Kafka ≥0.11 uses leader
    /// epochs); see SEMANTICS.md, KIP-101 scenarios. On its own it does not
    /// reproduce KIP-101 scenario 1: a restarted replica also has to stay in
    /// the ISR, `logjam.legacy.restart.keeps.isr`.
    #[serde(rename = "logjam.legacy.hw.truncation")]
    pub legacy_hw_truncation: bool,

    /// `logjam.legacy.restart.keeps.isr` (logjam only): a broker that restarts
    /// (a new incarnation heartbeats) keeps its place in every ISR and every
    /// leadership it had, as a ZooKeeper-era broker that came back within its
    /// session did (KIP-101 scenario 1 elects such a replica). Default false:
    /// a KRaft controller fences the old incarnation first, so the restarted
    /// replica leaves every ISR and must catch up before it rejoins
    /// (KIP-841/903 broker epochs, KIP-966 unclean-shutdown handling).
    #[serde(rename = "logjam.legacy.restart.keeps.isr")]
    pub legacy_restart_keeps_isr: bool,

    /// `offsets.topic.num.partitions`: partitions of `__consumer_offsets`, the
    /// internal topic holding committed offsets; a group's coordinator is the
    /// leader of its partition. Default 50; the simulation uses 3 (fewer
    /// replicas to fetch, and still more than one coordinator).
    #[serde(rename = "offsets.topic.num.partitions")]
    pub offsets_topic_num_partitions: u32,

    /// `offsets.topic.replication.factor`: replication factor of
    /// `__consumer_offsets`, capped at the number of brokers (as Kafka does for
    /// small clusters). Default 3.
    #[serde(rename = "offsets.topic.replication.factor")]
    pub offsets_topic_replication_factor: u32,

    /// `logjam.legacy.no.commit.fencing` (logjam only): the group coordinator
    /// accepts offset commits from stale generations and unknown members, as
    /// clients without generation checks once got away with. Default false
    /// (Kafka answers ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID); see SEMANTICS.md,
    /// "Zombie member".
    #[serde(rename = "logjam.legacy.no.commit.fencing")]
    pub legacy_no_commit_fencing: bool,

    /// `transaction.state.log.num.partitions`: partitions of
    /// `__transaction_state`, the internal topic holding transaction states; a
    /// transactional.id's coordinator is the leader of its partition. Default
    /// 50; the simulation uses 3, like the offsets topic.
    #[serde(rename = "transaction.state.log.num.partitions")]
    pub transaction_state_log_num_partitions: u32,

    /// `transaction.state.log.replication.factor`: replication factor of
    /// `__transaction_state`, capped at the number of brokers. Default 3.
    #[serde(rename = "transaction.state.log.replication.factor")]
    pub transaction_state_log_replication_factor: u32,

    /// `transaction.state.log.min.isr`: min.insync.replicas of
    /// `__transaction_state`, so a PrepareCommit written with acks=all is on
    /// at least this many replicas. Default 2.
    #[serde(rename = "transaction.state.log.min.isr")]
    pub transaction_state_log_min_isr: u32,

    /// `transaction.max.timeout.ms`: the largest `transaction.timeout.ms` a
    /// producer may ask for (InitProducerId answers INVALID_TRANSACTION_TIMEOUT
    /// past it). Default 900000 (15 minutes).
    #[serde(rename = "transaction.max.timeout.ms")]
    pub transaction_max_timeout_ms: u64,

    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`: how often
    /// the coordinator looks for transactions open past their timeout. Default
    /// 10000.
    #[serde(rename = "transaction.abort.timed.out.transaction.cleanup.interval.ms")]
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: u64,

    /// `logjam.legacy.transaction.v1` (logjam only): the transaction protocol
    /// before KIP-890: partition leaders accept a transactional write without
    /// asking the coordinator whether the partition is in the transaction, and
    /// the producer epoch stays the same from one transaction to the next, so a
    /// late produce or EndTxn can land in a later transaction. Default false
    /// (transaction version 2, Kafka 4.0).
    #[serde(rename = "logjam.legacy.transaction.v1")]
    pub legacy_transaction_v1: bool,
}

impl Default for BrokerConfig {
    /// Kafka 3.7's defaults.
    fn default() -> Self {
        Self {
            replica_lag_time_max_ms: 30_000,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            flush_messages: None,
            flush_ms: None,
            log_flush_scheduler_interval_ms: None,
            page_cache_writeback_age_ms: 30_000,
            broker_session_timeout_ms: 9_000,
            broker_heartbeat_interval_ms: 2_000,
            replica_fetch_backoff_ms: 1_000,
            replica_fetch_wait_max_ms: 500,
            replica_high_watermark_checkpoint_interval_ms: 5_000,
            controller_request_timeout_ms: 30_000,
            legacy_hw_truncation: false,
            legacy_restart_keeps_isr: false,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            legacy_no_commit_fencing: false,
            transaction_state_log_num_partitions: 50,
            transaction_state_log_replication_factor: 3,
            transaction_state_log_min_isr: 2,
            transaction_max_timeout_ms: 900_000,
            transaction_abort_timed_out_transaction_cleanup_interval_ms: 10_000,
            legacy_transaction_v1: false,
        }
    }
}

impl BrokerConfig {
    /// Kafka's defaults with the timers shortened so a 30-second simulated run sees
    /// failure detection and recovery several times. The orderings Kafka relies on
    /// are kept (heartbeat < session timeout < lag time; fetch wait ≤ lag time) and
    /// the ratios stay close to Kafka's, but the divisors are not uniform (÷5 to
    /// ÷60): lag time is ~1.7 session timeouts here against ~3.3 in Kafka, and
    /// the fetch backoff is shorter than the fetch wait. A heartbeat waits at
    /// most one heartbeat interval to connect and one for its answer (the
    /// controller socket timeout applies to ISR changes), so as in Kafka a
    /// broker is fenced only after about a session timeout of silence, three to
    /// six lost heartbeats here, not one.
    ///
    /// | setting | Kafka | here |
    /// |---|---|---|
    /// | replica.lag.time.max.ms | 30000 | 1000 |
    /// | broker.session.timeout.ms | 9000 | 600 |
    /// | broker.heartbeat.interval.ms | 2000 | 100 |
    /// | replica.fetch.backoff.ms | 1000 | 50 |
    /// | replica.fetch.wait.max.ms | 500 | 100 |
    /// | replica.high.watermark.checkpoint.interval.ms | 5000 | 500 |
    /// | controller.socket.timeout.ms | 30000 | 500 |
    /// | transaction.abort.timed.out.transaction.cleanup.interval.ms | 10000 | 200 |
    ///
    /// Everything that is not a timer keeps Kafka's default.
    pub fn scaled_for_simulation() -> Self {
        Self {
            replica_lag_time_max_ms: 1_000,
            broker_session_timeout_ms: 600,
            broker_heartbeat_interval_ms: 100,
            replica_fetch_backoff_ms: 50,
            replica_fetch_wait_max_ms: 100,
            replica_high_watermark_checkpoint_interval_ms: 500,
            controller_request_timeout_ms: 500,
            offsets_topic_num_partitions: 3,
            transaction_state_log_num_partitions: 3,
            transaction_abort_timed_out_transaction_cleanup_interval_ms: 200,
            ..Self::default()
        }
    }

    /// Checks Kafka's rules for these settings; the error names the first setting
    /// that breaks one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Kafka's types for these settings (KafkaConfig's ConfigDef).
        all_fit(
            &[
                ("broker.session.timeout.ms", self.broker_session_timeout_ms),
                (
                    "broker.heartbeat.interval.ms",
                    self.broker_heartbeat_interval_ms,
                ),
                ("replica.fetch.backoff.ms", self.replica_fetch_backoff_ms),
                ("replica.fetch.wait.max.ms", self.replica_fetch_wait_max_ms),
                (
                    "controller.socket.timeout.ms",
                    self.controller_request_timeout_ms,
                ),
            ],
            JavaType::Int,
        )?;
        all_fit(
            &[
                ("replica.lag.time.max.ms", self.replica_lag_time_max_ms),
                (
                    "replica.high.watermark.checkpoint.interval.ms",
                    self.replica_high_watermark_checkpoint_interval_ms,
                ),
                ("flush.ms", self.flush_ms.unwrap_or(0)),
                (
                    "log.flush.scheduler.interval.ms",
                    self.log_flush_scheduler_interval_ms.unwrap_or(0),
                ),
                (
                    "logjam.page.cache.writeback.age.ms",
                    self.page_cache_writeback_age_ms,
                ),
                (
                    "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                    self.transaction_abort_timed_out_transaction_cleanup_interval_ms,
                ),
            ],
            JavaType::Long,
        )?;
        at_least("min.insync.replicas", self.min_insync_replicas, 1)?;
        at_least(
            "offsets.topic.num.partitions",
            self.offsets_topic_num_partitions,
            1,
        )?;
        at_least(
            "offsets.topic.replication.factor",
            self.offsets_topic_replication_factor,
            1,
        )?;
        at_least(
            "transaction.state.log.num.partitions",
            self.transaction_state_log_num_partitions,
            1,
        )?;
        at_least(
            "transaction.state.log.replication.factor",
            self.transaction_state_log_replication_factor,
            1,
        )?;
        at_least(
            "transaction.state.log.min.isr",
            self.transaction_state_log_min_isr,
            1,
        )?;
        all_fit(
            &[(
                "transaction.max.timeout.ms",
                self.transaction_max_timeout_ms,
            )],
            JavaType::Int,
        )?;
        at_least(
            "transaction.max.timeout.ms",
            self.transaction_max_timeout_ms,
            1,
        )?;
        // A zero period would be a busy loop, as for the flush scheduler.
        at_least(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            self.transaction_abort_timed_out_transaction_cleanup_interval_ms,
            1,
        )?;
        if let Some(n) = self.flush_messages {
            at_least("flush.messages", n, 1)?;
        }
        // A zero period would be a busy loop that never lets simulated time advance.
        if let Some(ms) = self.log_flush_scheduler_interval_ms {
            at_least("log.flush.scheduler.interval.ms", ms, 1)?;
        }
        // Kafka accepts 0 for the next two; here a zero period is a busy loop that
        // never lets simulated time advance.
        at_least(
            "broker.heartbeat.interval.ms",
            self.broker_heartbeat_interval_ms,
            1,
        )?;
        at_least(
            "replica.high.watermark.checkpoint.interval.ms",
            self.replica_high_watermark_checkpoint_interval_ms,
            1,
        )?;
        at_least(
            "controller.socket.timeout.ms",
            self.controller_request_timeout_ms,
            1,
        )?;
        if self.broker_heartbeat_interval_ms >= self.broker_session_timeout_ms {
            return Err(ConfigError::new(
                "broker.heartbeat.interval.ms",
                format!(
                    "must be less than broker.session.timeout.ms ({}), got {}",
                    self.broker_session_timeout_ms, self.broker_heartbeat_interval_ms
                ),
            ));
        }
        // KafkaConfig: "replica.fetch.wait.max.ms should always be less than or
        // equal to replica.lag.time.max.ms to prevent frequent changes in ISR".
        if self.replica_fetch_wait_max_ms > self.replica_lag_time_max_ms {
            return Err(ConfigError::new(
                "replica.fetch.wait.max.ms",
                format!(
                    "must be at most replica.lag.time.max.ms ({}) to prevent frequent ISR changes, got {}",
                    self.replica_lag_time_max_ms, self.replica_fetch_wait_max_ms
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: &BrokerConfig) -> ConfigError {
        c.validate().expect_err("expected a validation error")
    }

    #[test]
    fn timeouts_within_kafka_types() {
        let c = BrokerConfig {
            controller_request_timeout_ms: i32::MAX as u64 + 1,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "controller.socket.timeout.ms");
        assert!(e.message.contains("int range"), "{e}");
        // replica.lag.time.max.ms is a Java long in Kafka.
        let mut c = BrokerConfig {
            replica_lag_time_max_ms: i32::MAX as u64 + 1,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
        c.replica_lag_time_max_ms = u64::MAX;
        assert_eq!(err(&c).setting, "replica.lag.time.max.ms");
    }

    #[test]
    fn defaults_are_kafka_3_7() {
        let c = BrokerConfig::default();
        assert_eq!(c.replica_lag_time_max_ms, 30_000);
        assert_eq!(c.min_insync_replicas, 1);
        assert!(!c.unclean_leader_election_enable);
        assert_eq!(c.flush_messages, None);
        assert_eq!(c.flush_ms, None);
        assert_eq!(c.broker_session_timeout_ms, 9_000);
        assert_eq!(c.broker_heartbeat_interval_ms, 2_000);
        assert_eq!(c.replica_fetch_backoff_ms, 1_000);
        assert_eq!(c.replica_fetch_wait_max_ms, 500);
        assert_eq!(c.replica_high_watermark_checkpoint_interval_ms, 5_000);
        assert_eq!(c.controller_request_timeout_ms, 30_000);
        assert!(!c.legacy_hw_truncation);
        assert!(!c.legacy_restart_keeps_isr);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn scaled_keeps_non_timers_and_validates() {
        let s = BrokerConfig::scaled_for_simulation();
        let d = BrokerConfig::default();
        assert_eq!(s.replica_lag_time_max_ms, 1_000);
        assert_eq!(s.broker_session_timeout_ms, 600);
        assert_eq!(s.broker_heartbeat_interval_ms, 100);
        assert_eq!(s.replica_fetch_backoff_ms, 50);
        assert_eq!(s.replica_fetch_wait_max_ms, 100);
        assert_eq!(s.replica_high_watermark_checkpoint_interval_ms, 500);
        assert_eq!(s.controller_request_timeout_ms, 500);
        assert_eq!(s.min_insync_replicas, d.min_insync_replicas);
        assert_eq!(s.flush_messages, d.flush_messages);
        assert_eq!(
            s.unclean_leader_election_enable,
            d.unclean_leader_election_enable
        );
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn min_insync_replicas_at_least_one() {
        let mut c = BrokerConfig {
            min_insync_replicas: 0,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "min.insync.replicas");
        assert!(e.message.contains("got 0"), "{e}");
        c.min_insync_replicas = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn flush_messages_at_least_one_if_set() {
        let mut c = BrokerConfig {
            flush_messages: Some(0),
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "flush.messages");
        c.flush_messages = Some(1);
        assert_eq!(c.validate(), Ok(()));
        c.flush_messages = None;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn heartbeat_below_session_timeout() {
        let mut c = BrokerConfig {
            broker_heartbeat_interval_ms: 9_000,
            broker_session_timeout_ms: 9_000,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "broker.heartbeat.interval.ms");
        assert!(e.message.contains("9000"), "{e}");
        c.broker_heartbeat_interval_ms = 8_999;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn zero_periods_rejected() {
        let c = BrokerConfig {
            broker_heartbeat_interval_ms: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "broker.heartbeat.interval.ms");
        let c = BrokerConfig {
            replica_high_watermark_checkpoint_interval_ms: 0,
            ..Default::default()
        };
        assert_eq!(
            err(&c).setting,
            "replica.high.watermark.checkpoint.interval.ms"
        );
        let c = BrokerConfig {
            controller_request_timeout_ms: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "controller.socket.timeout.ms");
    }

    #[test]
    fn fetch_wait_at_most_lag_time() {
        let mut c = BrokerConfig {
            replica_fetch_wait_max_ms: 1_001,
            replica_lag_time_max_ms: 1_000,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "replica.fetch.wait.max.ms");
        c.replica_fetch_wait_max_ms = 1_000;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn toml_dotted_keys_and_defaults() {
        let c: BrokerConfig = toml::from_str(
            r#"
            "min.insync.replicas" = 2
            "unclean.leader.election.enable" = true
            "flush.messages" = 1
            "logjam.legacy.hw.truncation" = true
            "logjam.legacy.restart.keeps.isr" = true
            "#,
        )
        .unwrap();
        assert_eq!(
            c,
            BrokerConfig {
                min_insync_replicas: 2,
                unclean_leader_election_enable: true,
                flush_messages: Some(1),
                legacy_hw_truncation: true,
                legacy_restart_keeps_isr: true,
                ..Default::default()
            }
        );
        let empty: BrokerConfig = toml::from_str("").unwrap();
        assert_eq!(empty, BrokerConfig::default());
    }

    #[test]
    fn flush_long_max_means_never_and_log_aliases_work() {
        let c: BrokerConfig =
            toml::from_str("\"log.flush.interval.messages\" = 9223372036854775807\n\"log.flush.interval.ms\" = 1000")
                .unwrap();
        assert_eq!(c.flush_messages, None);
        assert_eq!(c.flush_ms, Some(1000));
    }

    #[test]
    fn unknown_key_rejected_by_name() {
        let e = toml::from_str::<BrokerConfig>("\"min.insync.replica\" = 2").unwrap_err();
        assert!(e.to_string().contains("min.insync.replica"), "{e}");
        assert!(e.to_string().contains("unknown field"), "{e}");
    }

    #[test]
    fn bad_value_is_an_error_not_a_panic() {
        assert!(toml::from_str::<BrokerConfig>("\"min.insync.replicas\" = -1").is_err());
        assert!(toml::from_str::<BrokerConfig>("\"flush.ms\" = \"never\"").is_err());
    }

    #[test]
    fn json_round_trip() {
        let c = BrokerConfig {
            flush_ms: Some(10),
            ..BrokerConfig::scaled_for_simulation()
        };
        let s = serde_json::to_string(&c).unwrap();
        assert!(s.contains("\"replica.lag.time.max.ms\":1000"), "{s}");
        assert_eq!(serde_json::from_str::<BrokerConfig>(&s).unwrap(), c);
    }
}
