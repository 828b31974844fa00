//! Jepsen's version order (docs/JEPSEN.md, "Derived structures"): per key,
//! offset → the values seen there, from **every** poll result (ok, info and
//! fail: a poller tells the truth about offsets even when its transaction
//! aborted) and from the send offsets of operations that must have committed.
//! The dense index numbers the offsets ever observed, skipping holes
//! (transaction markers leave holes).
//!
//! must-have-committed: an op is `ok`, or `info` with at least one value it
//! sent read by some `ok` op; a send or txn op is atomic, so one proven send
//! proves all of its sends.
//!
//! Jepsen's `by-value` index takes one value per offset (its choice among
//! conflicting values is a hash order); here it is the value placed first in
//! history order, so results are deterministic. A value at several offsets
//! takes the last, as Jepsen's does.
use super::buckets::Buckets;
use super::facts::{Facts, KeyId};
use crate::history::OpType;

/// One value at one offset, with the first op that placed it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    pub value_id: usize,
    /// Position of that op's completion in `History::ops`.
    pub op: usize,
    /// The first read that returned it here, if any did (not only a send's
    /// offset).
    pub read: Option<usize>,
}

/// One offset of a key that holds at least one value.
pub(crate) struct Slot {
    pub offset: i64,
    /// Its distinct values, in the order first placed: a range of
    /// `VersionOrder::placed` ([`VersionOrder::values`]), so a slot allocates
    /// nothing of its own (issue 13, "Speed").
    values: std::ops::Range<u32>,
}

const NONE: u32 = u32::MAX;

pub(crate) struct VersionOrder {
    /// Per key, the slots in offset order: position = dense index.
    pub logs: Vec<Vec<Slot>>,
    /// Every slot's values, each slot's adjacent.
    placed: Vec<Placed>,
    /// Per write (`Facts::writes`): must-have-committed.
    pub committed: Vec<bool>,
    first_index: Vec<u32>,
    last_index: Vec<u32>,
    by_value: Vec<u32>,
}

/// One value placed at one offset of a key: by a read, or by the offset a
/// committed send was given. Ordered as a key's log is built: by offset,
/// then by the op that placed it, then value id, then read before not
/// (`value_and_read` is `value_id << 1 | read`). 16 bytes, as every read
/// of the history makes one (issue 13, "Speed").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Placement {
    offset: i64,
    op: u32,
    value_and_read: u32,
}

impl Placement {
    fn new(offset: i64, op: usize, value_id: usize, read: bool) -> Self {
        Placement {
            offset,
            op: op as u32,
            value_and_read: (value_id as u32) << 1 | u32::from(read),
        }
    }

    fn op(&self) -> usize {
        self.op as usize
    }

    fn value_id(&self) -> usize {
        (self.value_and_read >> 1) as usize
    }

    fn read(&self) -> bool {
        self.value_and_read & 1 == 1
    }
}

impl VersionOrder {
    pub fn build(facts: &Facts<'_>) -> Self {
        // Op positions and value ids fit `Placement`'s 32 and 31 bits: a
        // history that large could not be held in memory (an `Op` alone is
        // 168 bytes).
        assert!(
            facts.ops.len() <= u32::MAX as usize && facts.values.len() < 1 << 31,
            "history too large for the version order's placements"
        );
        let committed = must_have_committed(facts);
        let placed_sends = facts.writes.iter().enumerate().filter_map(|(id, w)| {
            let placement =
                Placement::new(w.offset?, facts.pair_of(w).completion?, w.value_id, false);
            committed
                .get(id)
                .copied()
                .unwrap_or(false)
                .then_some((w.key, placement))
        });
        // Each key's polls (where their records and value ids lie, and the
        // op) and placed sends; a key's placements are then made into one
        // buffer, reused key after key, so that no placement of every read
        // is ever held at once (issue 13, "Speed": it was the version
        // order's largest allocation, 16 bytes a read). A key's polls are
        // read straight from its bucket, so the records of the next are
        // known without first reading its `Poll`. The order placements are
        // made in does not matter: `log_of` makes the same slots from any.
        let keys = facts.keys.len();
        let polls = facts
            .polls
            .iter()
            .map(|p| (p.key, (p.records(), facts.value_ids(p), p.op)));
        let polls_of = Buckets::group(keys, polls);
        let sends_of = Buckets::group(keys, placed_sends);
        let mut logs: Vec<Vec<Slot>> = Vec::with_capacity(keys);
        let mut values: Vec<Placed> = Vec::new();
        let mut placed: Vec<Placement> = Vec::new();
        for key in 0..keys {
            placed.clear();
            for &(records, value_ids, op) in polls_of.bucket(key) {
                let reads = records.iter().zip(value_ids);
                placed.extend(
                    reads.map(|(&(offset, _), &id)| Placement::new(offset, op, id as usize, true)),
                );
            }
            placed.extend_from_slice(sends_of.bucket(key));
            logs.push(log_of(&mut placed, &mut values));
        }
        drop(placed);
        let n = facts.values.len();
        let (mut first_index, mut last_index, mut by_value) =
            (vec![NONE; n], vec![NONE; n], vec![NONE; n]);
        for log in &logs {
            for (i, slot) in log.iter().enumerate() {
                let i = i as u32;
                let slot_values = values
                    .get(slot.values.start as usize..slot.values.end as usize)
                    .unwrap_or_default();
                for p in slot_values {
                    if let Some(f) = first_index.get_mut(p.value_id) {
                        *f = (*f).min(i);
                    }
                    if let Some(l) = last_index.get_mut(p.value_id) {
                        *l = i;
                    }
                }
                if let Some(b) = slot_values
                    .first()
                    .and_then(|p| by_value.get_mut(p.value_id))
                {
                    *b = i;
                }
            }
        }
        Self {
            logs,
            placed: values,
            committed,
            first_index,
            last_index,
            by_value,
        }
    }

    /// A slot's distinct values, in the order first placed.
    pub fn values(&self, slot: &Slot) -> &[Placed] {
        self.placed
            .get(slot.values.start as usize..slot.values.end as usize)
            .unwrap_or_default()
    }

    fn get(v: &[u32], value_id: usize) -> Option<usize> {
        v.get(value_id)
            .copied()
            .filter(|&i| i != NONE)
            .map(|i| i as usize)
    }

    /// The earliest dense index a value appears at.
    pub fn first_index(&self, value_id: usize) -> Option<usize> {
        Self::get(&self.first_index, value_id)
    }

    /// The latest dense index a value appears at.
    pub fn last_index(&self, value_id: usize) -> Option<usize> {
        Self::get(&self.last_index, value_id)
    }

    /// Jepsen's `by-value`: the index that stands for a value in order
    /// checks (none for a value that lost its offset to another).
    pub fn index(&self, value_id: usize) -> Option<usize> {
        Self::get(&self.by_value, value_id)
    }

    /// Jepsen's `by-index`: the value that stands for a dense index.
    pub fn value_at(&self, key: KeyId, index: usize) -> Option<Placed> {
        self.logs
            .get(key)
            .and_then(|log| log.get(index))
            .and_then(|slot| self.values(slot).first().copied())
    }

    /// The offset standing for a value (at its `index`).
    pub fn offset_of(&self, key: KeyId, value_id: usize) -> Option<i64> {
        let i = self.index(value_id)?;
        self.logs
            .get(key)
            .and_then(|log| log.get(i))
            .map(|s| s.offset)
    }

    /// The lowest offset a value appears at (any of its placements).
    pub fn first_offset(&self, key: KeyId, value_id: usize) -> Option<i64> {
        let i = self.first_index(value_id)?;
        self.logs
            .get(key)
            .and_then(|log| log.get(i))
            .map(|s| s.offset)
    }

    /// How far `to` lies after `from` in the order; 1 (no error) when either
    /// has no index, as Jepsen assumes.
    pub fn delta(&self, from: Option<usize>, to: Option<usize>) -> i64 {
        match (
            from.and_then(|v| self.index(v)),
            to.and_then(|v| self.index(v)),
        ) {
            (Some(i), Some(j)) => j as i64 - i as i64,
            _ => 1,
        }
    }

    /// The values standing for the indices strictly between two values'.
    pub fn skipped(&self, key: KeyId, from: usize, to: usize) -> Vec<Placed> {
        let (Some(i), Some(j)) = (self.index(from), self.index(to)) else {
            return Vec::new();
        };
        (i + 1..j).filter_map(|x| self.value_at(key, x)).collect()
    }
}

/// A key's slots, in offset order, from its placements (reordered in
/// place); their values appended to `values`. A key's offsets are usually
/// dense, so the placements are bucketed by offset (a counting sort) rather
/// than sorted (issue 13, "Speed"); sparse offsets fall back to a
/// comparison sort.
fn log_of(placed: &mut [Placement], values: &mut Vec<Placed>) -> Vec<Slot> {
    let mut log = Vec::new();
    let (lo, hi) = placed.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| {
        (lo.min(p.offset), hi.max(p.offset))
    });
    let span = (hi as i128 - lo as i128 + 1).max(0) as u128;
    if placed.len() < 2 || span > 2 * placed.len() as u128 + 1024 {
        placed.sort_unstable();
        for at_offset in placed.chunk_by_mut(|a, b| a.offset == b.offset) {
            push_slot(&mut log, at_offset, values);
        }
        return log;
    }
    // Every offset lies in lo..=hi, a span small enough to index.
    let offsets = placed.iter().map(|p| ((p.offset - lo) as usize, *p));
    let mut by_offset = Buckets::group(span as usize, offsets);
    for b in 0..by_offset.len() {
        push_slot(&mut log, by_offset.bucket_mut(b), values);
    }
    log
}

/// The slot of one offset, from its placements (reordered in place; none:
/// no slot): its distinct values in the order first placed, `Placement`'s
/// order, each with the first op that placed it and the first read of it.
fn push_slot(log: &mut Vec<Slot>, at_offset: &mut [Placement], values: &mut Vec<Placed>) {
    let Some(&first) = at_offset.first() else {
        return;
    };
    let start = values.len();
    if at_offset.iter().all(|p| p.value_id() == first.value_id()) {
        // Mostly an offset holds one value, and the first placements of it
        // are the least ops: no order needed.
        let op = at_offset.iter().map(Placement::op).min();
        let read = at_offset
            .iter()
            .filter(|p| p.read())
            .map(Placement::op)
            .min();
        values.push(Placed {
            value_id: first.value_id(),
            op: op.unwrap_or(first.op()),
            read,
        });
    } else {
        at_offset.sort_unstable();
        for p in at_offset.iter() {
            let read = p.read().then_some(p.op());
            let slot_values = values.get_mut(start..).unwrap_or_default();
            match slot_values.iter_mut().find(|v| v.value_id == p.value_id()) {
                Some(v) => v.read = v.read.or(read),
                None => values.push(Placed {
                    value_id: p.value_id(),
                    op: p.op(),
                    read,
                }),
            }
        }
    }
    log.push(Slot {
        offset: first.offset,
        values: start as u32..values.len() as u32,
    });
}

/// Per write: its op is `ok`, or `info` with one of its sends read by an
/// `ok` op. An op's writes are adjacent in `Facts::writes`.
fn must_have_committed(facts: &Facts<'_>) -> Vec<bool> {
    let mut committed = vec![false; facts.writes.len()];
    let mut start = 0;
    while let Some(first) = facts.writes.get(start) {
        let end = start
            + facts.writes[start..]
                .iter()
                .take_while(|w| w.pair == first.pair)
                .count();
        let op_writes = facts.writes.get(start..end).unwrap_or_default();
        let proven = match first.outcome {
            OpType::Ok => true,
            OpType::Info | OpType::Invoke => op_writes.iter().any(|w| {
                facts
                    .value_facts(w.value_id)
                    .is_some_and(|v| v.ok_read_count() > 0)
            }),
            OpType::Fail => false,
        };
        if let Some(flags) = committed.get_mut(start..end) {
            flags.fill(proven);
        }
        start = end;
    }
    committed
}

#[cfg(test)]
mod tests {
    use super::{log_of, Placed, Placement};
    use crate::buckets::Buckets;
    use proptest::prelude::*;

    /// A key's log the plain way: every placement in `Placement`'s order,
    /// each offset's values in the order first met, each with its first read.
    fn log_by_sorting(mut placed: Vec<Placement>) -> Vec<(i64, Vec<Placed>)> {
        placed.sort_unstable();
        let mut log: Vec<(i64, Vec<Placed>)> = Vec::new();
        for p in placed {
            if log.last().is_none_or(|(offset, _)| *offset != p.offset) {
                log.push((p.offset, Vec::new()));
            }
            let slot = &mut log.last_mut().unwrap().1;
            let read = p.read().then_some(p.op());
            match slot.iter_mut().find(|v| v.value_id == p.value_id()) {
                Some(v) => v.read = v.read.or(read),
                None => slot.push(Placed {
                    value_id: p.value_id(),
                    op: p.op(),
                    read,
                }),
            }
        }
        log
    }

    fn placement() -> impl Strategy<Value = Placement> {
        let offset = prop_oneof![8 => -3i64..12, 1 => Just(i64::MIN), 1 => Just(i64::MAX)];
        (offset, 0usize..5, 0usize..4, any::<bool>())
            .prop_map(|(offset, op, value_id, read)| Placement::new(offset, op, value_id, read))
    }

    proptest! {
        /// Bucketed by offset (dense offsets) or compared (sparse ones, an
        /// extreme offset among them), with or without ordering an
        /// offset's placements, a key's log is what ordering every
        /// placement and walking them gives.
        #[test]
        fn logs_are_as_if_every_placement_were_sorted(mut placed in prop::collection::vec(placement(), 0..60)) {
            let expected = log_by_sorting(placed.clone());
            let mut values = vec![Placed { value_id: 99, op: 99, read: None }];
            let log = log_of(&mut placed, &mut values);
            let got: Vec<(i64, Vec<Placed>)> = log
                .iter()
                .map(|s| (s.offset, values[s.values.start as usize..s.values.end as usize].to_vec()))
                .collect();
            prop_assert_eq!(got, expected);
        }

        /// Packed into 16 bytes, a placement keeps its fields and orders as
        /// (offset, op, value id, read) did, up to the largest op position
        /// and value id it allows.
        #[test]
        fn packed_placements_order_as_their_fields(
            a in (any::<i64>(), 0..=u32::MAX as usize, 0usize..1 << 31, any::<bool>()),
            b in (any::<i64>(), 0..=u32::MAX as usize, 0usize..1 << 31, any::<bool>()),
        ) {
            let (pa, pb) = (Placement::new(a.0, a.1, a.2, a.3), Placement::new(b.0, b.1, b.2, b.3));
            prop_assert_eq!((pa.offset, pa.op(), pa.value_id(), pa.read()), a);
            prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
        }

        /// Grouped by key in one pass, each key gets exactly its polls'
        /// reads (in poll order) and then its sends, as gathering key by
        /// key did; keys out of range are dropped.
        #[test]
        fn bucketing_by_key_equals_gathering_each_key(
            keys in 0usize..5,
            polls in prop::collection::vec((0usize..7, prop::collection::vec(placement(), 0..6)), 0..20),
            sends in prop::collection::vec((0usize..7, placement()), 0..20),
        ) {
            let reads = polls
                .iter()
                .flat_map(|(key, reads)| reads.iter().map(move |p| (*key, *p)));
            let mut by_key = Buckets::group(keys, reads.chain(sends.iter().copied()));
            for key in 0..keys {
                let mut expected: Vec<Placement> = polls
                    .iter()
                    .filter(|(k, _)| *k == key)
                    .flat_map(|(_, reads)| reads.iter().copied())
                    .collect();
                expected.extend(sends.iter().filter(|(k, _)| *k == key).map(|(_, p)| *p));
                prop_assert_eq!(by_key.bucket_mut(key).to_vec(), expected);
            }
            prop_assert!(by_key.bucket_mut(keys).is_empty());
        }
    }
}
