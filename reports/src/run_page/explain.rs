//! The story behind an anomaly, in the manner of Elle: what each proof
//! operation did (who, what, when, which offsets), then what the nemesis did
//! between the first and the last of them. The checker's own one-line
//! explanation is shown next to it; this adds the faults, which the checker
//! never looks at.
use super::describe::clause;
use super::faults::{relevant, Band};
use super::load::RunData;
use crate::html::{ms_secs, secs};
use logjam_checker::Anomaly;
use std::collections::BTreeSet;

/// Proof operations described in full; the rest are counted.
const MAX_CLAUSES: usize = 5;
/// Faults named in one explanation.
const MAX_FAULTS: usize = 6;

pub fn story(data: &RunData, bands: &[Band], a: &Anomaly) -> String {
    // One clause per operation (an invocation and its completion are one).
    let pairs: BTreeSet<usize> = a
        .ops
        .iter()
        .filter_map(|i| data.pos_of(*i))
        .map(|pos| data.pair_of[pos])
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    let mut clauses = Vec::new();
    let (mut t0, mut t1) = (u64::MAX, 0);
    for &pi in &pairs {
        let pair = &data.pairs[pi];
        t0 = t0.min(data.times[pair.first()]);
        t1 = t1.max(data.times[pair.last()]);
        if clauses.len() < MAX_CLAUSES {
            let invoke = pair.invoke.map(|p| data.op(p));
            clauses.push(clause(
                invoke,
                data.outcome_op(pair),
                data.outcome(pair),
                &a.key,
                &a.values,
            ));
        }
    }
    let mut text = clauses.join("; ");
    if pairs.len() > MAX_CLAUSES {
        text.push_str(&format!(
            "; and {} more operations",
            pairs.len() - MAX_CLAUSES
        ));
    }
    let faults = relevant(&data.faults, bands, t0, t1);
    let span = if pairs.len() > 1 {
        "between the two"
    } else {
        "around it"
    };
    if faults.is_empty() {
        if pairs.len() > 1 {
            text.push_str(&format!(
                "; no fault was injected between {} and {}",
                secs(t0),
                secs(t1)
            ));
        }
    } else {
        let mut said: Vec<String> = faults
            .iter()
            .take(MAX_FAULTS)
            .map(|f| format!("at {} {}", ms_secs(f.at_ms), f.describe()))
            .collect();
        if faults.len() > MAX_FAULTS {
            said.push(format!("{} more faults", faults.len() - MAX_FAULTS));
        }
        text.push_str(&format!("; {span}, {}", said.join(", ")));
    }
    text
}
