//! Small helpers for the one-sentence explanations anomalies carry.
use super::facts::{Facts, Write};
use crate::history::OpType;

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "process 2 sent 41 to orders/3" (or "... in transaction op 7 (committed)":
/// a committed transaction's sends are acknowledged writes).
pub(crate) fn sent(facts: &Facts<'_>, w: &Write<'_>) -> String {
    let how = if w.in_txn {
        let outcome = match w.outcome {
            OpType::Ok => "committed",
            OpType::Fail => "aborted",
            _ => "outcome unknown",
        };
        format!(
            " in transaction {} ({outcome})",
            op(facts, facts.pair_of(w).last())
        )
    } else {
        String::new()
    };
    format!(
        "process {} sent {} to {}{how}",
        w.process,
        w.value,
        facts.key(w.key)
    )
}

/// "op 12" for the op at a position.
pub(crate) fn op(facts: &Facts<'_>, pos: usize) -> String {
    format!("op {}", facts.index(pos))
}
