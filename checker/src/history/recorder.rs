//! Building a history in code, as the simulation's workload and nemesis act.
//! Indices are assigned in call order, so the recorded history is already in
//! the order the reader expects.
use super::op::{History, Op, OpType, Process};
use super::value::OpValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Recorder {
    header: Option<Map<String, Value>>,
    ops: Vec<Op>,
    /// The node of each process's open invocation, copied onto its completion
    /// so both lines say where the operation ran.
    open_nodes: BTreeMap<Process, Option<String>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A recorder whose history starts with this metadata line.
    pub fn with_header(header: Map<String, Value>) -> Self {
        Self {
            header: Some(header),
            ..Self::default()
        }
    }

    /// Record an invocation; returns its index.
    pub fn invoke(
        &mut self,
        time_ns: u64,
        process: Process,
        f: &str,
        value: OpValue,
        node: Option<String>,
    ) -> u64 {
        self.push_invoke(time_ns, process, f, value, node, false)
    }

    /// Record an invocation that belongs to the final read.
    pub fn invoke_final(
        &mut self,
        time_ns: u64,
        process: Process,
        f: &str,
        value: OpValue,
        node: Option<String>,
    ) -> u64 {
        self.push_invoke(time_ns, process, f, value, node, true)
    }

    /// Record the completion of `process`'s open invocation; returns its index.
    pub fn complete(
        &mut self,
        time_ns: u64,
        process: Process,
        op_type: OpType,
        f: &str,
        value: OpValue,
        error: Option<String>,
    ) -> u64 {
        self.push_completion(time_ns, process, op_type, f, value, error, false)
    }

    /// Record the completion of a final-read invocation.
    pub fn complete_final(
        &mut self,
        time_ns: u64,
        process: Process,
        op_type: OpType,
        f: &str,
        value: OpValue,
        error: Option<String>,
    ) -> u64 {
        self.push_completion(time_ns, process, op_type, f, value, error, true)
    }

    /// Record a fault the nemesis applied (one `info` line, as HISTORY.md's
    /// example shows); returns its index.
    pub fn nemesis(&mut self, time_ns: u64, f: &str, value: Value) -> u64 {
        self.record(Op {
            index: 0,
            time_ns: Some(time_ns),
            process: Process::nemesis(),
            op_type: OpType::Info,
            f: f.into(),
            value: OpValue::Other(value),
            node: None,
            error: None,
            rebalance_log: None,
            final_read: false,
        })
    }

    /// Record any operation as given (for fields the helpers do not set, such
    /// as `rebalance_log`); its `index` is replaced by the next one. Returns it.
    pub fn record(&mut self, mut op: Op) -> u64 {
        op.index = self.ops.len() as u64;
        let index = op.index;
        self.ops.push(op);
        index
    }

    /// Number of operations recorded so far.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The recorded history.
    pub fn into_history(self) -> History {
        History {
            header: self.header,
            ops: self.ops,
        }
    }

    /// Take the operations recorded so far, with `header` as the metadata
    /// line, leaving the recorder empty (for a recorder shared behind a `RefCell`).
    pub fn take_history(&mut self, header: Map<String, Value>) -> History {
        self.open_nodes.clear();
        self.header = None;
        History {
            header: Some(header),
            ops: std::mem::take(&mut self.ops),
        }
    }

    fn push_invoke(
        &mut self,
        time_ns: u64,
        process: Process,
        f: &str,
        value: OpValue,
        node: Option<String>,
        final_read: bool,
    ) -> u64 {
        self.open_nodes.insert(process.clone(), node.clone());
        self.record(Op {
            index: 0,
            time_ns: Some(time_ns),
            process,
            op_type: OpType::Invoke,
            f: f.into(),
            value,
            node: node.map(Into::into),
            error: None,
            rebalance_log: None,
            final_read,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn push_completion(
        &mut self,
        time_ns: u64,
        process: Process,
        op_type: OpType,
        f: &str,
        value: OpValue,
        error: Option<String>,
        final_read: bool,
    ) -> u64 {
        let node = self.open_nodes.remove(&process).flatten();
        self.record(Op {
            index: 0,
            time_ns: Some(time_ns),
            process,
            op_type,
            f: f.into(),
            value,
            node: node.map(Into::into),
            error: error.map(Into::into),
            rebalance_log: None,
            final_read,
        })
    }
}
