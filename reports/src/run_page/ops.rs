//! The operations table: one row per operation (invocation and completion
//! together), each row the target of `#op-N` for both of its lines, so any
//! link to a proof op lands on it. Rows cited by an anomaly are marked.
use super::describe::value_summary;
use super::load::RunData;
use super::select::Selection;
use crate::html::{secs, truncate};
use std::collections::BTreeSet;

pub struct OpRow {
    /// The `index` of the first line (the row's `id="op-N"`).
    pub id: u64,
    /// The completion's `index`, when it is a separate line (a second anchor).
    pub alt: Option<u64>,
    pub time: String,
    pub latency: String,
    pub process: String,
    pub node: String,
    pub f: String,
    pub outcome: &'static str,
    pub class: String,
    pub value: String,
    pub error: String,
}

pub fn rows(data: &RunData, sel: &Selection, proof: &BTreeSet<u64>) -> Vec<OpRow> {
    sel.pairs
        .iter()
        .map(|&pi| {
            let pair = &data.pairs[pi];
            let first = data.op(pair.first());
            let done = data.outcome_op(pair);
            let outcome = data.outcome(pair).as_str();
            let alt = (pair.last() != pair.first()).then_some(done.index);
            let cited = proof.contains(&first.index) || alt.is_some_and(|a| proof.contains(&a));
            let mut class = outcome.to_string();
            if cited {
                class.push_str(" proof");
            }
            if done.final_read {
                class.push_str(" final");
            }
            let (t0, t1) = (data.times[pair.first()], data.times[pair.last()]);
            OpRow {
                id: first.index,
                alt,
                time: secs(t0),
                latency: if alt.is_some() {
                    format!("{:.1} ms", t1.saturating_sub(t0) as f64 / 1e6)
                } else {
                    String::new()
                },
                process: done.process.to_string(),
                node: done.node.as_deref().unwrap_or_default().to_string(),
                f: done.f.to_string(),
                outcome,
                class,
                value: value_summary(done),
                error: done
                    .error
                    .as_deref()
                    .map(|e| truncate(e, 80).into_owned())
                    .unwrap_or_default(),
            }
        })
        .collect()
}
