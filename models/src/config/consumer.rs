//! Consumer settings (Kafka's `ConsumerConfig`).

use serde::{Deserialize, Serialize};

use super::error::{all_fit, at_least, fits, ConfigError, JavaType};

/// `auto.offset.reset`: where a consumer starts on a partition for which it has
/// no valid committed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoOffsetReset {
    /// `earliest`: from the log start offset (reads everything still retained).
    Earliest,
    /// `latest`: from the log end offset (only records produced from now on).
    /// Kafka's default: a new consumer does not replay history.
    #[default]
    Latest,
    /// `none`: fail with an error instead of guessing.
    None,
}

/// `isolation.level`: whether a consumer sees records of open and aborted
/// transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// `read_uncommitted`: read up to the high watermark, transactional or not.
    /// Kafka's default: no LSO wait for clients that don't use transactions.
    #[default]
    ReadUncommitted,
    /// `read_committed`: read only up to the last stable offset and skip aborted
    /// records.
    ReadCommitted,
}

/// `partition.assignment.strategy`: how a group's partitions are shared among
/// its members, and with it the rebalance protocol. Spelled with the short
/// names librdkafka uses for Kafka's assignor classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AssignmentStrategy {
    /// `range` (RangeAssignor): per topic, contiguous runs of partitions.
    /// Eager protocol. Kafka's default (first in its default list).
    #[default]
    Range,
    /// `roundrobin` (RoundRobinAssignor): partitions dealt one by one. Eager.
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// `cooperative-sticky` (CooperativeStickyAssignor): keeps what members
    /// own where balance allows, and uses the cooperative protocol: only the
    /// partitions that move are revoked, in a second rebalance.
    CooperativeSticky,
}

impl AssignmentStrategy {
    /// Whether the strategy runs the cooperative (incremental) protocol; the
    /// others are eager (every member revokes everything before rejoining).
    pub fn is_cooperative(self) -> bool {
        matches!(self, AssignmentStrategy::CooperativeSticky)
    }
}

/// Consumer settings. Serde names are Kafka's; a missing key takes Kafka 3.7's
/// default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsumerConfig {
    /// `auto.offset.reset`: see [`AutoOffsetReset`]. Default `latest`.
    #[serde(rename = "auto.offset.reset")]
    pub auto_offset_reset: AutoOffsetReset,

    /// `isolation.level`: see [`IsolationLevel`]. Default `read_uncommitted`.
    #[serde(rename = "isolation.level")]
    pub isolation_level: IsolationLevel,

    /// `max.poll.records`: most records one `poll()` returns. Default 500: enough
    /// per call to amortise overhead, few enough to process within
    /// `max.poll.interval.ms`.
    #[serde(rename = "max.poll.records")]
    pub max_poll_records: u32,

    /// `fetch.max.wait.ms`: how long the broker parks a fetch that has no new data
    /// (long poll). Default 500: low latency without busy polling.
    #[serde(rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: u64,

    /// `request.timeout.ms`: how long the consumer waits for any response before
    /// failing the request. Default 30000 (since Kafka 2.0).
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,

    /// `retry.backoff.ms`: pause before retrying a failed request. Default 100.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,

    /// `group.id`: the consumer group to join with `subscribe` and commit offsets
    /// to. Default none: only manual `assign` without commits.
    #[serde(rename = "group.id")]
    pub group_id: Option<String>,

    /// `enable.auto.commit`: commit the offsets returned by the previous `poll` at
    /// the start of each `poll` (at most every `auto.commit.interval.ms`) and before
    /// a rebalance. Default true: at-least-once when records are processed before
    /// the next poll.
    #[serde(rename = "enable.auto.commit")]
    pub enable_auto_commit: bool,

    /// `auto.commit.interval.ms`: minimum time between auto-commits. Default 5000.
    #[serde(rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: u64,

    /// `session.timeout.ms`: the group coordinator evicts a member whose last
    /// heartbeat is older than this. Default 45000 (raised from 10000 in Kafka 3.0,
    /// KIP-735, to ride out cloud network blips).
    #[serde(rename = "session.timeout.ms")]
    pub session_timeout_ms: u64,

    /// `heartbeat.interval.ms`: how often a member heartbeats the coordinator.
    /// Default 3000; must be below `session.timeout.ms` (Kafka suggests at most a
    /// third).
    #[serde(rename = "heartbeat.interval.ms")]
    pub heartbeat_interval_ms: u64,

    /// `max.poll.interval.ms`: a member that does not call `poll` within this long
    /// leaves the group (its partitions are reassigned). Default 300000 (five
    /// minutes of processing per batch).
    #[serde(rename = "max.poll.interval.ms")]
    pub max_poll_interval_ms: u64,

    /// `partition.assignment.strategy`: see [`AssignmentStrategy`]. Default
    /// `range` (Kafka's default list starts with the RangeAssignor).
    #[serde(rename = "partition.assignment.strategy")]
    pub partition_assignment_strategy: AssignmentStrategy,

    /// `logjam.poll.timeout.ms` (logjam only): the timeout the application
    /// passes to Kafka's `poll(Duration)`. A poll returns what has arrived when
    /// it expires (possibly nothing); fetches still in flight keep going and a
    /// later poll returns their data. Default 1000.
    #[serde(rename = "logjam.poll.timeout.ms")]
    pub poll_timeout_ms: u64,

    /// `logjam.legacy.consumer.no.epoch.validation` (logjam only): bring back
    /// the pre-KIP-320 consumer, whose position carries no leader epoch: after
    /// a leader change it fetches on without asking the new leader where its
    /// epoch ends (OffsetsForLeaderEpoch), so a position the new leader's log
    /// truncated is either past its end (OFFSET_OUT_OF_RANGE, reset per
    /// `auto.offset.reset`: `earliest` replays from the log start) or within
    /// it (records written into the truncated range are skipped). Its fetches
    /// carry no current leader epoch either. Default false (Kafka ≥ 2.1
    /// validates); see SEMANTICS.md, "Consumer position after truncation".
    #[serde(rename = "logjam.legacy.consumer.no.epoch.validation")]
    pub legacy_no_epoch_validation: bool,
}

impl Default for ConsumerConfig {
    /// Kafka 3.7's defaults.
    fn default() -> Self {
        Self {
            auto_offset_reset: AutoOffsetReset::Latest,
            isolation_level: IsolationLevel::ReadUncommitted,
            max_poll_records: 500,
            fetch_max_wait_ms: 500,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            group_id: None,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            partition_assignment_strategy: AssignmentStrategy::Range,
            poll_timeout_ms: 1_000,
            legacy_no_epoch_validation: false,
        }
    }
}

impl ConsumerConfig {
    /// The wait before retrying a failed request: `retry.backoff.ms`, and at
    /// least a millisecond, so a retry loop always lets simulated time pass.
    pub fn retry_backoff(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.retry_backoff_ms.max(1))
    }

    /// Kafka's defaults with the timers shortened so a 30-second simulated run sees
    /// several session expiries, rebalances and auto-commits. Heartbeat stays well
    /// under the session timeout and the poll interval a few session timeouts, as in
    /// Kafka, but the divisors are not uniform:
    ///
    /// | setting | Kafka | here |
    /// |---|---|---|
    /// | request.timeout.ms | 30000 | 1000 |
    /// | fetch.max.wait.ms | 500 | 100 |
    /// | retry.backoff.ms | 100 | 50 |
    /// | session.timeout.ms | 45000 | 1000 |
    /// | heartbeat.interval.ms | 3000 | 100 |
    /// | max.poll.interval.ms | 300000 | 3000 |
    /// | auto.commit.interval.ms | 5000 | 200 |
    /// | logjam.poll.timeout.ms | 1000 | 200 |
    ///
    /// Everything else keeps Kafka's default.
    pub fn scaled_for_simulation() -> Self {
        Self {
            request_timeout_ms: 1_000,
            fetch_max_wait_ms: 100,
            retry_backoff_ms: 50,
            session_timeout_ms: 1_000,
            heartbeat_interval_ms: 100,
            max_poll_interval_ms: 3_000,
            auto_commit_interval_ms: 200,
            poll_timeout_ms: 200,
            ..Self::default()
        }
    }

    /// Checks Kafka's consumer rules; the error names the first setting that breaks
    /// one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Kafka's types for these settings (ConsumerConfig's ConfigDef).
        all_fit(
            &[
                ("fetch.max.wait.ms", self.fetch_max_wait_ms),
                ("request.timeout.ms", self.request_timeout_ms),
                ("auto.commit.interval.ms", self.auto_commit_interval_ms),
                ("session.timeout.ms", self.session_timeout_ms),
                ("heartbeat.interval.ms", self.heartbeat_interval_ms),
                ("max.poll.interval.ms", self.max_poll_interval_ms),
            ],
            JavaType::Int,
        )?;
        fits("retry.backoff.ms", self.retry_backoff_ms, JavaType::Long)?;
        at_least("request.timeout.ms", self.request_timeout_ms, 1)?;
        at_least("max.poll.records", self.max_poll_records, 1)?;
        at_least("max.poll.interval.ms", self.max_poll_interval_ms, 1)?;
        fits(
            "logjam.poll.timeout.ms",
            self.poll_timeout_ms,
            JavaType::Long,
        )?;
        // Kafka accepts poll(Duration.ZERO); here it would return before any
        // answer could arrive, and a poll loop would never let time pass.
        at_least("logjam.poll.timeout.ms", self.poll_timeout_ms, 1)?;
        // Kafka accepts 0; here a zero period is a busy loop that never lets
        // simulated time advance.
        at_least("heartbeat.interval.ms", self.heartbeat_interval_ms, 1)?;
        at_least("session.timeout.ms", self.session_timeout_ms, 1)?;
        if self.enable_auto_commit {
            // A zero interval would commit on every poll with no time passing.
            at_least("auto.commit.interval.ms", self.auto_commit_interval_ms, 1)?;
        }
        if self.group_id.as_deref() == Some("") {
            return Err(ConfigError::new(
                "group.id",
                "must not be empty (leave it unset for a consumer without a group)",
            ));
        }
        // Kafka's Heartbeat: "Heartbeat must be set lower than the session timeout".
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(ConfigError::new(
                "heartbeat.interval.ms",
                format!(
                    "must be less than session.timeout.ms ({}), got {}",
                    self.session_timeout_ms, self.heartbeat_interval_ms
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: &ConsumerConfig) -> ConfigError {
        c.validate().expect_err("expected a validation error")
    }

    #[test]
    fn timeouts_within_kafka_int() {
        let c = ConsumerConfig {
            max_poll_interval_ms: i32::MAX as u64 + 1,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "max.poll.interval.ms");
        assert!(e.message.contains("2147483647"), "{e}");
        let c = ConsumerConfig {
            session_timeout_ms: u64::MAX,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "session.timeout.ms");
        let c = ConsumerConfig {
            max_poll_interval_ms: i32::MAX as u64,
            request_timeout_ms: i32::MAX as u64,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn defaults_are_kafka_3_7() {
        let c = ConsumerConfig::default();
        assert_eq!(c.auto_offset_reset, AutoOffsetReset::Latest);
        assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
        assert_eq!(c.max_poll_records, 500);
        assert_eq!(c.fetch_max_wait_ms, 500);
        assert_eq!(c.request_timeout_ms, 30_000);
        assert_eq!(c.retry_backoff_ms, 100);
        assert_eq!(c.group_id, None);
        assert!(c.enable_auto_commit);
        assert_eq!(c.auto_commit_interval_ms, 5_000);
        assert_eq!(c.session_timeout_ms, 45_000);
        assert_eq!(c.heartbeat_interval_ms, 3_000);
        assert_eq!(c.max_poll_interval_ms, 300_000);
        assert!(!c.legacy_no_epoch_validation);
        assert_eq!(AutoOffsetReset::default(), AutoOffsetReset::Latest);
        assert_eq!(IsolationLevel::default(), IsolationLevel::ReadUncommitted);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn scaled_for_simulation() {
        let s = ConsumerConfig::scaled_for_simulation();
        assert_eq!(s.request_timeout_ms, 1_000);
        assert_eq!(s.fetch_max_wait_ms, 100);
        assert_eq!(s.retry_backoff_ms, 50);
        assert_eq!(s.session_timeout_ms, 1_000);
        assert_eq!(s.heartbeat_interval_ms, 100);
        assert_eq!(s.max_poll_interval_ms, 3_000);
        assert_eq!(s.auto_commit_interval_ms, 200);
        assert_eq!(s.max_poll_records, 500);
        assert!(s.enable_auto_commit);
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn heartbeat_below_session_timeout() {
        let mut c = ConsumerConfig {
            heartbeat_interval_ms: 45_000,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "heartbeat.interval.ms");
        assert!(
            e.message.contains("(45000)") && e.message.contains("got 45000"),
            "{e}"
        );
        c.heartbeat_interval_ms = 44_999;
        assert_eq!(c.validate(), Ok(()));
        c.heartbeat_interval_ms = 0;
        assert_eq!(err(&c).setting, "heartbeat.interval.ms");
    }

    #[test]
    fn request_timeout_positive() {
        let mut c = ConsumerConfig {
            request_timeout_ms: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "request.timeout.ms");
        c.request_timeout_ms = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn max_poll_records_and_interval_at_least_one() {
        let mut c = ConsumerConfig {
            max_poll_records: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "max.poll.records");
        c.max_poll_records = 1;
        assert_eq!(c.validate(), Ok(()));
        c.max_poll_interval_ms = 0;
        assert_eq!(err(&c).setting, "max.poll.interval.ms");
    }

    #[test]
    fn toml_dotted_keys_and_enum_spellings() {
        let c: ConsumerConfig = toml::from_str(
            r#"
            "auto.offset.reset" = "earliest"
            "isolation.level" = "read_committed"
            "group.id" = "g1"
            "enable.auto.commit" = false
            "session.timeout.ms" = 10000
            "logjam.legacy.consumer.no.epoch.validation" = true
            "#,
        )
        .unwrap();
        assert_eq!(
            c,
            ConsumerConfig {
                auto_offset_reset: AutoOffsetReset::Earliest,
                isolation_level: IsolationLevel::ReadCommitted,
                group_id: Some("g1".into()),
                enable_auto_commit: false,
                session_timeout_ms: 10_000,
                legacy_no_epoch_validation: true,
                ..Default::default()
            }
        );
        for (s, v) in [
            ("earliest", AutoOffsetReset::Earliest),
            ("latest", AutoOffsetReset::Latest),
            ("none", AutoOffsetReset::None),
        ] {
            let c: ConsumerConfig =
                toml::from_str(&format!("\"auto.offset.reset\" = \"{s}\"")).unwrap();
            assert_eq!(c.auto_offset_reset, v);
        }
        let c: ConsumerConfig =
            toml::from_str("\"isolation.level\" = \"read_uncommitted\"").unwrap();
        assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
        assert!(toml::from_str::<ConsumerConfig>("\"auto.offset.reset\" = \"smallest\"").is_err());
        assert!(
            toml::from_str::<ConsumerConfig>("\"isolation.level\" = \"READ_COMMITTED\"").is_err()
        );
        assert_eq!(
            toml::from_str::<ConsumerConfig>("").unwrap(),
            ConsumerConfig::default()
        );
    }

    #[test]
    fn unknown_key_rejected_by_name() {
        let e = toml::from_str::<ConsumerConfig>("\"fetch.min.bytes\" = 1").unwrap_err();
        assert!(e.to_string().contains("fetch.min.bytes"), "{e}");
    }

    #[test]
    fn round_trips() {
        let c = ConsumerConfig {
            group_id: Some("g".into()),
            isolation_level: IsolationLevel::ReadCommitted,
            auto_offset_reset: AutoOffsetReset::None,
            ..ConsumerConfig::scaled_for_simulation()
        };
        let t = toml::to_string(&c).unwrap();
        assert!(
            t.contains("\"isolation.level\" = \"read_committed\""),
            "{t}"
        );
        assert_eq!(toml::from_str::<ConsumerConfig>(&t).unwrap(), c);
        let p = postcard::to_stdvec(&c).unwrap();
        assert_eq!(postcard::from_bytes::<ConsumerConfig>(&p).unwrap(), c);
    }
}
