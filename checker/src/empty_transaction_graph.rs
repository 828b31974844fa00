//! `empty-transaction-graph` (Jepsen's, through Elle's `cycles`): no two
//! completed `send`, `poll` or `txn` operations depend on each other in any
//! way, so the dependency graph the cycle search runs on has no edge at all.
//! A history like that is not a valid test: nothing in it could have shown
//! an anomaly between operations (Elle: "it's almost certainly the case that
//! something went wrong if we didn't infer *any* dependencies").
//!
//! A dependency is one of the edges of Jepsen's Kafka graph, over every
//! completion whatever its type (Jepsen's `writer-of` and `readers-of` take
//! `fail` and `info` ops too):
//! - `wr`: an op read a value another op sent;
//! - `ww`, only with `ww_deps`: two successive offsets of a key's version
//!   order hold values sent by two different ops;
//! - `realtime`: an op completed `ok` before another one, which completed,
//!   was invoked (Elle's realtime graph, which Jepsen adds for
//!   strict-serializable).
//!
//! Jepsen's verdict counts it as bad (it is not among `allowed-error-types`);
//! it is not a fault of the system, so it is judged there only
//! (`logjam check --jepsen`), never against logjam's promises.
use super::facts::Facts;
use super::version_order::VersionOrder;
use crate::history::OpType;

/// Whether the history gives the cycle search no dependency at all.
pub(crate) fn is_empty(facts: &Facts<'_>, order: &VersionOrder, ww_deps: bool) -> bool {
    !(has_wr(facts) || (ww_deps && has_ww(facts, order)) || has_realtime(facts))
}

/// Some op read a value that another op sent.
fn has_wr(facts: &Facts<'_>) -> bool {
    facts.polls.iter().any(|poll| {
        facts
            .value_ids(poll)
            .iter()
            .filter_map(|&id| facts.writer(id as usize))
            .any(|w| facts.pair_of(w).completion != Some(poll.op))
    })
}

/// Two successive values of a key's version order sent by different ops.
fn has_ww(facts: &Facts<'_>, order: &VersionOrder) -> bool {
    let writer = |slot: &crate::version_order::Slot| {
        order
            .values(slot)
            .first()
            .and_then(|p| facts.writer(p.value_id))
            .map(|w| w.pair)
    };
    order.logs.iter().any(|log| {
        log.windows(2).any(|pair| match pair {
            [a, b] => matches!((writer(a), writer(b)), (Some(x), Some(y)) if x != y),
            _ => false,
        })
    })
}

/// Some op completed `ok` before another send, poll or txn op (one that
/// completed) was invoked.
fn has_realtime(facts: &Facts<'_>) -> bool {
    let client_op = |pos: usize| {
        facts.ops.get(pos).is_some_and(|op| {
            !op.process.is_nemesis() && matches!(op.f.as_str(), "send" | "poll" | "txn")
        })
    };
    let first_ok_completion = facts
        .pairs
        .iter()
        .filter_map(|p| p.completion)
        .filter(|&c| client_op(c) && facts.ops.get(c).is_some_and(|op| op.op_type == OpType::Ok))
        .min();
    let Some(first_ok) = first_ok_completion else {
        return false;
    };
    facts
        .pairs
        .iter()
        .any(|p| p.completion.is_some() && p.invoke.is_some_and(|i| i > first_ok && client_op(i)))
}
