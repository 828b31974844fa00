//! One pass over a history that gathers everything the anomaly finders need:
//! every write (send micro-operation) with its outcome, every record read
//! (failed polls included, for the version order), and per value what was
//! observed. Keys are interned to small
//! integers and values borrowed from the history, so the pass allocates per
//! record, not per string. Maps are only looked up or iterated in insertion
//! order (`IndexMap`), so results never depend on hashing.
use super::result::Stats;
use crate::history::{History, MicroOp, Op, OpPair, OpType, Process, Val};
use indexmap::IndexMap;

/// An insertion-ordered map with a fast hasher: iteration order never depends
/// on hashing, and the checker's hot path is these lookups.
pub(crate) type OrderedMap<K, V> = IndexMap<K, V, rustc_hash::FxBuildHasher>;
use std::ops::Range;

/// A key (partition), interned.
pub(crate) type KeyId = usize;

/// One send micro-operation.
pub(crate) struct Write<'h> {
    pub key: KeyId,
    pub value: &'h Val,
    /// Its entry in `Facts::values`.
    pub value_id: usize,
    pub process: &'h Process,
    pub pair: OpPair,
    /// Ok (acknowledged), Fail (definitely not written) or Info (unknown).
    pub outcome: OpType,
    /// The offset from an ok completion.
    pub ack_offset: Option<i64>,
    /// The offset the completion gave, whatever its outcome (an `info` or
    /// `fail` completion may carry one; Jepsen trusts it once proven).
    pub offset: Option<i64>,
    pub in_txn: bool,
}

/// One record a read observed.
pub(crate) struct Read {
    pub offset: i64,
    /// Its entry in `Facts::values`.
    pub value_id: usize,
}

/// The records one poll micro-operation returned for one key.
pub(crate) struct Poll<'h> {
    /// Position of the completion in `History::ops`.
    pub op: usize,
    pub process: &'h Process,
    /// The completion's type: a failed or unknown poll still tells the truth
    /// about offsets (Jepsen's version order), but proves nothing committed.
    pub outcome: OpType,
    pub key: KeyId,
    pub reads: Range<usize>,
}

/// What is known about one value of one key.
#[derive(Default)]
pub(crate) struct ValueFacts {
    /// The write that sent it (the first, should a history send it twice).
    pub write: Option<usize>,
    /// How many `ok` or `info` reads observed it, and the first.
    pub read_count: u64,
    pub first_read: Option<(i64, usize)>,
    /// How many `ok` reads observed it, and the first: only these prove a
    /// write committed or satisfy lost-write and unseen (Jepsen).
    pub ok_read_count: u64,
    pub first_ok_read: Option<(i64, usize)>,
    /// How many final reads observed it.
    pub final_read_count: u64,
}

/// How a final read covered one key.
#[derive(Clone, Copy)]
pub(crate) struct FinalCover {
    /// The last final-read op that returned this key.
    pub op: usize,
    /// The highest offset final reads returned for it (None: the key was empty).
    pub max_offset: Option<i64>,
}

pub(crate) struct Facts<'h> {
    pub ops: &'h [Op],
    pub pairs: Vec<OpPair>,
    pub keys: Vec<&'h str>,
    /// In issue order: by the op's first line, then position in its list.
    pub writes: Vec<Write<'h>>,
    pub reads: Vec<Read>,
    /// In history order; the polls of one op are adjacent, as are their reads.
    pub polls: Vec<Poll<'h>>,
    pub values: OrderedMap<(KeyId, &'h Val), ValueFacts>,
    /// Per key: how final reads covered it, if they did.
    pub final_cover: Vec<Option<FinalCover>>,
    pub stats: Stats,
}

impl<'h> Facts<'h> {
    pub fn gather(history: &'h History) -> Self {
        let mut g = Gatherer {
            facts: Facts {
                ops: &history.ops,
                pairs: history.pairs(),
                keys: Vec::new(),
                writes: Vec::new(),
                reads: Vec::new(),
                polls: Vec::new(),
                values: OrderedMap::default(),
                final_cover: Vec::new(),
                stats: Stats {
                    ops: history.ops.len() as u64,
                    ..Stats::default()
                },
            },
            key_ids: OrderedMap::default(),
        };
        for i in 0..g.facts.pairs.len() {
            let pair = g.facts.pairs[i];
            g.pair(history, pair);
        }
        let mut facts = g.facts;
        facts.stats.keys = facts.keys.len() as u64;
        facts
    }

    /// The `index` of the op at a position.
    pub fn index(&self, pos: usize) -> u64 {
        self.ops.get(pos).map_or(pos as u64, |op| op.index)
    }

    pub fn key(&self, key: KeyId) -> &'h str {
        self.keys.get(key).copied().unwrap_or("")
    }

    /// The indices of a pair's invocation and completion.
    pub fn pair_indices(&self, pair: OpPair) -> Vec<u64> {
        pair.invoke
            .into_iter()
            .chain(pair.completion)
            .map(|p| self.index(p))
            .collect()
    }

    /// What is known about a value, by its id (`Write::value_id`).
    pub fn value_facts(&self, value_id: usize) -> Option<&ValueFacts> {
        self.values.get_index(value_id).map(|(_, v)| v)
    }

    /// A value, by its id.
    pub fn value(&self, value_id: usize) -> Option<&'h Val> {
        self.values.get_index(value_id).map(|(&(_, v), _)| v)
    }

    /// The write that sent a value, if any op did.
    pub fn writer(&self, value_id: usize) -> Option<&Write<'h>> {
        self.value_facts(value_id)
            .and_then(|v| v.write)
            .and_then(|id| self.writes.get(id))
    }
}

struct Gatherer<'h> {
    facts: Facts<'h>,
    key_ids: OrderedMap<&'h str, KeyId>,
}

impl<'h> Gatherer<'h> {
    fn key_id(&mut self, key: &'h str) -> KeyId {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let id = self.facts.keys.len();
        self.key_ids.insert(key, id);
        self.facts.keys.push(key);
        self.facts.final_cover.push(None);
        id
    }

    fn pair(&mut self, history: &'h History, pair: OpPair) {
        let invoke = pair.invoke.and_then(|p| history.ops.get(p));
        let completion = pair.completion.and_then(|p| history.ops.get(p));
        let Some(head) = invoke.or(completion) else {
            return;
        };
        if head.process.is_nemesis() {
            return;
        }
        let f = head.f.as_str();
        if !matches!(f, "send" | "poll" | "txn") {
            return;
        }
        let outcome = pair.outcome(history);
        let invoked: &'h [MicroOp] = invoke.map_or(&[], |op| op.value.micro_ops());
        let completed: &'h [MicroOp] = completion.map_or(&[], |op| op.value.micro_ops());
        // The completion knows offsets; the invocation is the fallback when
        // the completion carries no list, or one that does not line up.
        let sends =
            if !completed.is_empty() && (invoked.is_empty() || completed.len() == invoked.len()) {
                completed
            } else {
                invoked
            };
        for micro in sends {
            if let MicroOp::Send { key, value, offset } = micro {
                self.write(
                    &head.process,
                    pair,
                    outcome,
                    f == "txn",
                    key,
                    value,
                    *offset,
                );
            }
        }
        // A failed poll's records are gathered too: a poller tells the truth
        // about offsets even when its transaction aborted (Jepsen's version
        // order), though they prove nothing was committed.
        let Some(done) = pair.completion else {
            return;
        };
        let final_read = head.final_read || completion.is_some_and(|op| op.final_read);
        for micro in completed {
            if let MicroOp::Poll { reads: Some(reads) } = micro {
                if outcome != OpType::Fail {
                    self.facts.stats.polls += 1;
                    if final_read {
                        self.facts.stats.final_polls += 1;
                    }
                }
                for (key, records) in reads {
                    self.poll(&head.process, done, outcome, final_read, key, records);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        process: &'h Process,
        pair: OpPair,
        outcome: OpType,
        in_txn: bool,
        key: &'h str,
        value: &'h Val,
        offset: Option<i64>,
    ) {
        let key = self.key_id(key);
        let id = self.facts.writes.len();
        let ack_offset = if outcome == OpType::Ok { offset } else { None };
        match outcome {
            OpType::Ok => self.facts.stats.sends_ok += 1,
            OpType::Fail => self.facts.stats.sends_fail += 1,
            _ => self.facts.stats.sends_info += 1,
        }
        self.facts.stats.txn_sends += u64::from(in_txn);
        let entry = self.facts.values.entry((key, value));
        let value_id = entry.index();
        entry.or_default().write.get_or_insert(id);
        self.facts.writes.push(Write {
            key,
            value,
            value_id,
            process,
            pair,
            outcome,
            ack_offset,
            offset,
            in_txn,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn poll(
        &mut self,
        process: &'h Process,
        op: usize,
        outcome: OpType,
        final_read: bool,
        key: &'h str,
        records: &'h [(i64, Val)],
    ) {
        let key = self.key_id(key);
        let start = self.facts.reads.len();
        let counted = outcome != OpType::Fail;
        let ok = outcome == OpType::Ok;
        for (offset, value) in records {
            let offset = *offset;
            let entry = self.facts.values.entry((key, value));
            let value_id = entry.index();
            self.facts.reads.push(Read { offset, value_id });
            if !counted {
                entry.or_default();
                continue;
            }
            let facts = entry.or_default();
            facts.read_count += 1;
            facts.final_read_count += u64::from(final_read);
            facts.first_read.get_or_insert((offset, op));
            if ok {
                facts.ok_read_count += 1;
                facts.first_ok_read.get_or_insert((offset, op));
            }
        }
        if final_read && counted {
            if let Some(cover) = self.facts.final_cover.get_mut(key) {
                let seen = records.iter().map(|(o, _)| *o).max();
                let max_offset = cover.and_then(|c| c.max_offset).max(seen);
                *cover = Some(FinalCover { op, max_offset });
            }
        }
        let reads = start..self.facts.reads.len();
        self.facts.polls.push(Poll {
            op,
            process,
            outcome,
            key,
            reads,
        });
    }
}
