//! Kafka's default partitioner for keyed records: `toPositive(murmur2(key)) %
//! partitions`, bit-for-bit as in `org.apache.kafka.common.utils.Utils` and
//! `BuiltInPartitioner.partitionForKey`, so a key lands on the same partition
//! number it would in a real cluster with the same partition count.
//!
//! Records without a key are not handled here: Kafka's producer spreads them with
//! the sticky partitioner (KIP-480/794), which depends on batching state.

/// Kafka's 32-bit murmur2 (`Utils.murmur2`): seed `0x9747b28c`, little-endian
/// 4-byte blocks, Java `int` wrap-around arithmetic.
///
/// The length is mixed in as a Java `int`; Java arrays cannot be longer than
/// `i32::MAX`, and longer inputs here use the length truncated to 32 bits
/// rather than panicking.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java's `int` arithmetic is wrapping two's complement; u32 wrapping ops give
    // the same bits, and `>>>` is the logical shift of u32.
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;

    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // Java's switch falls through: case 3 also does 2 and 1.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which would
/// overflow on `i32::MIN`).
pub fn to_positive(number: i32) -> i32 {
    number & 0x7fff_ffff
}

/// The partition Kafka's default partitioner picks for a record with this
/// (serialized) key: `toPositive(murmur2(key)) % partitions`. An empty key is
/// still a key (Kafka hashes it); only a null key goes to the sticky partitioner.
///
/// `partitions == 0` has no valid answer; it returns 0 instead of dividing by
/// zero. Validated topics always have at least one partition.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    if partitions == 0 {
        return 0;
    }
    // to_positive's result is in 0..=i32::MAX, so the cast is lossless.
    (to_positive(murmur2(key)) as u32) % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of Kafka's `UtilsTest.testMurmur2`. They were also reproduced by
    /// running a transcription of Kafka's Java `Utils.murmur2` under a JVM (javac
    /// 17) while writing this module, so both the vectors and the port agree with
    /// Java's arithmetic.
    #[test]
    fn murmur2_matches_kafka_utils_test() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(
                murmur2(key),
                expected,
                "murmur2({:?})",
                String::from_utf8_lossy(key)
            );
        }
    }

    /// Every tail length (0..=3 leftover bytes) and bytes >= 0x80 (Java's signed
    /// `byte` masked with `& 0xff`), checked against the Java reference run.
    #[test]
    fn murmur2_tail_lengths_and_high_bytes_match_java() {
        let cases: [(&[u8], i32); 6] = [
            (b"", 275_646_681),
            (b"a", -1_563_381_124),
            (b"ab", 316_155_434),
            (b"abcd", -1_323_649_548),
            (b"abcde", 461_995_741),
            (&[0xff, 0x80, 0x7f, 0x00, 0xfe], -1_958_495_739),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "murmur2({key:?})");
        }
    }

    #[test]
    fn to_positive_clears_sign_bit() {
        assert_eq!(to_positive(-973_932_308), 1_173_551_340);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(42), 42);
    }

    #[test]
    fn partition_for_key_matches_java() {
        // (toPositive(murmur2(key)) % n) computed under the JVM.
        assert_eq!(partition_for_key(b"21", 3), 0);
        assert_eq!(partition_for_key(b"21", 7), 3);
        assert_eq!(partition_for_key(b"a-little-bit-long-string", 3), 2);
        assert_eq!(partition_for_key(b"a-little-bit-long-string", 7), 1);
        assert_eq!(partition_for_key(b"abc", 7), 4);
        assert_eq!(partition_for_key(b"a", 3), 1);
        assert_eq!(partition_for_key(b"anything", 1), 0);
    }

    #[test]
    fn zero_partitions_does_not_panic() {
        assert_eq!(partition_for_key(b"abc", 0), 0);
    }

    #[test]
    fn partition_is_always_in_range() {
        for n in 1..=17u32 {
            for i in 0..200u32 {
                let key = i.to_be_bytes();
                assert!(partition_for_key(&key, n) < n);
            }
        }
    }
}
