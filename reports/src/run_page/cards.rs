//! Anomaly cards, one per incident ([`incidents`]), most severe first: kinds that broke a promise before kinds
//! the configuration allows, and within each group by
//! [`AnomalyKind::severity`]: the kinds that cost data (loss, divergence)
//! before those that add copies or cost order. Each card
//! links its proof operations (`#op-N`) and tells the story around them.
use super::cluster_events::cite_for_loss;
use super::explain::story;
use super::faults::Band;
use super::incidents;
use super::load::RunData;
use crate::html::{secs, thousands};
use logjam_checker::AnomalyKind;
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
    /// "in 3 incidents".
    pub incidents: String,
    pub cards: Vec<Card>,
    /// Incidents of this kind not shown as cards.
    pub more: u64,
}

/// One incident: its range, its cause, a few example values, and the proof
/// of its first anomaly.
pub struct Card {
    pub id: String,
    /// "327 acknowledged writes lost".
    pub what: String,
    pub key: String,
    /// A few of the incident's values, and how many there are.
    pub values: String,
    /// "offsets 1,204–1,530" or "offset 17"; "" when none is named.
    pub offsets: String,
    /// The fault window the incident's writes were made in, "" for none.
    pub cause: String,
    /// The incident's time span, for "zoom to this proof" (simulated ns).
    pub from_ns: u64,
    pub to_ns: u64,
    /// When it happened, for people: "12.3 s – 14.1 s".
    pub when: String,
    pub process: String,
    pub ops: Vec<u64>,
    pub more_ops: usize,
    /// The transactions among the proof ops, each a link to its span.
    pub transactions: Vec<super::transactions::CitedTransaction>,
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
    headline: &crate::findings::Headline,
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
            _ => (
                "allowed",
                match headline
                    .findings
                    .iter()
                    .find(|f| f.kind == kind)
                    .map(|f| &f.standing)
                {
                    Some(crate::findings::Standing::NotPromised(_, reason)) => {
                        format!("not promised by {reason}")
                    }
                    Some(crate::findings::Standing::DoesNotBreak(p)) => {
                        format!("allowed: does not break {}", p.as_str())
                    }
                    _ => "no configuration promises against this".to_string(),
                },
            ),
        };
        let incidents = incidents::group(data, bands, list);
        let incident_count = incidents.len();
        let cards: Vec<Card> = incidents
            .iter()
            .take(per_kind)
            .enumerate()
            .map(|(i, inc)| card(data, bands, kind, inc, i, &mut proof))
            .collect();
        out.push(KindSection {
            kind: kind.as_str().to_string(),
            anchor: format!("kind-{}", kind.as_str()),
            class,
            heading,
            count: thousands(total),
            incidents: match incident_count {
                1 => "in 1 incident".to_string(),
                n => format!("in {} incidents", thousands(n as u64)),
            },
            more: incident_count.saturating_sub(cards.len()) as u64,
            cards,
        });
    }
    (out, proof)
}

/// Example values shown on an incident's card.
const MAX_EXAMPLES: usize = 5;

fn card(
    data: &RunData,
    bands: &[Band],
    kind: AnomalyKind,
    inc: &incidents::Incident<'_>,
    i: usize,
    proof: &mut BTreeSet<u64>,
) -> Card {
    let first = inc.anomalies[0];
    proof.extend(first.ops.iter().take(MAX_LINKS).copied());
    let mut values: Vec<String> = Vec::new();
    for v in inc.anomalies.iter().flat_map(|a| a.values.iter()) {
        let v = v.to_string();
        if !values.contains(&v) {
            values.push(v);
        }
        if values.len() > MAX_EXAMPLES {
            break;
        }
    }
    let values = if inc.anomalies.len() == 1 || values.len() <= 1 {
        values.join(", ")
    } else {
        let shown = values.len().min(MAX_EXAMPLES);
        format!(
            "{} (examples of {})",
            values[..shown].join(", "),
            thousands(inc.anomalies.len() as u64)
        )
    };
    let offsets = match inc.offsets {
        Some((lo, hi)) if lo == hi => format!("offset {lo}"),
        Some((lo, hi)) => format!("offsets {lo}–{hi}"),
        None => String::new(),
    };
    let cause = inc
        .band
        .map(|b| {
            let band = &bands[b];
            format!(
                "fault window {}–{}: {}",
                secs(band.start_ns),
                if band.ended {
                    secs(band.end_ns)
                } else {
                    "end".into()
                },
                band.label
            )
        })
        .unwrap_or_default();
    Card {
        id: format!("a-{}-{}", kind.as_str(), i + 1),
        what: crate::findings::what_was_found(kind, inc.anomalies.len() as u64),
        key: first.key.clone(),
        values,
        offsets,
        cause,
        from_ns: inc.from_ns,
        to_ns: inc.to_ns,
        when: format!("{} – {}", secs(inc.from_ns), secs(inc.to_ns)),
        process: first
            .process
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        ops: first.ops.iter().take(MAX_LINKS).copied().collect(),
        transactions: super::transactions::cited(
            data,
            &first.ops[..first.ops.len().min(MAX_LINKS)],
        ),
        more_ops: first.ops.len().saturating_sub(MAX_LINKS),
        checker: first.explanation.clone(),
        story: story(data, bands, first),
        cluster: cluster_citation(data, kind, inc),
    }
}

/// Lost writes (read past, or never seen) cite the cluster's events on their
/// partition over the incident's span: from the first write to the last
/// read that missed one.
fn cluster_citation(data: &RunData, kind: AnomalyKind, inc: &incidents::Incident<'_>) -> String {
    if !matches!(kind, AnomalyKind::LostWrite | AnomalyKind::Unseen) || data.events.is_empty() {
        return String::new();
    }
    if inc.from_ns > inc.to_ns {
        return String::new();
    }
    cite_for_loss(&data.events, inc.key(), inc.from_ns, inc.to_ns)
}

fn unallowed(data: &RunData, k: AnomalyKind) -> u64 {
    let r = &data.result;
    r.counts
        .get(&k)
        .copied()
        .unwrap_or(0)
        .saturating_sub(r.allowed.get(&k).copied().unwrap_or(0))
}
