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
        let mut pairs: Vec<OpPair> = Vec::with_capacity(self.ops.len() / 2 + 1);
        // Process -> the pair (position in `pairs`) it has open. Looked up,
        // never iterated, so its order cannot leak into results.
        let mut open: FxHashMap<&Process, usize> = FxHashMap::default();
        for (pos, op) in self.ops.iter().enumerate() {
            if op.op_type == OpType::Invoke {
                open.insert(&op.process, pairs.len());
                pairs.push(OpPair {
                    invoke: Some(pos),
                    completion: None,
                });
            } else if let Some(slot) = open.remove(&op.process).and_then(|i| pairs.get_mut(i)) {
                slot.completion = Some(pos);
            } else {
                pairs.push(OpPair {
                    invoke: None,
                    completion: Some(pos),
                });
            }
        }
        pairs
    }
}
