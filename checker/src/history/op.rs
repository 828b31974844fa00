//! One operation of a history, and the history itself (HISTORY.md, "An operation").
use super::val::Key;
use super::value::OpValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An invocation, or its one completion: ok (happened), fail (definitely did
/// not happen), info (unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl OpType {
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    /// How an operation ended, given its completion's type (`None`: it
    /// never completed, which is unknown: `Info`).
    pub fn outcome(completion: Option<OpType>) -> OpType {
        match completion {
            None | Some(OpType::Invoke) => OpType::Info,
            Some(t) => t,
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "invoke" => Some(OpType::Invoke),
            "ok" => Some(OpType::Ok),
            "fail" => Some(OpType::Fail),
            "info" => Some(OpType::Info),
            _ => None,
        }
    }
}

/// The logical client that performed an operation; `Named("nemesis")` for faults.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Process {
    Id(u64),
    Named(String),
}

impl Process {
    /// The process that injects faults.
    pub const NEMESIS: &'static str = "nemesis";

    pub fn nemesis() -> Self {
        Process::Named(Self::NEMESIS.to_string())
    }

    pub fn is_nemesis(&self) -> bool {
        matches!(self, Process::Named(n) if n == Self::NEMESIS)
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Id(id) => write!(f, "{id}"),
            Process::Named(name) => write!(f, "{name}"),
        }
    }
}

/// One line of a history.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// Position in the history: strictly increasing, not necessarily dense.
    pub index: u64,
    /// Simulated nanoseconds since the start of the run.
    pub time_ns: Option<u64>,
    pub process: Process,
    pub op_type: OpType,
    /// The operation's name: inline, never a heap string (issue 13).
    pub f: Key,
    pub value: OpValue,
    /// The client host; inline, as `f` (host names and Kafka's error
    /// codes are short).
    pub node: Option<Key>,
    pub error: Option<Key>,
    /// Partitions revoked/assigned during the op; `None` when absent or null.
    /// Boxed: rare, and a JSON value inline would widen every op.
    pub rebalance_log: Option<Box<serde_json::Value>>,
    /// Part of the final read (`"final": true`).
    pub final_read: bool,
}

impl Op {
    pub fn is_invoke(&self) -> bool {
        self.op_type == OpType::Invoke
    }

    /// A rebalance happened during this op: the log is present and not empty.
    pub fn rebalanced(&self) -> bool {
        match self.rebalance_log.as_deref() {
            None | Some(serde_json::Value::Null) => false,
            Some(serde_json::Value::Array(a)) => !a.is_empty(),
            Some(serde_json::Value::Object(o)) => !o.is_empty(),
            Some(serde_json::Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        }
    }
}

/// A whole history: the optional metadata line and the operations in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The `{"logjam_history": 1, ...}` line, when present.
    pub header: Option<serde_json::Map<String, serde_json::Value>>,
    pub ops: Vec<Op>,
}
