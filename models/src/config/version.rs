//! `kafka.version`: which Kafka release the cluster runs, and so which of the
//! mechanisms logjam models it has. Cluster-wide, like Kafka's
//! `metadata.version` and feature levels (KIP-584), which the controller and
//! every broker share.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Kafka release logjam can model. Default 3.7.
///
/// | version | what changes in the models |
/// |---|---|
/// | 3.7 | the baseline: KRaft, leader epochs, KIP-497 ISR, broker epochs |
/// | 4.0 | nothing logjam models (4.0 removed ZooKeeper, which logjam never modelled, and made KIP-848's consumer protocol generally available, which logjam does not model; the classic protocol behaves as in 3.7) |
/// | 4.1 | eligible leader replicas and unclean-shutdown handling (KIP-966): `eligible.leader.replicas.version=1`, on by default for new 4.1 clusters |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum KafkaVersion {
    #[default]
    V3_7,
    V4_0,
    V4_1,
}

/// The accepted spellings, in order.
pub const KAFKA_VERSIONS: [&str; 3] = ["3.7", "4.0", "4.1"];

impl KafkaVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            KafkaVersion::V3_7 => "3.7",
            KafkaVersion::V4_0 => "4.0",
            KafkaVersion::V4_1 => "4.1",
        }
    }

    /// KIP-966 part 1: eligible leader replicas (ELR), an ISR that may become
    /// empty, and unclean-shutdown detection at broker registration. Kafka
    /// 4.0 has the code behind a feature that is off by default; 4.1 turns it
    /// on for new clusters.
    pub fn eligible_leader_replicas(self) -> bool {
        self >= KafkaVersion::V4_1
    }
}

impl std::str::FromStr for KafkaVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "3.7" => Ok(KafkaVersion::V3_7),
            "4.0" => Ok(KafkaVersion::V4_0),
            "4.1" => Ok(KafkaVersion::V4_1),
            other => Err(format!(
                "kafka.version must be one of {}, got {other:?}",
                quoted_versions()
            )),
        }
    }
}

impl std::fmt::Display for KafkaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for KafkaVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KafkaVersion {
    /// A string such as "4.1"; a bare TOML number (`4.1`) is refused with the
    /// same list, since 4.0 would read back as 4. Through `deserialize_str`,
    /// so binary formats (postcard) read it too.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Version;
        impl serde::de::Visitor<'_> for Version {
            type Value = KafkaVersion;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "one of {}", quoted_versions())
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KafkaVersion, E> {
                v.parse().map_err(E::custom)
            }

            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<KafkaVersion, E> {
                Err(E::custom(format!(
                    "kafka.version must be a string, one of {}, got the number {n}",
                    quoted_versions()
                )))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<KafkaVersion, E> {
                self.visit_f64(n as f64)
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<KafkaVersion, E> {
                self.visit_f64(n as f64)
            }
        }
        d.deserialize_str(Version)
    }
}

fn quoted_versions() -> String {
    KAFKA_VERSIONS.map(|v| format!("\"{v}\"")).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(rename = "kafka.version")]
        version: KafkaVersion,
    }

    fn parse(text: &str) -> Result<KafkaVersion, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.version)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn each_accepted_version_reads_and_writes_back() {
        for v in KAFKA_VERSIONS {
            let parsed = parse(&format!("\"kafka.version\" = \"{v}\"")).expect(v);
            assert_eq!(parsed.as_str(), v);
        }
        assert_eq!(KafkaVersion::default(), KafkaVersion::V3_7);
    }

    #[test]
    fn only_4_1_has_eligible_leader_replicas() {
        assert!(!KafkaVersion::V3_7.eligible_leader_replicas());
        assert!(!KafkaVersion::V4_0.eligible_leader_replicas());
        assert!(KafkaVersion::V4_1.eligible_leader_replicas());
    }

    #[test]
    fn anything_else_names_the_setting_and_the_accepted_values() {
        let e = parse("\"kafka.version\" = \"3.9\"").expect_err("3.9");
        assert_eq!(
            e,
            r#"kafka.version must be one of "3.7", "4.0", "4.1", got "3.9""#
        );
        let e = parse("\"kafka.version\" = 4.1").expect_err("a number");
        assert!(e.contains("kafka.version must be a string"), "{e}");
        assert!(e.contains(r#""4.1""#), "{e}");
    }
}
