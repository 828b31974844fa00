//! Producer settings (Kafka's `ProducerConfig`) and the acks level.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::error::{all_fit, at_least, ConfigError, JavaType};

/// Kafka's `MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`: the broker
/// keeps the last 5 batches per producer id, so at most 5 may be unacknowledged.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

/// `acks`: how many replicas must have a write before the leader answers.
///
/// Parses Kafka's spellings `"0"`, `"1"`, `"all"`, `"-1"` (`-1` is `all`) and the
/// integers `0`, `1`, `-1`; serializes as `"0"`, `"1"`, `"all"` in human-readable
/// formats and as the wire value (`0`, `1`, `-1` as an `i8`) in binary ones such
/// as postcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Acks {
    /// `acks=0`: sent once written to the socket; no response, no retries.
    Zero,
    /// `acks=1`: the leader answers after its own append.
    One,
    /// `acks=all` (`-1`): the leader answers once the whole ISR has the write and
    /// refuses it while the ISR is below `min.insync.replicas`. Kafka 3.0's default
    /// (KIP-679), needed for idempotence.
    #[default]
    All,
}

impl Acks {
    /// The value Kafka puts in a produce request: 0, 1 or -1.
    pub fn as_i16(self) -> i16 {
        match self {
            Acks::Zero => 0,
            Acks::One => 1,
            Acks::All => -1,
        }
    }

    /// Kafka's configuration spelling: `"0"`, `"1"` or `"all"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }

    fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(Acks::Zero),
            1 => Some(Acks::One),
            -1 => Some(Acks::All),
            _ => None,
        }
    }
}

impl fmt::Display for Acks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Acks {
    type Err = ConfigError;

    /// Kafka's accepted values, exactly: `all`, `-1`, `0`, `1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" | "-1" => Ok(Acks::All),
            "0" => Ok(Acks::Zero),
            "1" => Ok(Acks::One),
            _ => Err(ConfigError::new(
                "acks",
                format!("must be one of \"all\", \"-1\", \"0\", \"1\", got {s:?}"),
            )),
        }
    }
}

impl Serialize for Acks {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(self.as_str())
        } else {
            // as_i16 is -1, 0 or 1, so the narrowing is lossless.
            serializer.serialize_i8(self.as_i16() as i8)
        }
    }
}

impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AcksVisitor;

        impl Visitor<'_> for AcksVisitor {
            type Value = Acks;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("acks: \"all\", \"-1\", \"0\", \"1\" or one of the integers -1, 0, 1")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Acks, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Acks, E> {
                Acks::from_i64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Acks, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(Acks::from_i64)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
        }

        if deserializer.is_human_readable() {
            deserializer.deserialize_any(AcksVisitor)
        } else {
            // Binary formats (postcard) cannot describe themselves.
            deserializer.deserialize_i8(AcksVisitor)
        }
    }
}

/// Producer settings. Serde names are Kafka's; a missing key takes Kafka 3.7's
/// default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProducerConfig {
    /// `acks`: see [`Acks`]. Default `all` since Kafka 3.0 (KIP-679): no acked
    /// write is lost while the ISR holds `min.insync.replicas` replicas.
    #[serde(rename = "acks")]
    pub acks: Acks,

    /// `enable.idempotence`: the broker deduplicates retries by producer id and
    /// sequence number, and keeps per-partition order. `None` = not set, Kafka
    /// 3.x's rule: on unless `acks`, `retries` or
    /// `max.in.flight.requests.per.connection` conflict, in which case it is
    /// silently off. See [`ProducerConfig::idempotence_enabled`].
    #[serde(rename = "enable.idempotence")]
    pub enable_idempotence: Option<bool>,

    /// `retries`: how many times a failed batch is resent. Default
    /// 2147483647 (Integer.MAX_VALUE): retry until `delivery.timeout.ms` runs out,
    /// which is the real bound (KIP-91).
    #[serde(rename = "retries")]
    pub retries: u32,

    /// `retry.backoff.ms`: pause before resending a failed batch. Default 100:
    /// enough for a leader election to make progress, short enough not to stall.
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,

    /// `request.timeout.ms`: how long the producer waits for a produce response
    /// before failing (and maybe retrying) the request. Default 30000. Kafka's docs
    /// ask for at least `replica.lag.time.max.ms`, so an acks=all write outlasts an
    /// ISR shrink instead of timing out and being retried into a duplicate.
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,

    /// `delivery.timeout.ms`: upper bound from `send()` to success or failure,
    /// retries included. Default 120000 (two minutes, KIP-91); must be at least
    /// `linger.ms + request.timeout.ms`.
    #[serde(rename = "delivery.timeout.ms")]
    pub delivery_timeout_ms: u64,

    /// `linger.ms`: how long a batch waits for more records before it is sent.
    /// Default 0 in Kafka 3.7 (send at once; Kafka 4.0 raised it to 5).
    #[serde(rename = "linger.ms")]
    pub linger_ms: u64,

    /// `batch.size`: maximum bytes of records per partition batch. Default 16384;
    /// 0 disables batching (Kafka allows it).
    #[serde(rename = "batch.size")]
    pub batch_size: u64,

    /// `max.in.flight.requests.per.connection`: unacknowledged requests per broker.
    /// Default 5, the most idempotence supports; without idempotence, more than 1
    /// lets a retried batch land after a later one.
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight_requests_per_connection: u32,

    /// `metadata.max.age.ms`: refresh cluster metadata at least this often even
    /// without errors. Default 300000 (five minutes); errors trigger earlier
    /// refreshes.
    #[serde(rename = "metadata.max.age.ms")]
    pub metadata_max_age_ms: u64,

    /// `transactional.id`: enables transactions and fences older producers with the
    /// same id. Default none (no transactions); requires idempotence.
    #[serde(rename = "transactional.id")]
    pub transactional_id: Option<String>,

    /// `transaction.timeout.ms`: how long the coordinator lets a transaction
    /// stay open before it aborts it and bumps the epoch (fencing the
    /// producer). Default 60000; at most the brokers'
    /// `transaction.max.timeout.ms`.
    #[serde(rename = "transaction.timeout.ms")]
    pub transaction_timeout_ms: u64,
}

impl Default for ProducerConfig {
    /// Kafka 3.7's defaults.
    fn default() -> Self {
        Self {
            acks: Acks::All,
            enable_idempotence: None,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            linger_ms: 0,
            batch_size: 16_384,
            max_in_flight_requests_per_connection: 5,
            metadata_max_age_ms: 300_000,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
        }
    }
}

impl ProducerConfig {
    /// Kafka's defaults with the timers shortened for a 30-second simulated run
    /// (request and delivery timeouts fire, and batches are retried, several times
    /// per run). Ratios stay close to Kafka's; the divisors are not uniform:
    ///
    /// | setting | Kafka | here |
    /// |---|---|---|
    /// | request.timeout.ms | 30000 | 1000 |
    /// | delivery.timeout.ms | 120000 | 5000 |
    /// | retry.backoff.ms | 100 | 50 |
    /// | linger.ms | 0 | 0 |
    /// | metadata.max.age.ms | 300000 | 10000 |
    /// | transaction.timeout.ms | 60000 | 3000 |
    ///
    /// Delivery timeout stays a few request timeouts (5 here, 4 in Kafka) so a
    /// batch gets several attempts. Everything else keeps Kafka's default.
    pub fn scaled_for_simulation() -> Self {
        Self {
            request_timeout_ms: 1_000,
            delivery_timeout_ms: 5_000,
            retry_backoff_ms: 50,
            linger_ms: 0,
            metadata_max_age_ms: 10_000,
            transaction_timeout_ms: 3_000,
            ..Self::default()
        }
    }

    /// Whether the producer runs idempotently, by Kafka 3.x's rule
    /// (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`): an explicit
    /// `enable.idempotence` wins; if unset, idempotence is on unless `acks` is not
    /// `all`, `retries` is 0, or more than 5 requests may be in flight.
    pub fn idempotence_enabled(&self) -> bool {
        match self.enable_idempotence {
            Some(explicit) => explicit,
            None => self.idempotence_conflict().is_none(),
        }
    }

    /// The first setting that rules out idempotence, in Kafka's order, as
    /// `(requirement, Kafka's reason)`.
    fn idempotence_conflict(&self) -> Option<(String, &'static str)> {
        if self.retries == 0 {
            return Some((
                "retries > 0, got retries=0".into(),
                "must set retries to non-zero when using the idempotent producer",
            ));
        }
        if self.acks != Acks::All {
            return Some((
                format!("acks=all, got acks={}", self.acks),
                "must set acks to all in order to use the idempotent producer, otherwise idempotence cannot be guaranteed",
            ));
        }
        if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
            return Some((
                format!(
                    "max.in.flight.requests.per.connection <= {MAX_IN_FLIGHT_FOR_IDEMPOTENCE}, got {}",
                    self.max_in_flight_requests_per_connection
                ),
                "must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer",
            ));
        }
        None
    }

    /// Checks Kafka's producer rules; the error names the first setting that breaks
    /// one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Kafka's types for these settings (ProducerConfig's ConfigDef).
        all_fit(
            &[
                ("request.timeout.ms", self.request_timeout_ms),
                ("delivery.timeout.ms", self.delivery_timeout_ms),
                ("retries", u64::from(self.retries)),
                ("transaction.timeout.ms", self.transaction_timeout_ms),
            ],
            JavaType::Int,
        )?;
        all_fit(
            &[
                ("linger.ms", self.linger_ms),
                ("retry.backoff.ms", self.retry_backoff_ms),
                ("metadata.max.age.ms", self.metadata_max_age_ms),
            ],
            JavaType::Long,
        )?;
        at_least("request.timeout.ms", self.request_timeout_ms, 1)?;
        at_least("transaction.timeout.ms", self.transaction_timeout_ms, 1)?;
        at_least(
            "max.in.flight.requests.per.connection",
            self.max_in_flight_requests_per_connection,
            1,
        )?;
        if self.enable_idempotence == Some(true) {
            if let Some((requirement, reason)) = self.idempotence_conflict() {
                return Err(ConfigError::new(
                    "enable.idempotence",
                    format!("true requires {requirement} ({reason})"),
                ));
            }
        }
        if let Some(id) = &self.transactional_id {
            if id.is_empty() {
                return Err(ConfigError::new(
                    "transactional.id",
                    "must not be empty if set",
                ));
            }
            if !self.idempotence_enabled() {
                let why = match (self.enable_idempotence, self.idempotence_conflict()) {
                    (Some(false), _) => "enable.idempotence=false".to_string(),
                    (_, Some((requirement, _))) => {
                        format!("enable.idempotence is unset and idempotence needs {requirement}")
                    }
                    // Unreachable: idempotence is off only for one of the above.
                    (_, None) => "idempotence is disabled".to_string(),
                };
                return Err(ConfigError::new(
                    "transactional.id",
                    format!(
                        "cannot set a transactional.id without also enabling idempotence ({why})"
                    ),
                ));
            }
        }
        // Kafka only raises this for an explicitly set delivery.timeout.ms (it
        // silently raises the default); here every value is explicit.
        let floor = self.linger_ms.saturating_add(self.request_timeout_ms);
        if self.delivery_timeout_ms < floor {
            return Err(ConfigError::new(
                "delivery.timeout.ms",
                format!(
                    "must be at least linger.ms + request.timeout.ms ({} + {} = {floor}), got {}",
                    self.linger_ms, self.request_timeout_ms, self.delivery_timeout_ms
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: &ProducerConfig) -> ConfigError {
        c.validate().expect_err("expected a validation error")
    }

    #[test]
    fn defaults_are_kafka_3_7() {
        let c = ProducerConfig::default();
        assert_eq!(c.acks, Acks::All);
        assert_eq!(c.enable_idempotence, None);
        assert_eq!(c.retries, 2_147_483_647);
        assert_eq!(c.retry_backoff_ms, 100);
        assert_eq!(c.request_timeout_ms, 30_000);
        assert_eq!(c.delivery_timeout_ms, 120_000);
        assert_eq!(c.linger_ms, 0);
        assert_eq!(c.batch_size, 16_384);
        assert_eq!(c.max_in_flight_requests_per_connection, 5);
        assert_eq!(c.metadata_max_age_ms, 300_000);
        assert_eq!(c.transactional_id, None);
        assert!(c.idempotence_enabled());
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn scaled_for_simulation() {
        let s = ProducerConfig::scaled_for_simulation();
        assert_eq!(s.request_timeout_ms, 1_000);
        assert_eq!(s.delivery_timeout_ms, 5_000);
        assert_eq!(s.retry_backoff_ms, 50);
        assert_eq!(s.linger_ms, 0);
        assert_eq!(s.metadata_max_age_ms, 10_000);
        assert_eq!(s.acks, Acks::All);
        assert_eq!(s.retries, ProducerConfig::default().retries);
        assert!(s.idempotence_enabled());
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn acks_parses_every_kafka_form() {
        for (s, a) in [
            ("all", Acks::All),
            ("-1", Acks::All),
            ("0", Acks::Zero),
            ("1", Acks::One),
        ] {
            assert_eq!(s.parse::<Acks>(), Ok(a));
            let toml_str: ProducerConfig = toml::from_str(&format!("acks = \"{s}\"")).unwrap();
            assert_eq!(toml_str.acks, a, "toml string {s}");
            let json_str: Acks = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(json_str, a, "json string {s}");
        }
        for (i, a) in [(-1, Acks::All), (0, Acks::Zero), (1, Acks::One)] {
            let toml_int: ProducerConfig = toml::from_str(&format!("acks = {i}")).unwrap();
            assert_eq!(toml_int.acks, a, "toml int {i}");
            let json_int: Acks = serde_json::from_str(&i.to_string()).unwrap();
            assert_eq!(json_int, a, "json int {i}");
        }
    }

    #[test]
    fn acks_rejects_other_values() {
        for bad in [
            "\"2\"",
            "\"ALL\"",
            "\"\"",
            "2",
            "-2",
            "1.0",
            "true",
            "18446744073709551615",
        ] {
            assert!(serde_json::from_str::<Acks>(bad).is_err(), "{bad}");
        }
        let e = toml::from_str::<ProducerConfig>("acks = \"some\"").unwrap_err();
        assert!(e.to_string().contains("some"), "{e}");
        let e = "2".parse::<Acks>().unwrap_err();
        assert_eq!(e.setting, "acks");
    }

    #[test]
    fn acks_serializes_as_kafka_spelling_and_wire_value() {
        assert_eq!(serde_json::to_string(&Acks::All).unwrap(), "\"all\"");
        assert_eq!(serde_json::to_string(&Acks::One).unwrap(), "\"1\"");
        assert_eq!(serde_json::to_string(&Acks::Zero).unwrap(), "\"0\"");
        for a in [Acks::Zero, Acks::One, Acks::All] {
            let bytes = postcard::to_stdvec(&a).unwrap();
            assert_eq!(postcard::from_bytes::<Acks>(&bytes).unwrap(), a);
            assert_eq!(a.to_string().parse::<Acks>(), Ok(a));
        }
        assert_eq!(Acks::All.as_i16(), -1);
        assert_eq!(
            postcard::to_stdvec(&Acks::All).unwrap(),
            postcard::to_stdvec(&-1i8).unwrap()
        );
    }

    /// Kafka 3.x's resolution: explicit value wins; unset means on unless a
    /// conflicting setting was given.
    #[test]
    fn idempotence_resolution_table() {
        let base = ProducerConfig::default();
        let cases: [(Option<bool>, Acks, u32, u32, bool); 12] = [
            // enable.idempotence, acks, retries, in-flight => enabled
            (None, Acks::All, 10, 5, true),
            (None, Acks::One, 10, 5, false),
            (None, Acks::Zero, 10, 5, false),
            (None, Acks::All, 0, 5, false),
            (None, Acks::All, 10, 6, false),
            (None, Acks::All, 10, 1, true),
            (Some(true), Acks::All, 10, 5, true),
            (Some(true), Acks::One, 10, 5, true), // explicit wins (validate rejects it)
            (Some(false), Acks::All, 10, 5, false),
            (Some(false), Acks::One, 0, 9, false),
            (Some(true), Acks::All, 0, 5, true),
            (Some(true), Acks::All, 10, 6, true),
        ];
        for (explicit, acks, retries, in_flight, expected) in cases {
            let c = ProducerConfig {
                enable_idempotence: explicit,
                acks,
                retries,
                max_in_flight_requests_per_connection: in_flight,
                ..base.clone()
            };
            assert_eq!(
                c.idempotence_enabled(),
                expected,
                "{explicit:?} acks={acks} retries={retries} in-flight={in_flight}"
            );
        }
    }

    #[test]
    fn explicit_idempotence_requires_acks_all() {
        let mut c = ProducerConfig {
            enable_idempotence: Some(true),
            acks: Acks::One,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "enable.idempotence");
        assert!(e.message.contains("acks=all, got acks=1"), "{e}");
        c.acks = Acks::All;
        assert_eq!(c.validate(), Ok(()));
        // Unset idempotence with acks=1 is fine: Kafka turns it off silently.
        let c = ProducerConfig {
            acks: Acks::One,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn explicit_idempotence_requires_retries() {
        let mut c = ProducerConfig {
            enable_idempotence: Some(true),
            retries: 0,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "enable.idempotence");
        assert!(e.message.contains("retries=0"), "{e}");
        c.retries = 1;
        assert_eq!(c.validate(), Ok(()));
        let c = ProducerConfig {
            retries: 0,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn explicit_idempotence_requires_at_most_5_in_flight() {
        let mut c = ProducerConfig {
            enable_idempotence: Some(true),
            max_in_flight_requests_per_connection: 6,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "enable.idempotence");
        assert!(e.message.contains("got 6"), "{e}");
        c.max_in_flight_requests_per_connection = 5;
        assert_eq!(c.validate(), Ok(()));
        let c = ProducerConfig {
            max_in_flight_requests_per_connection: 6,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn transactional_id_requires_idempotence() {
        let txn = Some("tx-1".to_string());
        let c = ProducerConfig {
            enable_idempotence: Some(false),
            transactional_id: txn.clone(),
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "transactional.id");
        assert!(e.message.contains("enable.idempotence=false"), "{e}");
        // Implicitly disabled by a conflicting setting: also an error, as in Kafka.
        let c = ProducerConfig {
            acks: Acks::One,
            transactional_id: txn.clone(),
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "transactional.id");
        assert!(e.message.contains("acks=1"), "{e}");
        // Unset or explicitly enabled: fine.
        let c = ProducerConfig {
            transactional_id: txn.clone(),
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
        let c = ProducerConfig {
            enable_idempotence: Some(true),
            transactional_id: txn,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
        let c = ProducerConfig {
            transactional_id: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "transactional.id");
    }

    #[test]
    fn delivery_timeout_covers_linger_and_request_timeout() {
        let mut c = ProducerConfig {
            linger_ms: 5,
            request_timeout_ms: 1_000,
            delivery_timeout_ms: 1_004,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "delivery.timeout.ms");
        assert!(
            e.message.contains("5 + 1000 = 1005") && e.message.contains("got 1004"),
            "{e}"
        );
        c.delivery_timeout_ms = 1_005;
        assert_eq!(c.validate(), Ok(()));
        // No overflow panic at the largest values Kafka's types allow.
        let c = ProducerConfig {
            linger_ms: i64::MAX as u64,
            delivery_timeout_ms: i32::MAX as u64,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "delivery.timeout.ms");
    }

    #[test]
    fn timeouts_within_kafka_types() {
        let too_long = i32::MAX as u64 + 1;
        let c = ProducerConfig {
            request_timeout_ms: too_long,
            ..Default::default()
        };
        let e = err(&c);
        assert_eq!(e.setting, "request.timeout.ms");
        assert!(e.message.contains("int range"), "{e}");
        let c = ProducerConfig {
            delivery_timeout_ms: too_long,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "delivery.timeout.ms");
        // linger.ms is a Java long in Kafka.
        let mut c = ProducerConfig {
            linger_ms: too_long,
            delivery_timeout_ms: i32::MAX as u64,
            request_timeout_ms: 1,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "delivery.timeout.ms");
        c.linger_ms = i64::MAX as u64 + 1;
        assert_eq!(err(&c).setting, "linger.ms");
        c.linger_ms = 0;
        c.request_timeout_ms = i32::MAX as u64;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn max_in_flight_at_least_one() {
        let mut c = ProducerConfig {
            max_in_flight_requests_per_connection: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "max.in.flight.requests.per.connection");
        c.max_in_flight_requests_per_connection = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn request_timeout_positive() {
        let mut c = ProducerConfig {
            request_timeout_ms: 0,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "request.timeout.ms");
        c.request_timeout_ms = 1;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn batch_size_zero_allowed() {
        let c = ProducerConfig {
            batch_size: 0,
            ..Default::default()
        };
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn retries_within_java_int() {
        let mut c = ProducerConfig {
            retries: i32::MAX as u32 + 1,
            ..Default::default()
        };
        assert_eq!(err(&c).setting, "retries");
        c.retries = i32::MAX as u32;
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn toml_dotted_keys() {
        let c: ProducerConfig = toml::from_str(
            r#"
            acks = "1"
            "enable.idempotence" = false
            retries = 3
            "max.in.flight.requests.per.connection" = 2
            "linger.ms" = 5
            "transactional.id" = "t"
            "#,
        )
        .unwrap();
        assert_eq!(
            c,
            ProducerConfig {
                acks: Acks::One,
                enable_idempotence: Some(false),
                retries: 3,
                max_in_flight_requests_per_connection: 2,
                linger_ms: 5,
                transactional_id: Some("t".into()),
                ..Default::default()
            }
        );
        assert_eq!(
            toml::from_str::<ProducerConfig>("").unwrap(),
            ProducerConfig::default()
        );
    }

    #[test]
    fn unknown_key_rejected_by_name() {
        let e = toml::from_str::<ProducerConfig>("\"enable.idempotency\" = true").unwrap_err();
        assert!(e.to_string().contains("enable.idempotency"), "{e}");
    }

    #[test]
    fn round_trips() {
        let c = ProducerConfig {
            acks: Acks::Zero,
            enable_idempotence: Some(false),
            transactional_id: Some("x".into()),
            ..ProducerConfig::scaled_for_simulation()
        };
        let t = toml::to_string(&c).unwrap();
        assert!(t.contains("acks = \"0\""), "{t}");
        assert_eq!(toml::from_str::<ProducerConfig>(&t).unwrap(), c);
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<ProducerConfig>(&j).unwrap(), c);
        let p = postcard::to_stdvec(&c).unwrap();
        assert_eq!(postcard::from_bytes::<ProducerConfig>(&p).unwrap(), c);
        // Unset options survive too.
        let d = ProducerConfig::default();
        assert_eq!(
            toml::from_str::<ProducerConfig>(&toml::to_string(&d).unwrap()).unwrap(),
            d
        );
    }
}
