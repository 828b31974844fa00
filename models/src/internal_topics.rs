//! Kafka's internal topics (`__consumer_offsets`, `__transaction_state`) and
//! how a key is placed on one of their partitions. Apart from `group` and
//! `txn` so both can use it without importing each other.
use crate::ids::TopicPartition;

/// Kafka's name for the internal offsets topic.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Kafka's name for the internal topic holding transaction states.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// Java's `String.hashCode`, which Kafka uses to place a group or a
/// transactional.id: the same id lands on the same partition in Kafka and here.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| {
        h.wrapping_mul(31).wrapping_add(i32::from(c as i16))
    })
}

/// The partition of `topic` that `key` belongs to (Kafka's
/// `Utils.abs(key.hashCode) % partitions`).
pub fn placement(topic: &str, key: &str, partitions: u32) -> TopicPartition {
    // Kafka's Utils.abs maps i32::MIN to 0 rather than overflowing.
    let h = java_string_hash(key);
    let abs = if h == i32::MIN { 0 } else { h.unsigned_abs() };
    TopicPartition::new(topic, abs % partitions.max(1))
}

/// Is this an internal topic (hidden from group assignments and workloads)?
pub fn is_internal(topic: &str) -> bool {
    topic == OFFSETS_TOPIC || topic == TRANSACTION_STATE_TOPIC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_matches_java_hash() {
        // "".hashCode() == 0; "a".hashCode() == 97; "ab".hashCode() == 3105.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("ab"), 3105);
        assert_eq!(placement(OFFSETS_TOPIC, "a", 3).partition, 97 % 3);
        assert_eq!(
            placement(TRANSACTION_STATE_TOPIC, "ab", 50).partition,
            3105 % 50
        );
    }
}
