//! What an operation carries: values, micro-operations and the `value` field
//! interpreted by the operation's `f` (HISTORY.md, "Values").
use super::reads::Reads;
use super::val::{Key, Val};
use std::collections::BTreeMap;

/// One step of a `send`, `poll` or `txn` operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MicroOp {
    /// `["send", KEY, VALUE]`, or `["send", KEY, [OFFSET, VALUE]]` once the
    /// offset is known.
    Send {
        key: Key,
        value: Val,
        offset: Option<i64>,
    },
    /// `["poll"]` in an invocation (`reads: None`), `["poll", {KEY: [[OFFSET,
    /// VALUE], ...]}]` in a completion.
    Poll { reads: Option<Reads> },
}

/// The `value` field, interpreted according to `f`. The variant must match `f`
/// for a history to round-trip through the writer and reader.
#[derive(Clone, Debug, PartialEq)]
pub enum OpValue {
    /// `send`, `poll`, `txn`.
    Micro(Vec<MicroOp>),
    /// `assign`, `subscribe`.
    Keys(Vec<String>),
    /// `commit`: the next offset to read, per key (Kafka's convention).
    Offsets(BTreeMap<String, i64>),
    /// `process`: the records the application finished processing.
    Records(Reads),
    /// Nemesis operations, any other `f`, and a `null` or missing value.
    Other(serde_json::Value),
}

impl OpValue {
    /// The micro-operations, when this value has them.
    pub fn micro_ops(&self) -> &[MicroOp] {
        match self {
            OpValue::Micro(ops) => ops,
            _ => &[],
        }
    }
}

/// How `value` is read for an operation named `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueShape {
    Micro,
    Keys,
    Offsets,
    Records,
    Raw,
}

impl ValueShape {
    pub(crate) fn of(f: &str) -> Self {
        match f {
            "send" | "poll" | "txn" => ValueShape::Micro,
            "assign" | "subscribe" => ValueShape::Keys,
            "commit" => ValueShape::Offsets,
            "process" => ValueShape::Records,
            _ => ValueShape::Raw,
        }
    }
}
