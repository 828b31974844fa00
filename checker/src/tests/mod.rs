//! Checker tests: small hand-written histories, each anomaly present and absent.
mod aborted_read;
mod committed_txn_writes;
mod cycles;
mod duplicate;
mod empty_transaction_graph;
mod faults;
mod fuzz;
mod inconsistent_offsets;
mod jepsen_difference_empty_test;
mod jepsen_difference_series;
mod jepsen_differences;
mod jepsen_rule_clauses;
mod jepsen_rules;
mod jepsen_verdict;
mod lost_write;
mod mixed_txn;
mod names;
mod poll_order;
mod precommitted_read;
mod processing;
mod promise_table;
mod replica_divergence;
mod send_order;
mod stuck_lso;
mod torn_transaction;
mod unseen;
mod value_ids;
mod verdict;

use super::{check, Anomaly, AnomalyKind, CheckOptions, CheckResult};
use crate::history::parse_history;

/// Check a JSONL history with no configuration (anomalies only).
pub(super) fn check_text(text: &str) -> CheckResult {
    let history =
        parse_history(text).unwrap_or_else(|e| panic!("test history does not parse: {e}"));
    check(&history, &CheckOptions::default())
}

/// The anomalies of one kind.
pub(super) fn found(result: &CheckResult, kind: AnomalyKind) -> Vec<Anomaly> {
    result.anomalies.get(&kind).cloned().unwrap_or_default()
}

/// The kinds found, by name.
pub(super) fn kinds(result: &CheckResult) -> Vec<&'static str> {
    result.anomalies.keys().map(|k| k.as_str()).collect()
}
