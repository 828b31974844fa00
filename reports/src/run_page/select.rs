//! Which operations a page draws. Large histories are capped: a window of
//! `limit` consecutive operations (in history order) around the first
//! operation an anomaly card cites (the start of the history when none is
//! cited), plus every operation a card cites or a lost write was sent by
//! (so every `#op-N` link on the page has a target), plus every nemesis
//! operation. What is left out is counted, by outcome and by `f`, and the
//! window's time span is named, so the page says what it shows.
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
    /// The window drawn in full: its first and last pair, and their times (ns).
    pub window: (usize, usize),
    pub window_ns: (u64, u64),
}

impl Selection {
    pub fn new(data: &RunData, limit: usize, proof: &BTreeSet<u64>) -> Self {
        let cited: BTreeSet<usize> = proof
            .iter()
            .filter_map(|idx| data.pos_of(*idx))
            .map(|pos| data.pair_of[pos])
            .collect();
        let n = data.pairs.len();
        let start = match cited.first() {
            Some(&first) if n > limit => first.saturating_sub(limit / 4).min(n - limit),
            _ => 0,
        };
        let end = (start + limit).min(n);
        let mut keep: BTreeSet<usize> = (start..end).collect();
        for idx in proof {
            if let Some(pos) = data.pos_of(*idx) {
                keep.insert(data.pair_of[pos]);
            }
        }
        for (i, p) in data.pairs.iter().enumerate() {
            if !(start..end).contains(&i) && data.outcome_op(p).process.is_nemesis() {
                keep.insert(i);
            }
        }
        let mut omitted_by_outcome = BTreeMap::new();
        let mut omitted_by_f = BTreeMap::new();
        if keep.len() < data.pairs.len() {
            for (i, p) in data.pairs.iter().enumerate() {
                if keep.contains(&i) {
                    continue;
                }
                *omitted_by_outcome
                    .entry(data.outcome(p).as_str())
                    .or_insert(0) += 1;
                *omitted_by_f
                    .entry(data.outcome_op(p).f.to_string())
                    .or_insert(0) += 1;
            }
        }
        let window_ns = if end > start {
            (
                data.times[data.pairs[start].first()],
                data.times[data.pairs[end - 1].last()],
            )
        } else {
            (0, 0)
        };
        Self {
            window: (start, end),
            window_ns,
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
            "{what}: showing {} of {} operations: all {} from {} to {} ({}), every nemesis operation, every operation an anomaly card cites and every lost write's send; {} not shown: {} (by outcome), {} (by f).",
            crate::html::thousands(self.pairs.len() as u64),
            crate::html::thousands(self.total as u64),
            crate::html::thousands((self.window.1 - self.window.0) as u64),
            crate::html::secs(self.window_ns.0),
            crate::html::secs(self.window_ns.1),
            if self.window.0 == 0 {
                "the start of the run"
            } else {
                "the window around the first anomaly"
            },
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
