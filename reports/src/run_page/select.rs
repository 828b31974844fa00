//! Which operations a page draws. Large histories are capped: the first
//! `limit` operations in history order, plus every operation an anomaly
//! card cites (so every `#op-N` link on the page has a target), plus every
//! nemesis operation. What is left out is counted, by outcome and by `f`,
//! so the page still says what it did not show.
use super::load::RunData;
use std::collections::{BTreeMap, BTreeSet};

pub struct Selection {
    /// Positions in `RunData::pairs`, ascending.
    pub pairs: Vec<usize>,
    /// Operations (pairs) in the history.
    pub total: usize,
    /// Left out, by outcome ("ok", "fail", "info").
    pub omitted_by_outcome: BTreeMap<&'static str, u64>,
    /// Left out, by `f`.
    pub omitted_by_f: BTreeMap<String, u64>,
}

impl Selection {
    pub fn new(data: &RunData, limit: usize, proof: &BTreeSet<u64>) -> Self {
        let mut keep: BTreeSet<usize> = (0..data.pairs.len().min(limit)).collect();
        for idx in proof {
            if let Some(pos) = data.pos_of(*idx) {
                keep.insert(data.pair_of[pos]);
            }
        }
        for (i, p) in data.pairs.iter().enumerate().skip(limit) {
            if data.outcome_op(p).process.is_nemesis() {
                keep.insert(i);
            }
        }
        let mut omitted_by_outcome = BTreeMap::new();
        let mut omitted_by_f = BTreeMap::new();
        if keep.len() < data.pairs.len() {
            for (i, p) in data.pairs.iter().enumerate().skip(limit) {
                if keep.contains(&i) {
                    continue;
                }
                *omitted_by_outcome
                    .entry(data.outcome(p).as_str())
                    .or_insert(0) += 1;
                *omitted_by_f
                    .entry(data.outcome_op(p).f.clone())
                    .or_insert(0) += 1;
            }
        }
        Self {
            pairs: keep.into_iter().collect(),
            total: data.pairs.len(),
            omitted_by_outcome,
            omitted_by_f,
        }
    }

    /// The visible note for a capped page, or `None` when nothing was left out.
    pub fn note(&self, what: &str) -> Option<String> {
        let omitted = self.total - self.pairs.len();
        if omitted == 0 {
            return None;
        }
        Some(format!(
            "{what}: showing {} of {} operations (the first ones, every nemesis operation and every operation an anomaly card cites); {} not shown: {} (by outcome), {} (by f).",
            crate::html::thousands(self.pairs.len() as u64),
            crate::html::thousands(self.total as u64),
            crate::html::thousands(omitted as u64),
            counts(&self.omitted_by_outcome),
            counts(&self.omitted_by_f),
        ))
    }
}

fn counts<K: std::fmt::Display>(m: &BTreeMap<K, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{} {k}", crate::html::thousands(*v)))
        .collect::<Vec<_>>()
        .join(", ")
}
