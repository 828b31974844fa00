//! Seed arguments: `--seed N` or `--seeds A..B` (end exclusive) / `A..=B`.
use std::ops::Range;

pub fn parse_seed_range(s: &str) -> Result<Range<u64>, String> {
    let bad = || format!("expected A..B or A..=B with whole numbers, got {s:?}");
    if let Some((a, b)) = s.split_once("..=") {
        let (a, b): (u64, u64) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        return if a <= b { Ok(a..b + 1) } else { Err(bad()) };
    }
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    let (a, b): (u64, u64) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a < b {
        Ok(a..b)
    } else {
        Err(bad())
    }
}

/// `--shard K/N`: shard K (0-based) of N.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected K/N with 0 <= K < N, got {s:?}");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k < n {
        Ok((k, n))
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_seed_range("0..5"), Ok(0..5));
        assert_eq!(parse_seed_range("3..=3"), Ok(3..4));
        assert!(parse_seed_range("5..2").is_err());
        assert!(parse_seed_range("x").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/8"), Ok((2, 8)));
        assert!(parse_shard("8/8").is_err());
        assert!(parse_shard("a/b").is_err());
    }
}
