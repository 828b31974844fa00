//! Transactions on the run page. A `txn` op (HISTORY.md) is a transaction
//! from its begin (the invocation) to its end (the completion: `ok`
//! committed, `fail` aborted, `info` unknown), so the timeline draws it as a
//! span on its thread's lane, told apart by outcome in shape as well as
//! colour (committed solid, aborted hatched, unknown dashed), and cards name
//! the transactions their proof cites, each a link that lights its span.
use super::describe::{value_summary, who};
use super::load::RunData;
use crate::html::secs;
use logjam_checker::history::{MicroOp, OpPair, OpType};
use std::collections::BTreeSet;

/// The fill of aborted spans (`url(#txn-hatch)` in the stylesheet).
pub const HATCH_DEFS: &str = r##"<defs><pattern id="txn-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#fbe3e4"/><rect width="1.6" height="4" fill="#d2353b"/></pattern></defs>"##;

/// Whether the pair is a client's transaction.
pub fn is_transaction(data: &RunData, pair: &OpPair) -> bool {
    let op = data.outcome_op(pair);
    op.f == "txn" && !op.process.is_nemesis()
}

/// How a transaction ended, in a word.
pub fn outcome_word(outcome: OpType) -> &'static str {
    match outcome {
        OpType::Ok => "committed",
        OpType::Fail => "aborted",
        _ => "unknown",
    }
}

/// The span's classes: "op txn committed", "... aborted", "... unknown",
/// with " proof" when a card cites it.
pub fn span_class(outcome: OpType, cited: bool) -> &'static str {
    match (outcome, cited) {
        (OpType::Ok, false) => "op txn committed",
        (OpType::Fail, false) => "op txn aborted",
        (_, false) => "op txn unknown",
        (OpType::Ok, true) => "op txn committed proof",
        (OpType::Fail, true) => "op txn aborted proof",
        (_, true) => "op txn unknown proof",
    }
}

/// The span's tooltip (its accessible text): "transaction op 12–19 of
/// process 4 on producer-1, aborted; began 1.200 s, aborted 1.450 s;
/// partitions orders/0, orders/1; wrote orders/0 ← 3 @1; orders/1 ← 4".
pub fn span_title(data: &RunData, pair: &OpPair) -> String {
    let done = data.outcome_op(pair);
    let outcome = data.outcome(pair);
    let (t0, t1) = (data.times[pair.first()], data.times[pair.last()]);
    let end = match outcome {
        OpType::Ok => format!("committed {}", secs(t1)),
        OpType::Fail => format!("aborted {}", secs(t1)),
        _ if pair.completion.is_some() => format!("outcome unknown from {}", secs(t1)),
        _ => "never completed".to_string(),
    };
    let partitions: BTreeSet<&str> = done
        .value
        .micro_ops()
        .iter()
        .filter_map(|m| match m {
            MicroOp::Send { key, .. } => Some(key.as_str()),
            MicroOp::Poll { .. } => None,
        })
        .collect();
    let partitions = if partitions.is_empty() {
        "no writes".to_string()
    } else {
        format!(
            "partitions {}",
            partitions.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    format!(
        "transaction {} of {}, {}; began {}, {end}; {partitions}; {}",
        ops_text(data, pair),
        who(done),
        outcome_word(outcome),
        secs(t0),
        value_summary(done)
    )
}

/// "op 12–19", or "op 12" for a transaction that never completed.
fn ops_text(data: &RunData, pair: &OpPair) -> String {
    let first = data.op(pair.first()).index;
    let last = data.op(pair.last()).index;
    if first == last {
        format!("op {first}")
    } else {
        format!("op {first}–{last}")
    }
}

/// A transaction a card cites: the link target of its span, and its words.
pub struct CitedTransaction {
    /// `op-N` of its begin: the span's link, and its row in the ops table.
    pub target: String,
    /// "op 12–19 of process 4, aborted".
    pub text: String,
    /// `committed`, `aborted` or `unknown`, for its class.
    pub outcome: &'static str,
}

/// The transactions among the ops an anomaly cites, in history order.
pub fn cited(data: &RunData, ops: &[u64]) -> Vec<CitedTransaction> {
    let pairs: BTreeSet<usize> = ops
        .iter()
        .filter_map(|i| data.pos_of(*i))
        .map(|pos| data.pair_of[pos])
        .collect();
    pairs
        .into_iter()
        .map(|pi| &data.pairs[pi])
        .filter(|pair| is_transaction(data, pair))
        .map(|pair| {
            let outcome = outcome_word(data.outcome(pair));
            CitedTransaction {
                target: format!("op-{}", data.op(pair.first()).index),
                text: format!(
                    "{} of process {}, {outcome}",
                    ops_text(data, pair),
                    data.outcome_op(pair).process
                ),
                outcome,
            }
        })
        .collect()
}
