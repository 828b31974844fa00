//! Anomaly cards, most severe first: kinds that broke a promise before kinds
//! the configuration allows, and within each group by
//! [`AnomalyKind::severity`]: the kinds that cost data (loss, divergence)
//! before those that add copies or cost order. Each card
//! links its proof operations (`#op-N`) and tells the story around them.
use super::cluster_events::cite_for_loss;
use super::explain::story;
use super::faults::Band;
use super::load::RunData;
use crate::html::thousands;
use logjam_checker::{Anomaly, AnomalyKind};
use std::collections::{BTreeMap, BTreeSet};

/// Proof-op links shown on one card.
const MAX_LINKS: usize = 12;

pub struct KindSection {
    pub kind: String,
    pub anchor: String,
    /// `broken`, `allowed` or `unjudged` (no configuration given).
    pub class: &'static str,
    pub heading: String,
    pub count: String,
    pub cards: Vec<Card>,
    /// Anomalies of this kind not shown as cards.
    pub more: u64,
}

pub struct Card {
    pub id: String,
    pub key: String,
    pub values: String,
    pub offsets: String,
    pub process: String,
    pub ops: Vec<u64>,
    pub more_ops: usize,
    pub checker: String,
    pub story: String,
    /// For a lost write: the cluster's events that may explain it (same
    /// partition, between the write and the read that missed it); "" for none.
    pub cluster: String,
}

/// The sections, and every op index a shown card links to (the ops table
/// must contain those rows whatever its cap).
pub fn sections(
    data: &RunData,
    bands: &[Band],
    per_kind: usize,
) -> (Vec<KindSection>, BTreeSet<u64>) {
    let r = &data.result;
    let mut broken_by: BTreeMap<AnomalyKind, Vec<&str>> = BTreeMap::new();
    for p in r.promises.iter().filter(|p| !p.kept) {
        for k in p.broken_by.keys() {
            broken_by.entry(*k).or_default().push(p.name.as_str());
        }
    }
    let severity = |k: &AnomalyKind| -> (u8, u8) {
        let group = if r.valid.is_none() {
            1
        } else if broken_by.contains_key(k) || unallowed(data, *k) > 0 {
            0
        } else {
            2
        };
        (group, k.severity())
    };
    let mut kinds: Vec<AnomalyKind> = r.anomalies.keys().copied().collect();
    kinds.sort_by_key(severity);
    let mut proof = BTreeSet::new();
    let mut out = Vec::new();
    for kind in kinds {
        let list = &r.anomalies[&kind];
        let total = r
            .counts
            .get(&kind)
            .copied()
            .unwrap_or(list.len() as u64)
            .max(list.len() as u64);
        let (class, heading) = match severity(&kind).0 {
            0 => {
                let names = broken_by
                    .get(&kind)
                    .map(|v| v.join(", "))
                    .unwrap_or_else(|| "a promise".into());
                ("broken", format!("breaks {names}"))
            }
            1 => ("unjudged", "no configuration given: not judged".to_string()),
            _ => ("allowed", "allowed by this configuration".to_string()),
        };
        let cards: Vec<Card> = list
            .iter()
            .take(per_kind)
            .enumerate()
            .map(|(i, a)| {
                proof.extend(a.ops.iter().take(MAX_LINKS).copied());
                Card {
                    id: format!("a-{}-{}", kind.as_str(), i + 1),
                    key: a.key.clone(),
                    values: a
                        .values
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    offsets: a
                        .offsets
                        .iter()
                        .map(|o| o.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    process: a
                        .process
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    ops: a.ops.iter().take(MAX_LINKS).copied().collect(),
                    more_ops: a.ops.len().saturating_sub(MAX_LINKS),
                    checker: a.explanation.clone(),
                    story: story(data, bands, a),
                    cluster: cluster_citation(data, kind, a),
                }
            })
            .collect();
        out.push(KindSection {
            kind: kind.as_str().to_string(),
            anchor: format!("kind-{}", kind.as_str()),
            class,
            heading,
            count: thousands(total),
            more: total.saturating_sub(cards.len() as u64),
            cards,
        });
    }
    (out, proof)
}

/// Lost writes (read past, or never seen) cite the cluster's events on their
/// partition between the first and the last proof op: when the write was
/// made and when its absence was observed.
fn cluster_citation(data: &RunData, kind: AnomalyKind, a: &Anomaly) -> String {
    if !matches!(kind, AnomalyKind::LostWrite | AnomalyKind::Unseen) || data.events.is_empty() {
        return String::new();
    }
    let (mut from_ns, mut to_ns) = (u64::MAX, 0);
    for pos in a.ops.iter().filter_map(|i| data.pos_of(*i)) {
        let pair = &data.pairs[data.pair_of[pos]];
        from_ns = from_ns.min(data.times[pair.first()]);
        to_ns = to_ns.max(data.times[pair.last()]);
    }
    if from_ns > to_ns {
        return String::new();
    }
    cite_for_loss(&data.events, &a.key, from_ns, to_ns)
}

fn unallowed(data: &RunData, k: AnomalyKind) -> u64 {
    let r = &data.result;
    r.counts
        .get(&k)
        .copied()
        .unwrap_or(0)
        .saturating_sub(r.allowed.get(&k).copied().unwrap_or(0))
}
