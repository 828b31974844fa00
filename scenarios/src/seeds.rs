//! Seed arguments: `--seed N`, or `--seeds N` (`0..N`), `A..B` (end
//! exclusive) or `A..=B`.
use std::ops::Range;

/// The largest seed a range can hold (its end is exclusive).
const MAX_SEED: u64 = u64::MAX - 1;

pub fn parse_seed_range(s: &str) -> Result<Range<u64>, String> {
    let bad =
        || format!("expected N (0..N), A..B or A..=B with whole numbers, A before B, got {s:?}");
    let (a, b, inclusive) = match s.split_once("..=") {
        Some((a, b)) => (a, b, true),
        // A count: `--seeds 40` is seeds 0..40.
        None if !s.contains("..") => ("0", s, false),
        None => s
            .split_once("..")
            .map(|(a, b)| (a, b, false))
            .ok_or_else(bad)?,
    };
    let number = |x: &str| x.trim().parse::<u64>().map_err(|_| bad());
    let (a, b) = (number(a)?, number(b)?);
    let end = if inclusive {
        b.checked_add(1)
            .ok_or_else(|| format!("{s:?}: the largest seed is {MAX_SEED}"))?
    } else {
        b
    };
    if a < end {
        Ok(a..end)
    } else {
        Err(bad())
    }
}

/// `--seed N` for a command that runs a range of seeds: N..N+1.
pub fn parse_one_seed(s: &str) -> Result<Range<u64>, String> {
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number, got {s:?}"))?;
    let end = n
        .checked_add(1)
        .ok_or_else(|| format!("the largest seed is {MAX_SEED}"))?;
    Ok(n..end)
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
        assert_eq!(parse_seed_range("40"), Ok(0..40));
        assert!(parse_seed_range("0").is_err());
        assert_eq!(parse_seed_range("3..=3"), Ok(3..4));
        assert!(parse_seed_range("5..2").is_err());
        assert!(parse_seed_range("x").is_err());
        assert!(parse_seed_range("3..3").is_err());
        assert_eq!(parse_seed_range(" 2 .. 4 "), Ok(2..4));
        let max = u64::MAX.to_string();
        assert!(parse_seed_range(&format!("0..={max}"))
            .unwrap_err()
            .contains("largest seed"));
        assert_eq!(parse_one_seed("7"), Ok(7..8));
        assert!(parse_one_seed(&max).unwrap_err().contains("largest seed"));
        assert!(parse_one_seed("-1").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/8"), Ok((2, 8)));
        assert!(parse_shard("8/8").is_err());
        assert!(parse_shard("a/b").is_err());
    }
}
