//! The one error type configuration validation returns.

use serde::{Deserialize, Serialize};

/// A setting that breaks one of Kafka's rules.
///
/// `setting` is the Kafka name of the offending setting, prefixed with where it
/// lives when that is ambiguous: `enable.idempotence` from
/// [`ProducerConfig::validate`](super::ProducerConfig::validate),
/// `producer.enable.idempotence` or `topics[orders].min.insync.replicas` from
/// [`ClusterConfig::validate`](super::ClusterConfig::validate). `message` says what
/// was expected and what was found. Displays as `<setting>: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    /// Kafka name of the offending setting, possibly prefixed (see the type docs).
    pub setting: String,
    /// What was expected, with the offending value.
    pub message: String,
}

impl ConfigError {
    /// An error about `setting`.
    pub fn new(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            message: message.into(),
        }
    }

    /// The same error with `prefix` put in front of the setting name
    /// (`"producer."` turns `acks` into `producer.acks`).
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.setting.insert_str(0, prefix);
        self
    }
}

/// `Err` unless `value >= min`.
pub(crate) fn at_least<T: PartialOrd + std::fmt::Display>(
    setting: &str,
    value: T,
    min: T,
) -> Result<(), ConfigError> {
    if value >= min {
        Ok(())
    } else {
        Err(ConfigError::new(
            setting,
            format!("must be at least {min}, got {value}"),
        ))
    }
}

/// The Java type Kafka declares a setting with: values outside its range are
/// rejected (an INT timeout stops at 2147483647 ms, about 24.8 days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JavaType {
    Int,
    Long,
}

/// `Err` unless `value` fits the setting's Java type.
pub(crate) fn fits(setting: &str, value: u64, ty: JavaType) -> Result<(), ConfigError> {
    let (max, name) = match ty {
        JavaType::Int => (i32::MAX as u64, "int"),
        JavaType::Long => (i64::MAX as u64, "long"),
    };
    if value <= max {
        Ok(())
    } else {
        Err(ConfigError::new(
            setting,
            format!("must be at most {max} (Kafka's {name} range), got {value}"),
        ))
    }
}

/// [`fits`] for each `(setting, value)` of one type, in order.
pub(crate) fn all_fit(settings: &[(&str, u64)], ty: JavaType) -> Result<(), ConfigError> {
    settings
        .iter()
        .try_for_each(|&(setting, value)| fits(setting, value, ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_setting_colon_message() {
        let e = ConfigError::new("acks", "must be all, got 1");
        assert_eq!(e.to_string(), "acks: must be all, got 1");
        assert_eq!(
            e.prefixed("producer.").to_string(),
            "producer.acks: must be all, got 1"
        );
    }

    #[test]
    fn is_a_std_error() {
        fn takes(_: &dyn std::error::Error) {}
        takes(&ConfigError::new("x", "y"));
    }

    #[test]
    fn fits_names_setting_range_and_value() {
        assert!(fits("request.timeout.ms", 2_147_483_647, JavaType::Int).is_ok());
        let e = fits("request.timeout.ms", 2_147_483_648, JavaType::Int).unwrap_err();
        assert_eq!(e.setting, "request.timeout.ms");
        assert_eq!(
            e.message,
            "must be at most 2147483647 (Kafka's int range), got 2147483648"
        );
        assert!(fits("linger.ms", 2_147_483_648, JavaType::Long).is_ok());
        let e = fits("linger.ms", u64::MAX, JavaType::Long).unwrap_err();
        assert!(e.message.contains("long range"), "{e}");
    }

    #[test]
    fn at_least_names_setting_and_value() {
        assert!(at_least("batch.size", 0u64, 0).is_ok());
        let e = at_least("max.poll.records", 0u32, 1).unwrap_err();
        assert_eq!(e.setting, "max.poll.records");
        assert_eq!(e.message, "must be at least 1, got 0");
    }
}
