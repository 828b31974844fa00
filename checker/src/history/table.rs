//! A history held compactly for checking (issue 13, "Speed"): one 40-byte
//! row per op, every op's micro-operations in one shared vector, processes
//! and operation names interned, and the rare fields (`node`, `error`,
//! `rebalance_log`) and non-micro values kept aside. A million-op history
//! then takes well under half the memory of its `Vec<Op>`: of what a line
//! allocates, only a poll's records outlive it. `logjam check` reads
//! files into one ([`super::read_table_file`]); [`OpRef`] is how the checker
//! sees an op of either form.
use super::error::LineProblem;
use super::op::{History, Op, OpType, Process};
use super::pairs::{pair_up, OpPair};
use super::val::Key;
use super::value::{MicroOp, OpValue};
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

/// One op of a [`OpTable`], or of a [`History`], as the checker reads it:
/// the fields of [`Op`], borrowed.
#[derive(Clone, Copy, Debug)]
pub struct OpRef<'t> {
    pub index: u64,
    pub time_ns: Option<u64>,
    pub process: &'t Process,
    pub op_type: OpType,
    pub f: &'t Key,
    pub value: ValueRef<'t>,
    pub node: Option<&'t Key>,
    pub error: Option<&'t Key>,
    pub rebalance_log: Option<&'t Value>,
    pub final_read: bool,
}

/// An op's value: its micro-operations (a table keeps them in one shared
/// vector), or any other value whole.
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'t> {
    Micro(&'t [MicroOp]),
    Whole(&'t OpValue),
}

impl<'t> ValueRef<'t> {
    /// The micro-operations, when this value has them.
    pub fn micro_ops(self) -> &'t [MicroOp] {
        match self {
            ValueRef::Micro(ops) => ops,
            ValueRef::Whole(value) => value.micro_ops(),
        }
    }

    /// The value, when it is not micro-operations.
    pub fn whole(self) -> Option<&'t OpValue> {
        match self {
            ValueRef::Micro(_) => None,
            ValueRef::Whole(value) => Some(value),
        }
    }
}

impl<'t> From<&'t Op> for OpRef<'t> {
    fn from(op: &'t Op) -> Self {
        OpRef {
            index: op.index,
            time_ns: op.time_ns,
            process: &op.process,
            op_type: op.op_type,
            f: &op.f,
            value: ValueRef::Whole(&op.value),
            node: op.node.as_ref(),
            error: op.error.as_ref(),
            rebalance_log: op.rebalance_log.as_deref(),
            final_read: op.final_read,
        }
    }
}

impl OpRef<'_> {
    /// The op, owned: what the line it came from reads as.
    pub fn to_op(&self) -> Op {
        Op {
            index: self.index,
            time_ns: self.time_ns,
            process: self.process.clone(),
            op_type: self.op_type,
            f: self.f.clone(),
            value: match self.value {
                ValueRef::Micro(ops) => OpValue::Micro(ops.to_vec()),
                ValueRef::Whole(value) => value.clone(),
            },
            node: self.node.cloned(),
            error: self.error.cloned(),
            rebalance_log: self.rebalance_log.map(|v| Box::new(v.clone())),
            final_read: self.final_read,
        }
    }
}

/// One op's row. `value`/`len` locate its micro-operations in
/// `OpTable::micro`, or (`WHOLE`) its value in `OpTable::wholes`.
#[derive(Clone, Copy)]
struct Row {
    index: u64,
    time_ns: u64,
    process: u32,
    value: u32,
    len: u32,
    /// Into `OpTable::extras`, `NO_EXTRA` when the op has none.
    extra: u32,
    name: u32,
    op_type: OpType,
    flags: u8,
}

// The row's size is what a million-op history's memory rests on.
const _: () = assert!(std::mem::size_of::<Row>() == 40);

const HAS_TIME: u8 = 1;
const FINAL: u8 = 2;
const WHOLE: u8 = 4;
/// The value is `[["poll"]]`, a poll's invocation: stored as this flag
/// alone, as every other poll invocation is the same (`POLL_INVOKE`).
const POLL_INVOKE: u8 = 8;

/// The micro-operations of every poll invocation.
static POLL_INVOKE_OPS: [MicroOp; 1] = [MicroOp::Poll { reads: None }];
const NO_EXTRA: u32 = u32::MAX;

/// The fields most ops lack, or that repeat (logjam names the client
/// host, `node`, on every op: one `Extra` per host and error serves them all).
struct Extra {
    node: Option<Key>,
    error: Option<Key>,
    rebalance_log: Option<Box<Value>>,
}

/// A history, compactly (see the module doc). Built op by op with
/// [`OpTable::push`], or from a [`History`].
#[derive(Default)]
pub struct OpTable {
    /// The `{"logjam_history": 1, ...}` line, when present.
    pub header: Option<Map<String, Value>>,
    rows: Vec<Row>,
    micro: Vec<MicroOp>,
    wholes: Vec<OpValue>,
    extras: Vec<Extra>,
    /// The extras without a rebalance log, by host and error (`push`).
    shared_extras: FxHashMap<(Option<Key>, Option<Key>), u32>,
    processes: Vec<Process>,
    /// Integer processes below `DIRECT_PROCESSES` find their id here
    /// without hashing (`u32::MAX`: not yet seen); the rest in `named`.
    direct: Vec<u32>,
    named: FxHashMap<Process, u32>,
    names: Vec<Key>,
    /// The names past the first few, by name (`name_id_of`).
    named_fs: FxHashMap<Key, u32>,
    /// The earliest time of any op, kept as ops come (`normalise_times`).
    earliest_time: Option<u64>,
    /// How many send micro-operations the invocations hold
    /// (`invoked_send_count`).
    invoked_sends: usize,
}

const DIRECT_PROCESSES: u64 = 1 << 16;

impl OpTable {
    /// How many ops.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The op at a position (its place in the file, not its `index`).
    #[inline(always)]
    pub fn get(&self, pos: usize) -> Option<OpRef<'_>> {
        self.rows.get(pos).map(|row| self.op(row))
    }

    /// Every op, in file order.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = OpRef<'_>> + '_ {
        self.rows.iter().map(|row| self.op(row))
    }

    /// The interned process of the op at a position: equal processes, equal
    /// numbers, numbered in order first met.
    pub fn process_id(&self, pos: usize) -> Option<u32> {
        self.rows.get(pos).map(|row| row.process)
    }

    /// A row as an op. Written without indexing that could panic, so that
    /// where only some fields are read, inlining drops the work of the rest
    /// (every row's parts exist: `push` made them).
    #[inline(always)]
    fn op(&self, row: &Row) -> OpRef<'_> {
        static NO_VALUE: OpValue = OpValue::Other(Value::Null);
        static NO_PROCESS: Process = Process::Id(u64::MAX);
        static NO_NAME: Key = Key::const_new("");
        let value = if row.flags & WHOLE != 0 {
            ValueRef::Whole(self.wholes.get(row.value as usize).unwrap_or(&NO_VALUE))
        } else if row.flags & POLL_INVOKE != 0 {
            ValueRef::Micro(&POLL_INVOKE_OPS)
        } else {
            let start = row.value as usize;
            ValueRef::Micro(
                self.micro
                    .get(start..start + row.len as usize)
                    .unwrap_or_default(),
            )
        };
        let extra = self.extras.get(row.extra as usize);
        OpRef {
            index: row.index,
            time_ns: (row.flags & HAS_TIME != 0).then_some(row.time_ns),
            process: self
                .processes
                .get(row.process as usize)
                .unwrap_or(&NO_PROCESS),
            op_type: row.op_type,
            f: self.names.get(row.name as usize).unwrap_or(&NO_NAME),
            value,
            node: extra.and_then(|e| e.node.as_ref()),
            error: extra.and_then(|e| e.error.as_ref()),
            rebalance_log: extra.and_then(|e| e.rebalance_log.as_deref()),
            final_read: row.flags & FINAL != 0,
        }
    }

    /// Add an op at the end. A table numbers its rows' parts in 32 bits:
    /// past 2^32 of any (ops, micro-operations, processes, names; a 146 MB
    /// file holds a million ops) it refuses the op and names what overflowed.
    pub fn push(&mut self, op: Op) -> Result<(), LineProblem> {
        self.push_with(op, None)
    }

    /// [`Self::push`] for an op whose value is the micro-operations in
    /// `micro` (its own `value` is ignored): they are moved out, leaving the
    /// buffer empty with its room kept for the next line, so the reader
    /// allocates no vector per line for them (issue 13, "Speed").
    pub(super) fn push_micro(
        &mut self,
        op: Op,
        micro: &mut Vec<MicroOp>,
    ) -> Result<(), LineProblem> {
        self.push_with(op, Some(micro))
    }

    fn push_with(&mut self, op: Op, micro: Option<&mut Vec<MicroOp>>) -> Result<(), LineProblem> {
        if self.rows.len() >= u32::MAX as usize {
            return Err(LineProblem::TooLarge("operations"));
        }
        let Op {
            index,
            time_ns,
            process,
            op_type,
            f,
            value,
            node,
            error,
            rebalance_log,
            final_read,
        } = op;
        let process = self.process_id_of(process);
        let name = self.name_id_of(f);
        let mut flags = 0;
        if let Some(t) = time_ns {
            flags |= HAS_TIME;
            self.earliest_time = Some(self.earliest_time.map_or(t, |e| e.min(t)));
        }
        if final_read {
            flags |= FINAL;
        }
        let (at, len) = match (micro, value) {
            (Some(ops), _) => self.add_micro(ops, op_type, &mut flags)?,
            (None, OpValue::Micro(mut ops)) => self.add_micro(&mut ops, op_type, &mut flags)?,
            (None, other) => {
                flags |= WHOLE;
                self.wholes.push(other);
                (self.wholes.len() - 1, 0)
            }
        };
        // Fewer extras than rows, which are fewer than 2^32.
        let next = self.extras.len() as u32;
        let extra = match (node, error, rebalance_log) {
            (None, None, None) => NO_EXTRA,
            // A rebalance log is the op's own; hosts and errors repeat.
            (node, error, Some(log)) => {
                self.extras.push(Extra {
                    node,
                    error,
                    rebalance_log: Some(log),
                });
                next
            }
            (node, error, None) => {
                *self
                    .shared_extras
                    .entry((node, error))
                    .or_insert_with_key(|(node, error)| {
                        self.extras.push(Extra {
                            node: node.clone(),
                            error: error.clone(),
                            rebalance_log: None,
                        });
                        next
                    })
            }
        };
        self.rows.push(Row {
            index,
            time_ns: time_ns.unwrap_or(0),
            process,
            // Both checked against 2^32 above (wholes are fewer than rows).
            value: at as u32,
            len: len as u32,
            extra,
            name,
            op_type,
            flags,
        });
        Ok(())
    }

    /// Moves an op's micro-operations into the shared vector (a poll's
    /// invocation only sets its flag): where they start, and how many.
    fn add_micro(
        &mut self,
        ops: &mut Vec<MicroOp>,
        op_type: OpType,
        flags: &mut u8,
    ) -> Result<(usize, usize), LineProblem> {
        if ops.as_slice() == POLL_INVOKE_OPS {
            ops.clear();
            *flags |= POLL_INVOKE;
            return Ok((0, 0));
        }
        let (at, len) = (self.micro.len(), ops.len());
        if u32::try_from(at + len).is_err() {
            return Err(LineProblem::TooLarge("micro-operations"));
        }
        if op_type == OpType::Invoke {
            self.invoked_sends += ops
                .iter()
                .filter(|m| matches!(m, MicroOp::Send { .. }))
                .count();
        }
        self.micro.append(ops);
        Ok((at, len))
    }

    /// An operation name's number. The few names of a history are found by
    /// looking along them; a history of many names (any string may be one)
    /// by hash, so that no file makes reading it quadratic.
    fn name_id_of(&mut self, f: Key) -> u32 {
        const LOOK_ALONG: usize = 8;
        if let Some(at) = self.names.iter().take(LOOK_ALONG).position(|n| *n == f) {
            return at as u32;
        }
        // Fewer names than rows, which are fewer than 2^32.
        let next = self.names.len() as u32;
        if self.names.len() < LOOK_ALONG {
            self.names.push(f);
            return next;
        }
        *self.named_fs.entry(f).or_insert_with_key(|f| {
            self.names.push(f.clone());
            next
        })
    }

    fn process_id_of(&mut self, process: Process) -> u32 {
        // Fewer processes than rows, which are fewer than 2^32.
        let next = self.processes.len() as u32;
        if let Process::Id(n) = process {
            if n < DIRECT_PROCESSES {
                let n = n as usize;
                if n >= self.direct.len() {
                    self.direct.resize(n + 1, u32::MAX);
                }
                if self.direct[n] == u32::MAX {
                    self.direct[n] = next;
                    self.processes.push(process);
                }
                return self.direct[n];
            }
        }
        *self.named.entry(process).or_insert_with_key(|p| {
            self.processes.push(p.clone());
            next
        })
    }

    /// Times recorded as wall-clock nanoseconds become nanoseconds since
    /// the earliest op (as [`super::contract`] does for a [`History`]).
    pub(super) fn shift_times(&mut self, earliest: u64) {
        self.earliest_time = self.earliest_time.map(|e| e - earliest);
        for row in &mut self.rows {
            if row.flags & HAS_TIME != 0 {
                row.time_ns -= earliest;
            }
        }
    }

    /// The earliest time of any op.
    pub(super) fn earliest_time(&self) -> Option<u64> {
        self.earliest_time
    }

    /// How many send micro-operations the invocations hold: about how many
    /// sends (and values) the history has, as a completion repeats its
    /// invocation's, so the checker can make room for them at once.
    pub fn invoked_send_count(&self) -> usize {
        self.invoked_sends
    }

    /// Whether any op is named `f`, without reading every op.
    pub fn has_op_named(&self, f: &str) -> bool {
        self.names.iter().any(|n| n == f)
    }

    /// Every operation as an invocation/completion pair, exactly as
    /// [`History::pairs`] pairs them, by interned process.
    pub fn pairs(&self) -> Vec<OpPair> {
        pair_up(
            self.rows
                .iter()
                .map(|row| (row.op_type, row.process as usize)),
        )
    }
}

impl TryFrom<History> for OpTable {
    type Error = LineProblem;

    fn try_from(history: History) -> Result<Self, LineProblem> {
        let mut table = OpTable {
            header: history.header,
            ..OpTable::default()
        };
        for op in history.ops {
            table.push(op)?;
        }
        Ok(table)
    }
}
