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
}
