//! Pairing invocations with their completions. A process performs one
//! operation at a time (HISTORY.md), so a completion belongs to the open
//! invocation of the same process; an invocation that never completes is
//! treated as `info` (unknown).
use super::op::{History, OpType, Process};
use rustc_hash::FxHashMap;

/// An invocation and its completion, as positions in [`History::ops`] (not
/// their `index` fields, which need not be dense). At least one is present:
/// a completion without an invocation (a hand-written history that records
/// only outcomes, or a nemesis `info`) stands alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpPair {
    pub invoke: Option<usize>,
    pub completion: Option<usize>,
}

impl OpPair {
    /// How the operation ended: its completion's type, or `Info` when it
    /// never completed.
    pub fn outcome(&self, history: &History) -> OpType {
        OpType::outcome(
            self.completion
                .and_then(|c| history.ops.get(c))
                .map(|op| op.op_type),
        )
    }

    /// The earlier of the two positions.
    pub fn first(&self) -> usize {
        self.invoke.or(self.completion).unwrap_or(0)
    }

    /// The later of the two positions.
    pub fn last(&self) -> usize {
        self.completion.or(self.invoke).unwrap_or(0)
    }
}

impl History {
    /// Every operation as an invocation/completion pair, in order of its first
    /// line. An invocation followed by another invocation of the same process
    /// never completed; a completion with no open invocation stands alone.
    pub fn pairs(&self) -> Vec<OpPair> {
        // Processes numbered in order first met. Looked up, never iterated,
        // so the map's order cannot leak into results.
        let mut numbers: FxHashMap<&Process, usize> = FxHashMap::default();
        pair_up(self.ops.iter().map(|op| {
            let next = numbers.len();
            (op.op_type, *numbers.entry(&op.process).or_insert(next))
        }))
    }
}

/// The pairing of [`History::pairs`], for ops given in file order as their
/// type and their process's number (dense from 0: equal processes, equal
/// numbers), so that an `OpTable`, which has the numbers, pairs alike.
pub(super) fn pair_up(ops: impl ExactSizeIterator<Item = (OpType, usize)>) -> Vec<OpPair> {
    let mut pairs: Vec<OpPair> = Vec::with_capacity(ops.len() / 2 + 1);
    // Per process number, the pair (position in `pairs`) it has open.
    let mut open: Vec<usize> = Vec::new();
    for (pos, (op_type, process)) in ops.enumerate() {
        if process >= open.len() {
            open.resize(process + 1, usize::MAX);
        }
        let slot = &mut open[process];
        if op_type == OpType::Invoke {
            *slot = pairs.len();
            pairs.push(OpPair {
                invoke: Some(pos),
                completion: None,
            });
        } else if let Some(pair) = pairs.get_mut(std::mem::replace(slot, usize::MAX)) {
            pair.completion = Some(pos);
        } else {
            pairs.push(OpPair {
                invoke: None,
                completion: Some(pos),
            });
        }
    }
    pairs
}
