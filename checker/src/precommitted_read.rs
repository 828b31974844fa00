//! `precommitted-read`: a transaction reading its own uncommitted write
//! (SEMANTICS.md). Within one `txn` op of any outcome (Jepsen: an aborted
//! transaction's poll must not see its own writes either), a poll returned a
//! value that the same op sends. The op's polls happen before it commits, and a committed read
//! (read_committed) stops at the last stable offset, below every record of
//! a transaction still open, so the value cannot have been visible yet.
//!
//! Reads by other ops are not judged here. A read of a transaction's write
//! before that transaction's `ok` completion is legitimate: the commit
//! markers may be written before the client hears back. A read of a
//! transaction that later aborted is `G1a`, and one whose outcome is unknown
//! proves, if anything, that it committed.
use super::anomaly::{Anomaly, AnomalyKind, Findings};
use super::explain;
use super::facts::Facts;
use crate::history::{MicroOp, Val};
use std::collections::BTreeSet;

pub(crate) fn find(facts: &Facts<'_>, found: &mut Findings) {
    for pair in &facts.pairs {
        let Some(done) = pair.completion else {
            continue;
        };
        let Some(op) = facts.ops.get(done) else {
            continue;
        };
        if op.f != "txn" || op.process.is_nemesis() {
            continue;
        }
        let invoked = pair
            .invoke
            .and_then(|p| facts.ops.get(p))
            .map_or(&[][..], |o| o.value.micro_ops());
        let own: BTreeSet<(&str, &Val)> = invoked
            .iter()
            .chain(op.value.micro_ops())
            .filter_map(|m| match m {
                MicroOp::Send { key, value, .. } => Some((key.as_str(), value)),
                MicroOp::Poll { .. } => None,
            })
            .collect();
        if own.is_empty() {
            continue;
        }
        for micro in op.value.micro_ops() {
            let MicroOp::Poll { reads: Some(reads) } = micro else {
                continue;
            };
            for (key, records) in reads {
                for (offset, value) in records {
                    if !own.contains(&(key.as_str(), value)) {
                        continue;
                    }
                    found.push(Anomaly {
                        kind: AnomalyKind::PrecommittedRead,
                        key: key.to_string(),
                        values: vec![value.clone()],
                        offsets: vec![*offset],
                        ops: facts.pair_indices(*pair),
                        process: Some(op.process.clone()),
                        explanation: format!(
                            "transaction {} of process {} read {value} from {key} at offset {offset}, its own write, before it had committed",
                            explain::op(facts, done),
                            op.process
                        ),
                    });
                }
            }
        }
    }
}
