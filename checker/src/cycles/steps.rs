//! A cycle's steps in plain words: for each edge, the evidence that the
//! first operation preceded the second (the value written and read, the two
//! successive offsets, the completion and invocation times, the process).
use super::graph::{DepGraph, Evidence, PROCESS, REALTIME, WR, WW};
use super::search::Step;
use crate::anomaly::{Anomaly, AnomalyKind};
use crate::explain;
use crate::facts::Facts;
use crate::history::Val;
use crate::version_order::VersionOrder;

pub(crate) fn anomaly(
    facts: &Facts<'_>,
    graph: &DepGraph,
    evidence: &Evidence,
    order: Option<&VersionOrder>,
    kind: AnomalyKind,
    cycle: &[Step],
) -> Anomaly {
    let mut key = None;
    let (mut values, mut offsets, mut ops, mut said) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &(a, b, labels) in cycle {
        if let Some(pair) = graph.pair(facts, a) {
            ops.extend(facts.pair_indices(pair));
        }
        let mut why = Vec::new();
        if labels & WW != 0 {
            if let Some((k, v1, o1, v2, o2)) =
                order.and_then(|o| ww(facts, graph, evidence, o, a, b))
            {
                key.get_or_insert(k);
                values.extend([v1.clone(), v2.clone()]);
                offsets.extend([o1, o2]);
                why.push(format!(
                    "{} wrote {v1} to {k} at offset {o1} and {} wrote {v2} right after it, at offset {o2} (ww)",
                    name(facts, graph, a),
                    name(facts, graph, b)
                ));
            }
        }
        if labels & WR != 0 {
            if let Some((k, v, o)) = wr(facts, graph, evidence, a, b) {
                key.get_or_insert(k);
                values.push(v.clone());
                offsets.push(o);
                why.push(format!(
                    "{} wrote {v} to {k} and {} read it at offset {o} (wr)",
                    name(facts, graph, a),
                    name(facts, graph, b)
                ));
            }
        }
        if labels & PROCESS != 0 {
            let process = graph
                .pair(facts, a)
                .and_then(|p| facts.ops.get(p.first()))
                .map(|op| op.process.to_string())
                .unwrap_or_default();
            why.push(format!(
                "process {process} completed {} before it began {} (process)",
                name(facts, graph, a),
                name(facts, graph, b)
            ));
        } else if labels & REALTIME != 0 {
            why.push(format!(
                "{} completed{} before {} was invoked{} (realtime)",
                name(facts, graph, a),
                at(facts, graph, a, false),
                name(facts, graph, b),
                at(facts, graph, b, true)
            ));
        }
        said.push(why.join(", and "));
    }
    let names: Vec<String> = cycle
        .iter()
        .map(|&(a, _, _)| name(facts, graph, a))
        .chain(cycle.first().map(|&(a, _, _)| name(facts, graph, a)))
        .collect();
    Anomaly {
        kind,
        key: key.unwrap_or_default().to_string(),
        values,
        offsets,
        ops,
        process: None,
        explanation: format!(
            "{kind} cycle {}: {}; so each must precede itself",
            names.join(" → "),
            said.join("; ")
        ),
    }
}

/// "op 12 (process 3)", named by its completion.
fn name(facts: &Facts<'_>, graph: &DepGraph, v: u32) -> String {
    let Some(pair) = graph.pair(facts, v) else {
        return String::new();
    };
    let process = facts
        .ops
        .get(pair.first())
        .map(|op| op.process.to_string())
        .unwrap_or_default();
    format!("{} (process {process})", explain::op(facts, pair.last()))
}

/// " at 1.204 s" when the history has times.
fn at(facts: &Facts<'_>, graph: &DepGraph, v: u32, invoked: bool) -> String {
    let pos = graph
        .pair(facts, v)
        .and_then(|p| if invoked { p.invoke } else { p.completion });
    match pos.and_then(|p| facts.ops.get(p)).and_then(|op| op.time_ns) {
        Some(ns) => format!(" at {:.3} s", ns as f64 / 1e9),
        None => String::new(),
    }
}

/// A value `a` wrote that `b` read: key, value, offset.
fn wr<'h>(
    facts: &Facts<'h>,
    graph: &DepGraph,
    evidence: &Evidence,
    a: u32,
    b: u32,
) -> Option<(&'h str, &'h Val, i64)> {
    let polls = facts.polls.get(evidence.polls.get(b as usize)?.clone())?;
    polls.iter().find_map(|poll| {
        facts
            .reads(poll)
            .find(|r| {
                facts
                    .writer(r.value_id)
                    .is_some_and(|w| graph.vertex_at(facts.pair_of(w).first()) == Some(a))
            })
            .and_then(|r| Some((facts.key(poll.key), facts.value(r.value_id)?, r.offset)))
    })
}

/// A write of `b` directly after one of `a` in a key's version order: key,
/// a's value and offset, b's value and offset.
fn ww<'h>(
    facts: &Facts<'h>,
    graph: &DepGraph,
    evidence: &Evidence,
    order: &VersionOrder,
    a: u32,
    b: u32,
) -> Option<(&'h str, &'h Val, i64, &'h Val, i64)> {
    let writes = facts.writes.get(evidence.writes.get(b as usize)?.clone())?;
    writes.iter().find_map(|w| {
        let log = order.logs.get(w.key)?;
        let (first, last) = (
            order.first_index(w.value_id)?,
            order.last_index(w.value_id)?,
        );
        (first.max(1)..=last).find_map(|i| {
            let (s1, s2) = (log.get(i - 1)?, log.get(i)?);
            let (p1, p2) = (order.values(s1).first()?, order.values(s2).first()?);
            let writer = facts.writer(p1.value_id)?;
            (p2.value_id == w.value_id && graph.vertex_at(facts.pair_of(writer).first()) == Some(a))
                .then(|| {
                    Some((
                        facts.key(w.key),
                        facts.value(p1.value_id)?,
                        s1.offset,
                        facts.value(p2.value_id)?,
                        s2.offset,
                    ))
                })?
        })
    })
}
