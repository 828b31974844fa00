//! The sweep's work list: the (scenario, preset) combinations, and which
//! (combination, seed) items this shard runs, in order, so N machines split a
//! sweep with no coordinator.
use super::run_key::RunKey;
use crate::catalogue;
use logjam_harness::scenario::Scenario;
use std::path::PathBuf;
use std::time::Duration;

/// One (scenario, preset) pair of the sweep.
#[derive(Clone, Debug)]
pub struct Combo {
    pub scenario: String,
    pub preset: Option<String>,
    pub resolved: Scenario,
}

impl Combo {
    /// The key of this combination's run with `seed`.
    pub fn key(&self, seed: u64) -> RunKey {
        RunKey {
            scenario: self.scenario.clone(),
            preset: self.resolved.preset_label().to_string(),
            seed,
        }
    }
}

/// A whole sweep: what to run, for how long, on how many workers, and where
/// its results go.
pub struct Plan {
    pub combos: Vec<Combo>,
    pub work: Work,
    pub duration: Option<Duration>,
    pub workers: usize,
    pub out: PathBuf,
    pub resume: bool,
}

impl Plan {
    /// The combination a result line names, if this plan has it.
    pub fn combo(&self, scenario: &str, preset: &str) -> Option<&Combo> {
        self.combos
            .iter()
            .find(|c| c.scenario == scenario && c.resolved.preset_label() == preset)
    }
}

/// Which (combo, seed) items a sweep runs, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    pub first_seed: u64,
    /// Seeds per combo (None: until the duration is spent).
    pub seeds: Option<u64>,
    /// `--shard K/N`: shard K (0-based) of N.
    pub shard: (u64, u64),
}

impl Work {
    /// The i-th item of this shard's (possibly endless) work list, as (combo
    /// index, seed). Seeds are dealt out to shards (shard K takes seed
    /// indexes K, K+N, K+2N, ...) and every shard runs every combo of its
    /// seeds, so N machines split a sweep with no coordinator, each covering
    /// every scenario × preset. Seeds are outermost, so every combo advances
    /// together and a time-boxed sweep covers them all.
    pub fn item(&self, combos: usize, i: u64) -> Option<(usize, u64)> {
        let n = u64::try_from(combos).ok().filter(|&n| n > 0)?;
        let (k, of) = self.shard;
        let seed_index = (i / n).checked_mul(of)?.checked_add(k)?;
        if self.seeds.is_some_and(|s| seed_index >= s) {
            return None;
        }
        Some(((i % n) as usize, self.first_seed.checked_add(seed_index)?))
    }

    /// How many items this shard runs, when the seeds are bounded (and the
    /// count fits).
    pub fn len(&self, combos: usize) -> Option<u64> {
        let (k, of) = self.shard;
        let seeds = self.seeds?;
        seeds
            .saturating_sub(k)
            .div_ceil(of)
            .checked_mul(u64::try_from(combos).ok()?)
    }

    /// Whether `seed` is one of this shard's seeds.
    pub fn has_seed(&self, seed: u64) -> bool {
        let (k, of) = self.shard;
        seed.checked_sub(self.first_seed)
            .is_some_and(|index| index % of == k && self.seeds.is_none_or(|seeds| index < seeds))
    }
}

/// Every (scenario, preset) pair: the given scenarios (default: the whole
/// catalogue) each with its own preset, or with each of the given presets.
pub fn combos(scenarios: &[String], presets: &[String]) -> Result<Vec<Combo>, String> {
    let names: Vec<String> = if scenarios.is_empty() {
        catalogue::names().map(String::from).collect()
    } else {
        scenarios.to_vec()
    };
    let mut out = Vec::new();
    for name in &names {
        let preset_list: Vec<Option<&str>> = if presets.is_empty() {
            vec![None]
        } else {
            presets.iter().map(|p| Some(p.as_str())).collect()
        };
        for p in preset_list {
            let resolved = catalogue::scenario_with_preset(name, p)
                .ok_or_else(|| format!("unknown scenario {name:?}"))?
                .map_err(|e| e.to_string())?;
            out.push(Combo {
                scenario: name.clone(),
                preset: p.map(String::from),
                resolved,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn items(work: &Work, combos: usize) -> Vec<(usize, u64)> {
        (0..).map_while(|i| work.item(combos, i)).collect()
    }

    /// Shards are disjoint, together they are the whole sweep, each runs every
    /// combination (when it has a seed at all), and `len` counts its items.
    #[test]
    fn shards_split_seeds_and_keep_every_combination() {
        for combos in 1..=4 {
            for seeds in 0..=7 {
                let whole = Work {
                    first_seed: 10,
                    seeds: Some(seeds),
                    shard: (0, 1),
                };
                let all = items(&whole, combos);
                assert_eq!(all.len() as u64, seeds * combos as u64);
                for of in 1..=4 {
                    let mut union = Vec::new();
                    for k in 0..of {
                        let work = Work {
                            shard: (k, of),
                            ..whole
                        };
                        let mine = items(&work, combos);
                        assert_eq!(work.len(combos), Some(mine.len() as u64));
                        assert!(mine.iter().all(|&(_, seed)| work.has_seed(seed)));
                        let theirs = (0..k).chain(k + 1..of).map(|j| Work {
                            shard: (j, of),
                            ..whole
                        });
                        for other in theirs {
                            assert!(items(&other, combos)
                                .iter()
                                .all(|&(_, s)| !work.has_seed(s)));
                        }
                        let covered: BTreeSet<usize> = mine.iter().map(|&(c, _)| c).collect();
                        if !mine.is_empty() {
                            assert_eq!(covered.len(), combos, "shard {k}/{of}");
                        }
                        union.extend(mine);
                    }
                    let distinct: BTreeSet<(usize, u64)> = union.iter().copied().collect();
                    assert_eq!(distinct.len(), union.len(), "disjoint");
                    assert_eq!(distinct, all.iter().copied().collect(), "union");
                }
            }
        }
    }

    #[test]
    fn an_endless_sweep_does_not_overflow() {
        let work = Work {
            first_seed: u64::MAX - 1,
            seeds: None,
            shard: (1, 3),
        };
        assert_eq!(work.item(2, 1), Some((1, u64::MAX)));
        assert_eq!(work.item(2, 2), None, "the next seed would overflow");
        assert_eq!(work.item(2, u64::MAX), None);
        let work = Work {
            first_seed: 0,
            seeds: None,
            shard: (0, 1),
        };
        assert_eq!(work.item(0, 5), None, "no combinations, no items");
        assert_eq!(work.item(3, 7), Some((1, 2)));
    }
}
