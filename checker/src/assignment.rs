//! Per-process tracking across `assign` and `subscribe` (Jepsen's rule): an
//! `ok` or `info` assign or subscribe keeps the tracked position of every key
//! it names and drops the others; an invocation or a `fail` changes nothing,
//! and neither does a `crash` (a crashed process id is never reused). A
//! rebalance during an op excuses only that op's internal checks
//! (`rebalance_log`, see [`rebalanced_keys`]).
use super::facts::{Facts, KeyId, OrderedMap};
use crate::history::{OpPair, OpRef, OpValue};

/// The keys an `assign` or `subscribe` op keeps, when it changes the
/// process's assignment at all.
pub(crate) fn kept_keys<'h>(facts: &Facts<'h>, pair: OpPair) -> Option<Vec<&'h str>> {
    let c = pair.completion?;
    if !facts.assigns.get(c).copied().unwrap_or(false) {
        return None;
    }
    let done = facts.ops.get(c)?;
    let invoked = pair.invoke.and_then(|i| facts.ops.get(i));
    let keys = match (done.value.whole(), invoked.and_then(|o| o.value.whole())) {
        (Some(OpValue::Keys(k)), _) => k,
        (_, Some(OpValue::Keys(k))) => k,
        _ => return Some(Vec::new()),
    };
    Some(keys.iter().map(String::as_str).collect())
}

/// Drop the tracked keys an assignment no longer names.
pub(crate) fn retain_named<V>(
    facts: &Facts<'_>,
    tracked: &mut OrderedMap<KeyId, V>,
    named: &[&str],
) {
    tracked.retain(|k, _| named.contains(&facts.key(*k)));
}

/// The keys named in an op's `rebalance_log`: each entry's `keys` (Jepsen's
/// form) and `revoked` and `assigned` (logjam's).
pub(crate) fn rebalanced_keys(op: Option<OpRef<'_>>) -> Vec<String> {
    let Some(serde_json::Value::Array(entries)) = op.and_then(|o| o.rebalance_log) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for entry in entries {
        for field in ["keys", "revoked", "assigned"] {
            if let Some(serde_json::Value::Array(list)) = entry.get(field) {
                for k in list {
                    match k {
                        serde_json::Value::String(s) => keys.push(s.clone()),
                        serde_json::Value::Number(n) => keys.push(n.to_string()),
                        _ => {}
                    }
                }
            }
        }
    }
    keys
}
