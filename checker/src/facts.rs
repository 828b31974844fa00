//! One pass over a history that gathers everything the anomaly finders need:
//! every write (send micro-operation) with its outcome, every record read
//! (failed polls included, for the version order), and per value what was
//! observed; and every client op with its process interned, so later passes
//! (the cycle search's graph, assignment tracking) need not read the ops'
//! lines again. Keys are interned to small integers and values borrowed from
//! the history, so the pass allocates per record, not per string. A value
//! gets an id (`values`, numbered in order first met, by `value_index`); a
//! record read at an offset where that value was already seen finds its id
//! in a per-key, per-offset table without hashing the value (issue 13,
//! "Speed": a hash lookup per record read was the check's hottest spot).
//! Maps are only looked up or iterated in insertion order (`IndexMap`), so
//! results never depend on hashing.
use super::result::Stats;
use super::value_index::{self, ValueIndex};
use crate::history::{HistoryRef, Isolation, MicroOp, OpPair, OpType, Process, Val};
use indexmap::IndexMap;

/// An insertion-ordered map with a fast hasher: iteration order never depends
/// on hashing, and the checker's hot path is these lookups.
pub(crate) type OrderedMap<K, V> = IndexMap<K, V, rustc_hash::FxBuildHasher>;

/// A key (partition), interned.
pub(crate) type KeyId = usize;

/// One send micro-operation.
pub(crate) struct Write<'h> {
    pub key: KeyId,
    pub value: &'h Val,
    /// Its entry in `Facts::values`.
    pub value_id: usize,
    pub process: &'h Process,
    /// Its op's place in `Facts::pairs` ([`Facts::pair_of`]): an index, not
    /// a copy, as for `ClientOp` (issue 13, "Speed").
    pub pair: u32,
    /// Ok (acknowledged), Fail (definitely not written) or Info (unknown).
    pub outcome: OpType,
    /// The offset the completion gave, whatever its outcome: an `info` or
    /// `fail` completion may carry one (Jepsen trusts it once proven), and an
    /// aborted transaction's sends were written (and answered) before the abort.
    pub offset: Option<i64>,
    pub in_txn: bool,
}

impl Write<'_> {
    /// The offset from an ok completion.
    pub fn ack_offset(&self) -> Option<i64> {
        if self.outcome == OpType::Ok {
            self.offset
        } else {
            None
        }
    }
}

/// One record a read observed ([`Facts::reads`]).
#[derive(Clone, Copy)]
pub(crate) struct Read {
    pub offset: i64,
    /// Its entry in `Facts::values`.
    pub value_id: usize,
}

/// The records one poll micro-operation returned for one key.
#[derive(Clone, Copy)]
pub(crate) struct Poll<'h> {
    /// Position of the completion in `History::ops`.
    pub op: usize,
    pub process: &'h Process,
    /// The completion's type: a failed or unknown poll still tells the truth
    /// about offsets (Jepsen's version order), but proves nothing committed.
    pub outcome: OpType,
    pub key: KeyId,
    /// The records as the history holds them: their offsets are read
    /// there, not copied (issue 13, "Speed": a copy was 16 bytes a read).
    records: &'h [(i64, Val)],
    /// Where the records' value ids start in `Facts::read_values`.
    values_start: usize,
}

/// What is known about one value of one key. Kept small (no `Option`
/// tags; counts in 32 bits), as every read updates one (issue 13, "Speed").
pub(crate) struct ValueFacts {
    /// The write that sent it (the first, should a history send it twice).
    write: usize,
    /// The first `ok` or `info` read of it.
    first_read: (i64, usize),
    /// How many `ok` reads observed it, and the first: only these prove a
    /// write committed or satisfy lost-write and unseen (Jepsen).
    ok_read_count: u32,
    first_ok_read: (i64, usize),
    /// How many final reads observed it.
    final_read_count: u32,
}

/// No write, or no read op (in `ValueFacts`).
const NOTHING: usize = usize::MAX;

impl Default for ValueFacts {
    fn default() -> Self {
        ValueFacts {
            write: NOTHING,
            first_read: (0, NOTHING),
            ok_read_count: 0,
            first_ok_read: (0, NOTHING),
            final_read_count: 0,
        }
    }
}

impl ValueFacts {
    /// The write that sent it (the first, should a history send it twice).
    pub fn write(&self) -> Option<usize> {
        Some(self.write).filter(|&w| w != NOTHING)
    }

    /// The first `ok` or `info` read of it: offset, op.
    pub fn first_read(&self) -> Option<(i64, usize)> {
        Some(self.first_read).filter(|&(_, op)| op != NOTHING)
    }

    /// How many `ok` reads observed it: only these prove a write committed
    /// or satisfy lost-write and unseen (Jepsen).
    pub fn ok_read_count(&self) -> u64 {
        self.ok_read_count.into()
    }

    /// The first `ok` read of it: offset, op.
    pub fn first_ok_read(&self) -> Option<(i64, usize)> {
        Some(self.first_ok_read).filter(|&(_, op)| op != NOTHING)
    }

    /// How many final reads observed it.
    pub fn final_read_count(&self) -> u64 {
        self.final_read_count.into()
    }
}

/// A client's `send`, `poll` or `txn` operation (the ops the gathering pass
/// reads), so later passes need not read its lines again.
#[derive(Clone, Copy)]
pub(crate) struct ClientOp {
    /// Its place in `Facts::pairs` (an index, not a copy: 12 bytes a client
    /// op rather than 40, issue 13 "Speed").
    pub pair: u32,
    /// Its completion's type, `Info` when it never completed.
    pub outcome: OpType,
    /// Its process, interned (`Facts::processes`).
    pub process: u32,
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
    pub ops: HistoryRef<'h>,
    pub pairs: Vec<OpPair>,
    pub keys: Vec<&'h str>,
    /// In issue order: by the op's first line, then position in its list.
    pub writes: Vec<Write<'h>>,
    /// Per record read, its value id: a poll's are adjacent, in its
    /// records' order ([`Self::value_ids`]).
    read_values: Vec<u32>,
    /// In history order; the polls of one op are adjacent, as are their reads.
    pub polls: Vec<Poll<'h>>,
    /// Every value of every key, numbered in order first seen (value ids:
    /// positions here; `value_index`).
    pub values: Vec<(KeyId, &'h Val)>,
    /// Per value id, what is known about it.
    value_facts: Vec<ValueFacts>,
    /// Per key: how final reads covered it, if they did.
    pub final_cover: Vec<Option<FinalCover>>,
    /// Every client `send`, `poll` and `txn` op, in order of first line.
    pub client_ops: Vec<ClientOp>,
    /// How many processes `ClientOp::process` numbers.
    pub processes: usize,
    /// Per history position: an `ok` or `info` completion of an `assign` or
    /// `subscribe` (what `assignment::kept_keys` looks for).
    pub assigns: Vec<bool>,
    /// Which readers read committed data only (the metadata line).
    pub isolation: Isolation,
    pub stats: Stats,
}

impl<'h> Poll<'h> {
    /// The records, as the history holds them.
    pub fn records(&self) -> &'h [(i64, Val)] {
        self.records
    }
}

impl<'h> Facts<'h> {
    pub fn gather(history: HistoryRef<'h>) -> Self {
        let sends = history.send_count_hint();
        let mut g = Gatherer {
            facts: Facts {
                ops: history,
                pairs: history.pairs(),
                keys: Vec::new(),
                writes: Vec::with_capacity(sends),
                read_values: Vec::new(),
                polls: Vec::new(),
                values: Vec::with_capacity(sends),
                value_facts: Vec::with_capacity(sends),
                final_cover: Vec::new(),
                client_ops: Vec::new(),
                processes: 0,
                assigns: vec![false; history.len()],
                isolation: history.isolation(),
                stats: Stats {
                    ops: history.len() as u64,
                    ..Stats::default()
                },
            },
            key_ids: OrderedMap::default(),
            value_index: ValueIndex::new(history.len()),
            process_ids: OrderedMap::default(),
            by_table_process: Vec::new(),
            process_count: 0,
            at_offset: Vec::new(),
            at_offset_room: 4 * history.len() + 4096,
        };
        for i in 0..g.facts.pairs.len() {
            let pair = g.facts.pairs[i];
            g.pair(history, pair, i as u32);
        }
        let mut facts = g.facts;
        facts.processes = g.process_count as usize;
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

    /// A write's op.
    pub fn pair_of(&self, w: &Write<'_>) -> OpPair {
        self.pairs.get(w.pair as usize).copied().unwrap_or(OpPair {
            invoke: None,
            completion: None,
        })
    }

    /// The indices of a write's op's invocation and completion.
    pub fn write_indices(&self, w: &Write<'_>) -> Vec<u64> {
        self.pair_indices(self.pair_of(w))
    }

    /// The indices of a pair's invocation and completion.
    pub fn pair_indices(&self, pair: OpPair) -> Vec<u64> {
        pair.invoke
            .into_iter()
            .chain(pair.completion)
            .map(|p| self.index(p))
            .collect()
    }

    /// The value ids of the records a poll returned, in its records' order.
    pub fn value_ids(&self, poll: &Poll<'h>) -> &[u32] {
        let start = poll.values_start;
        self.read_values
            .get(start..start + poll.records.len())
            .unwrap_or_default()
    }

    /// The records a poll returned: offset and value id, in order.
    pub fn reads(&self, poll: &Poll<'h>) -> impl Iterator<Item = Read> + Clone + '_ {
        let records = poll.records;
        records
            .iter()
            .zip(self.value_ids(poll))
            .map(|(&(offset, _), &id)| Read {
                offset,
                value_id: id as usize,
            })
    }

    /// What is known about a value, by its id (`Write::value_id`).
    pub fn value_facts(&self, value_id: usize) -> Option<&ValueFacts> {
        self.value_facts.get(value_id)
    }

    /// A value, by its id.
    pub fn value(&self, value_id: usize) -> Option<&'h Val> {
        self.values.get(value_id).map(|&(_, v)| v)
    }

    /// The write that sent a value, if any op did.
    pub fn writer(&self, value_id: usize) -> Option<&Write<'h>> {
        self.value_facts(value_id)
            .and_then(ValueFacts::write)
            .and_then(|id| self.writes.get(id))
    }
}

struct Gatherer<'h> {
    facts: Facts<'h>,
    key_ids: OrderedMap<&'h str, KeyId>,
    value_index: ValueIndex<'h>,
    process_ids: OrderedMap<&'h Process, u32>,
    /// The same numbering, by the table's own process numbers when the
    /// history is an `OpTable` (no hashing per op, issue 13 "Speed").
    by_table_process: Vec<u32>,
    process_count: u32,
    /// Per key, per offset: the value first seen there (`NO_VALUE` when
    /// none), so the many reads of one record find its value id without
    /// hashing the value (issue 13, "Speed": that lookup per read was the
    /// check's hottest spot). Only offsets below the table's bound are kept.
    at_offset: Vec<Vec<Seen>>,
    /// How many more offset slots the tables may take in all, so a history
    /// with huge offsets cannot make them large.
    at_offset_room: usize,
}

/// The value first seen at an offset (`Gatherer::at_offset`): its id, and
/// the integer itself, so a read of it is recognised without following the
/// id to the value. Sixteen bytes, not an `Option<i64>`'s twenty-four:
/// there is one per offset of every key.
#[derive(Clone, Copy)]
struct Seen {
    int: i64,
    id: u32,
    is_int: bool,
}

impl Seen {
    const NONE: Seen = Seen {
        int: 0,
        id: NO_VALUE,
        is_int: false,
    };

    fn new(id: u32, int: Option<i64>) -> Self {
        Seen {
            int: int.unwrap_or(0),
            id,
            is_int: int.is_some(),
        }
    }

    fn int(&self) -> Option<i64> {
        self.is_int.then_some(self.int)
    }
}

const NO_VALUE: u32 = u32::MAX;
/// A table process not yet numbered (`Gatherer::by_table_process`).
const NO_PROCESS: u32 = u32::MAX;

impl<'h> Gatherer<'h> {
    fn key_id(&mut self, key: &'h str) -> KeyId {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let id = self.facts.keys.len();
        self.key_ids.insert(key, id);
        self.facts.keys.push(key);
        self.facts.final_cover.push(None);
        self.at_offset.push(Vec::new());
        id
    }

    /// The id of a key's value (a new one if it was never seen); `offset`
    /// is where it was seen, if known.
    fn value_id(&mut self, key: KeyId, value: &'h Val, offset: Option<i64>) -> usize {
        let slot = offset
            .and_then(|o| usize::try_from(o).ok())
            .and_then(|o| self.at_offset.get(key).map(|t| (t.get(o).copied(), o)));
        if let Some((Some(seen), _)) = slot {
            // An integer is compared in the table; a string where it lives.
            let same = match (seen.int(), value) {
                _ if seen.id == NO_VALUE => false,
                (Some(i), Val::Int(v)) => i == *v,
                (Some(_), _) | (None, Val::Int(_)) => false,
                (None, _) => self
                    .facts
                    .values
                    .get(seen.id as usize)
                    .is_some_and(|&(_, v)| v == value),
            };
            if same {
                return seen.id as usize;
            }
        }
        let (id, new) = self.value_index.intern(&mut self.facts.values, key, value);
        if new {
            self.facts.value_facts.push(ValueFacts::default());
        }
        let int = match value {
            Val::Int(i) => Some(*i),
            _ => None,
        };
        let seen = match u32::try_from(id) {
            Ok(id) => Seen::new(id, int),
            Err(_) => return id,
        };
        match slot {
            Some((Some(old), o)) if old.id == NO_VALUE => self.remember(key, o, seen),
            Some((None, o)) => {
                let len = self.at_offset.get(key).map_or(0, Vec::len);
                let grow = (o + 1).saturating_sub(len).max(len);
                if grow <= self.at_offset_room {
                    self.at_offset_room -= grow;
                    if let Some(t) = self.at_offset.get_mut(key) {
                        t.resize(len + grow, Seen::NONE);
                    }
                    self.remember(key, o, seen);
                }
            }
            _ => {}
        }
        id
    }

    /// A client process's number, in order first met.
    fn process_id(&mut self, history: HistoryRef<'h>, pos: usize, process: &'h Process) -> u32 {
        let next = self.process_count;
        let id = match history.process_id(pos) {
            Some(t) => {
                let t = t as usize;
                if t >= self.by_table_process.len() {
                    self.by_table_process.resize(t + 1, NO_PROCESS);
                }
                let slot = &mut self.by_table_process[t];
                if *slot == NO_PROCESS {
                    *slot = next;
                }
                *slot
            }
            None => *self.process_ids.entry(process).or_insert(next),
        };
        self.process_count += u32::from(id == next);
        id
    }

    fn remember(&mut self, key: KeyId, offset: usize, seen: Seen) {
        if let Some(slot) = self.at_offset.get_mut(key).and_then(|t| t.get_mut(offset)) {
            *slot = seen;
        }
    }

    /// `at`: the pair's place in `Facts::pairs` (fewer than ops, which the
    /// reader keeps below 2^32).
    fn pair(&mut self, history: HistoryRef<'h>, pair: OpPair, at: u32) {
        let invoke = pair.invoke.and_then(|p| history.get(p));
        let completion = pair.completion.and_then(|p| history.get(p));
        let Some(head) = invoke.or(completion) else {
            return;
        };
        if let (Some(done), Some(slot)) = (
            completion,
            pair.completion.and_then(|c| self.facts.assigns.get_mut(c)),
        ) {
            *slot = matches!(done.f.as_str(), "assign" | "subscribe")
                && matches!(done.op_type, OpType::Ok | OpType::Info);
        }
        if head.process.is_nemesis() {
            return;
        }
        let f = head.f.as_str();
        if !matches!(f, "send" | "poll" | "txn") {
            return;
        }
        let outcome = history.outcome(&pair);
        let process = self.process_id(history, pair.first(), head.process);
        self.facts.client_ops.push(ClientOp {
            pair: at,
            outcome,
            process,
        });
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
                self.write(head.process, at, outcome, f == "txn", key, value, *offset);
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
                    let committed = self.facts.isolation.read_committed(head.process);
                    self.facts.stats.read_committed_polls += u64::from(committed);
                    if final_read {
                        self.facts.stats.final_polls += 1;
                        self.facts.stats.read_committed_final_polls += u64::from(committed);
                    }
                }
                for (key, records) in reads {
                    self.poll(head.process, done, outcome, final_read, key, records);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        process: &'h Process,
        pair: u32,
        outcome: OpType,
        in_txn: bool,
        key: &'h str,
        value: &'h Val,
        offset: Option<i64>,
    ) {
        let key = self.key_id(key);
        let id = self.facts.writes.len();
        match outcome {
            OpType::Ok => self.facts.stats.sends_ok += 1,
            OpType::Fail => self.facts.stats.sends_fail += 1,
            _ => self.facts.stats.sends_info += 1,
        }
        self.facts.stats.txn_sends += u64::from(in_txn);
        let value_id = self.value_id(key, value, offset);
        if let Some(facts) = self.facts.value_facts.get_mut(value_id) {
            if facts.write == NOTHING {
                facts.write = id;
            }
        }
        self.facts.writes.push(Write {
            key,
            value,
            value_id,
            process,
            pair,
            outcome,
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
        let values_start = self.facts.read_values.len();
        let counted = outcome != OpType::Fail;
        let ok = outcome == OpType::Ok;
        for (offset, value) in records {
            let offset = *offset;
            let value_id = self.value_id(key, value, Some(offset));
            self.facts.read_values.push(value_index::narrow(value_id));
            if !counted {
                continue;
            }
            let Some(facts) = self.facts.value_facts.get_mut(value_id) else {
                continue;
            };
            facts.final_read_count = facts.final_read_count.saturating_add(u32::from(final_read));
            if facts.first_read.1 == NOTHING {
                facts.first_read = (offset, op);
            }
            if ok {
                facts.ok_read_count = facts.ok_read_count.saturating_add(1);
                if facts.first_ok_read.1 == NOTHING {
                    facts.first_ok_read = (offset, op);
                }
            }
        }
        if final_read && counted {
            if let Some(cover) = self.facts.final_cover.get_mut(key) {
                let seen = records.iter().map(|(o, _)| *o).max();
                let max_offset = cover.and_then(|c| c.max_offset).max(seen);
                *cover = Some(FinalCover { op, max_offset });
            }
        }
        self.facts.polls.push(Poll {
            op,
            process,
            outcome,
            key,
            records,
            values_start,
        });
    }
}
