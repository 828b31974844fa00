//! Operations in words: a compact summary of an op's value for the ops
//! table, and clauses ("process 2 on producer-1 sent 41 to orders/3 ...")
//! for the anomaly explanations. Values are shown as the history writes them
//! (strings quoted), and all of this is text: escaping happens when it is
//! put on the page.
use crate::html::{secs, truncate};
use logjam_checker::history::{MicroOp, Op, OpType, OpValue, Reads, Val};
use std::fmt::Write;

/// The longest value summary shown in the ops table.
const SUMMARY_CHARS: usize = 160;

/// "process 2 on producer-1", or "the nemesis".
pub fn who(op: &Op) -> String {
    if op.process.is_nemesis() {
        return "the nemesis".into();
    }
    match &op.node {
        Some(node) => format!("process {} on {}", op.process, node),
        None => format!("process {}", op.process),
    }
}

/// What an op carried, in a line: "orders/3 ← 41 @17", "orders/3: 26 records, offsets 0–25".
pub fn value_summary(op: &Op) -> String {
    let mut out = String::new();
    match &op.value {
        OpValue::Micro(micros) => {
            for (i, m) in micros.iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                match m {
                    MicroOp::Send { key, value, offset } => {
                        let _ = write!(out, "{key} ← {value}");
                        if let Some(o) = offset {
                            let _ = write!(out, " @{o}");
                        }
                    }
                    MicroOp::Poll { reads: None } => out.push_str("poll"),
                    MicroOp::Poll { reads: Some(r) } => reads_summary(r, &mut out),
                }
                if out.len() > SUMMARY_CHARS * 4 {
                    break;
                }
            }
        }
        OpValue::Keys(keys) => out.push_str(&keys.join(", ")),
        OpValue::Offsets(offs) => {
            for (i, (k, o)) in offs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k} → {o}");
            }
        }
        OpValue::Records(r) => reads_summary(r, &mut out),
        OpValue::Other(serde_json::Value::Null) => {}
        OpValue::Other(v) => out.push_str(&v.to_string()),
    }
    truncate(&out, SUMMARY_CHARS).into_owned()
}

fn reads_summary(r: &Reads, out: &mut String) {
    if r.is_empty() {
        out.push_str("nothing");
    }
    for (i, (k, recs)) in r.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "{k}: {}", range_text(recs));
    }
}

/// "nothing", "1 record at offset 4", "26 records, offsets 0–25".
pub fn range_text(recs: &[(i64, Val)]) -> String {
    match recs {
        [] => "nothing".into(),
        [(o, v)] => format!("1 record ({v} at offset {o})"),
        _ => {
            let lo = recs.iter().map(|r| r.0).min().unwrap_or(0);
            let hi = recs.iter().map(|r| r.0).max().unwrap_or(0);
            format!("{} records, offsets {lo}–{hi}", recs.len())
        }
    }
}

/// One clause about a completed (or abandoned) operation, centred on `key`
/// and the anomaly's `values`.
pub fn clause(
    invoke: Option<&Op>,
    done: &Op,
    outcome: OpType,
    key: &str,
    values: &[Val],
) -> String {
    let op = invoke.unwrap_or(done);
    let at = secs(op.time_ns.unwrap_or(0));
    let who = who(done);
    let final_read = if done.final_read {
        " in the final read"
    } else {
        ""
    };
    match done.f.as_str() {
        "send" | "txn" => {
            let sends: Vec<(&str, &Val, Option<i64>)> = done
                .value
                .micro_ops()
                .iter()
                .filter_map(|m| match m {
                    MicroOp::Send { key, value, offset } => Some((key.as_str(), value, *offset)),
                    _ => None,
                })
                .collect();
            let pick = sends
                .iter()
                .find(|(k, v, _)| *k == key && values.contains(v))
                .or_else(|| sends.iter().find(|(k, _, _)| *k == key))
                .or(sends.first());
            let Some((k, v, offset)) = pick else {
                return format!("{who} made a {} ({}) at {at}", done.f, outcome.as_str());
            };
            let extra = match sends.len() {
                0 | 1 => String::new(),
                2 => " (with 1 more send)".into(),
                n => format!(" (with {} more sends)", n - 1),
            };
            if done.f == "txn" {
                return format!(
                    "{who} sent {v} to {k} in transaction {}{extra}, begun at {at}{}",
                    txn_ops(invoke, done),
                    txn_end(done, outcome, v, *offset)
                );
            }
            let end = match (outcome, offset) {
                (OpType::Ok, Some(o)) => format!(" and was acknowledged at offset {o}"),
                (OpType::Ok, None) => " and was acknowledged".into(),
                (OpType::Fail, _) => "; it definitely failed".into(),
                _ => "; its outcome is unknown".into(),
            };
            format!("{who} sent {v} to {k}{extra} at {at}{end}")
        }
        "poll" => {
            let reads = done.value.micro_ops().iter().find_map(|m| match m {
                MicroOp::Poll { reads: Some(r) } => Some(r),
                _ => None,
            });
            match reads {
                None => format!("{who} polled at {at}{final_read} ({})", outcome.as_str()),
                Some(r) => {
                    let recs = r.get(key).map(Vec::as_slice).unwrap_or(&[]);
                    format!(
                        "{who} read {key}{final_read} at {at}: {}{}",
                        range_text(recs),
                        containment(recs, values)
                    )
                }
            }
        }
        "process" => {
            let recs = match &done.value {
                OpValue::Records(r) => r.get(key).map(Vec::as_slice).unwrap_or(&[]),
                _ => &[],
            };
            format!(
                "{who} processed {key} at {at}: {}{}",
                range_text(recs),
                containment(recs, values)
            )
        }
        "commit" => match &done.value {
            OpValue::Offsets(o) if o.contains_key(key) => {
                format!(
                    "{who} committed {key} up to offset {} at {at} ({})",
                    o[key],
                    outcome.as_str()
                )
            }
            _ => format!("{who} committed offsets at {at} ({})", outcome.as_str()),
        },
        f => format!("{who}: {f} at {at} ({})", outcome.as_str()),
    }
}

/// "op 12–19": a transaction's invocation and completion.
fn txn_ops(invoke: Option<&Op>, done: &Op) -> String {
    match invoke.map(|i| i.index).filter(|i| *i != done.index) {
        Some(first) => format!("op {first}–{}", done.index),
        None => format!("op {}", done.index),
    }
}

/// How a transaction ended, from the write's point of view: "; it
/// committed at 0.810 s, 41 at offset 17", "; it aborted at 0.810 s",
/// "; its outcome is unknown (no answer by 0.810 s)".
fn txn_end(done: &Op, outcome: OpType, value: &Val, offset: Option<i64>) -> String {
    let at = secs(done.time_ns.unwrap_or(0));
    match (outcome, offset) {
        (OpType::Ok, Some(o)) => format!("; it committed at {at}, {value} at offset {o}"),
        (OpType::Ok, None) => format!("; it committed at {at}"),
        (OpType::Fail, _) => format!("; it aborted at {at}"),
        _ if done.op_type == OpType::Info => {
            format!("; its outcome is unknown (no answer by {at})")
        }
        _ => "; it never completed".into(),
    }
}

/// ", including 41 at offset 17" / ", without 41".
fn containment(recs: &[(i64, Val)], values: &[Val]) -> String {
    let mut parts = Vec::new();
    for v in values.iter().take(3) {
        let at: Vec<String> = recs
            .iter()
            .filter(|(_, x)| x == v)
            .map(|(o, _)| o.to_string())
            .collect();
        if at.is_empty() {
            parts.push(format!("without {v}"));
        } else {
            parts.push(format!("including {v} at offset {}", at.join(" and ")));
        }
    }
    if parts.is_empty() || recs.is_empty() {
        String::new()
    } else {
        format!(", {}", parts.join(", "))
    }
}
