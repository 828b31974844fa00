//! The checker's one way to read a history, whichever form holds it: a
//! [`History`] built in code (the harness, tests) or an [`OpTable`] read
//! from a file (`logjam check`, issue 13 "Speed"). Each op is seen as an
//! [`OpRef`]; neither form is converted into the other.
use super::isolation::Isolation;
use super::op::{History, OpType};
use super::pairs::OpPair;
use super::table::{OpRef, OpTable};

#[derive(Clone, Copy)]
pub enum HistoryRef<'h> {
    Ops(&'h History),
    Table(&'h OpTable),
}

impl<'h> From<&'h History> for HistoryRef<'h> {
    fn from(history: &'h History) -> Self {
        HistoryRef::Ops(history)
    }
}

impl<'h> From<&'h OpTable> for HistoryRef<'h> {
    fn from(table: &'h OpTable) -> Self {
        HistoryRef::Table(table)
    }
}

impl<'h> HistoryRef<'h> {
    /// How many ops.
    #[inline]
    pub fn len(self) -> usize {
        match self {
            HistoryRef::Ops(h) => h.ops.len(),
            HistoryRef::Table(t) => t.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The op at a position in the file.
    #[inline(always)]
    pub fn get(self, pos: usize) -> Option<OpRef<'h>> {
        match self {
            HistoryRef::Ops(h) => h.ops.get(pos).map(OpRef::from),
            HistoryRef::Table(t) => t.get(pos),
        }
    }

    /// Whether any op is named `f` (a table knows without reading its ops).
    pub fn has_op_named(self, f: &str) -> bool {
        match self {
            HistoryRef::Ops(h) => h.ops.iter().any(|op| op.f == f),
            HistoryRef::Table(t) => t.has_op_named(f),
        }
    }

    /// About how many values the history sends (a table counts them as it
    /// is read; a [`History`] says 0), to make room for them at once.
    pub fn send_count_hint(self) -> usize {
        match self {
            HistoryRef::Ops(_) => 0,
            HistoryRef::Table(t) => t.invoked_send_count(),
        }
    }

    /// The table's number for the process of the op at a position (equal
    /// processes, equal numbers); `None` for a [`History`], which has none.
    #[inline]
    pub fn process_id(self, pos: usize) -> Option<u32> {
        match self {
            HistoryRef::Ops(_) => None,
            HistoryRef::Table(t) => t.process_id(pos),
        }
    }

    /// Every op, in file order.
    #[inline]
    pub fn iter(self) -> impl Iterator<Item = OpRef<'h>> {
        (0..self.len()).filter_map(move |pos| self.get(pos))
    }

    /// Every op as an invocation/completion pair ([`History::pairs`]).
    pub fn pairs(self) -> Vec<OpPair> {
        match self {
            HistoryRef::Ops(h) => h.pairs(),
            HistoryRef::Table(t) => t.pairs(),
        }
    }

    /// How a pair ended ([`OpPair::outcome`]).
    pub fn outcome(self, pair: &OpPair) -> OpType {
        OpType::outcome(
            pair.completion
                .and_then(|c| self.get(c))
                .map(|op| op.op_type),
        )
    }

    /// The readers' isolation levels ([`History::isolation`]).
    pub fn isolation(self) -> Isolation {
        let header = match self {
            HistoryRef::Ops(h) => h.header.as_ref(),
            HistoryRef::Table(t) => t.header.as_ref(),
        };
        Isolation::of_header(header)
    }
}
