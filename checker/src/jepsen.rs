//! Validity as Jepsen's Kafka checker computes it (`allowed-error-types` in
//! `jepsen.tests.kafka`), beside logjam's promise-based verdict: valid when
//! no "bad" kind was found. Only Jepsen's kinds, found by Jepsen's rules,
//! take part (docs/JEPSEN.md): logjam's own kinds and the anomalies logjam's
//! own rules add (final reads) are left out.
//!
//! Always allowed: `int-send-skip` and the G0 cycles (Kafka does not isolate
//! writes). With consumers that subscribe, `poll-skip` and
//! `nonmonotonic-poll` (a rebalance may move a partition between two polls).
//! With ww edges inferred (`ww_deps`), the G1c cycles. Never allowed:
//! `empty-transaction-graph`, a history in which no operation depends on
//! another (`empty_transaction_graph`), judged here only.
use super::anomaly::{AnomalyKind, Findings};
use crate::history::{HistoryRef, OpRef, OpType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The test options Jepsen's verdict depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JepsenOptions {
    /// Consumers subscribe (Jepsen's `:sub-via` includes `:subscribe`). A
    /// history with a `subscribe` op counts as such whatever this says.
    pub subscribe: bool,
    /// Write-write edges are inferred from the version order (`:ww-deps`).
    pub ww_deps: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JepsenVerdict {
    pub valid: bool,
    /// The options judged under (`subscribe` as found in the history too).
    pub options: JepsenOptions,
    /// Jepsen's kinds found by Jepsen's rules, with their counts.
    pub counts: BTreeMap<AnomalyKind, u64>,
    /// Of those, the ones that make the history invalid.
    pub bad: Vec<AnomalyKind>,
    /// The distinct `error`s of `info` send, poll and txn ops (Jepsen's
    /// `info-txn-causes`).
    pub info_causes: Vec<String>,
}

impl JepsenOptions {
    /// Whether Jepsen's verdict allows `kind`.
    pub fn allows(self, kind: AnomalyKind) -> bool {
        use AnomalyKind::*;
        match kind {
            IntSendSkip | G0 | G0Process | G0Realtime => true,
            PollSkip | NonmonotonicPoll => self.subscribe,
            G1c | G1cProcess | G1cRealtime => self.ww_deps,
            _ => false,
        }
    }
}

/// `empty_graph`: the history gave the cycle search no dependency at all
/// (`empty_transaction_graph`), which Jepsen reports as a bad error type.
pub(crate) fn judge(
    found: &Findings,
    options: JepsenOptions,
    history: HistoryRef<'_>,
    empty_graph: bool,
) -> JepsenVerdict {
    let client = |op: &OpRef<'_>| !op.process.is_nemesis();
    let subscribes = history.iter().filter(client).any(|op| op.f == "subscribe");
    let options = JepsenOptions {
        subscribe: options.subscribe || subscribes,
        ..options
    };
    let mut counts: BTreeMap<AnomalyKind, u64> = found
        .by_kind
        .iter()
        .filter(|(k, _)| k.is_jepsen())
        .map(|(k, list)| {
            let beyond = found.beyond_jepsen.get(k).copied().unwrap_or(0);
            (*k, list.len() as u64 - beyond)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    if empty_graph {
        counts.insert(AnomalyKind::EmptyTransactionGraph, 1);
    }
    let bad: Vec<AnomalyKind> = counts
        .keys()
        .copied()
        .filter(|k| !options.allows(*k))
        .collect();
    let mut info_causes: Vec<String> = Vec::new();
    for op in history.iter().filter(client) {
        if op.op_type == OpType::Info && matches!(op.f.as_str(), "send" | "poll" | "txn") {
            if let Some(e) = op.error {
                if !info_causes.iter().any(|c| c == e) {
                    info_causes.push(e.to_string());
                }
            }
        }
    }
    JepsenVerdict {
        valid: bad.is_empty(),
        options,
        counts,
        bad,
        info_causes,
    }
}
