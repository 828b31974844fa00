//! Small helpers for the one-sentence explanations anomalies carry.
use super::facts::{Facts, Write};

/// "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// "process 2 sent 41 to orders/3" (or "... in a transaction").
pub(crate) fn sent(facts: &Facts<'_>, w: &Write<'_>) -> String {
    let how = if w.in_txn { " in a transaction" } else { "" };
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
