//! What an operation carries: values, micro-operations and the `value` field
//! interpreted by the operation's `f` (HISTORY.md, "Values").
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A key (topic-partition) or short name: inline up to 24 bytes, so the
/// millions of `"t/13"`s of a long history cost no allocation each
/// (issue 13, "Speed").
pub type Key = CompactString;

/// A record value: an integer or a string, unique per key across a history.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    Int(i64),
    Str(CompactString),
}

impl fmt::Display for Val {
    /// As in the history file: integers bare, strings quoted, so an explanation
    /// never confuses the value `41` with the string `"41"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(i) => write!(f, "{i}"),
            Val::Str(s) => write!(f, "{}", serde_json::Value::String(s.to_string())),
        }
    }
}

/// What a poll returned: for each key, `(offset, value)` in the order delivered.
/// A map sorted by key, as a `BTreeMap` would be, held in one vector: a poll
/// reads a key or two, and a B-tree node per poll was most of a long
/// history's memory (issue 13, "Speed").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads(Vec<(Key, Vec<(i64, Val)>)>);

impl Reads {
    pub fn new() -> Self {
        Reads(Vec::new())
    }

    /// Sets `key`'s records; a key already present is replaced (the last
    /// wins, as in a JSON object read twice), and its old records returned.
    pub fn insert(
        &mut self,
        key: impl Into<Key>,
        records: Vec<(i64, Val)>,
    ) -> Option<Vec<(i64, Val)>> {
        let key = key.into();
        // Keys mostly come in order: appending is the common case.
        match self.0.last() {
            Some((last, _)) if *last < key => {
                self.0.push((key, records));
                None
            }
            None => {
                self.0.push((key, records));
                None
            }
            Some(_) => match self
                .0
                .binary_search_by(|(k, _)| k.as_str().cmp(key.as_str()))
            {
                Ok(i) => Some(std::mem::replace(&mut self.0[i].1, records)),
                Err(i) => {
                    self.0.insert(i, (key, records));
                    None
                }
            },
        }
    }

    pub fn get(&self, key: &str) -> Option<&Vec<(i64, Val)>> {
        self.position(key).map(|i| &self.0[i].1)
    }

    /// `key`'s records, an empty list added first when the key is absent
    /// (a `BTreeMap`'s `entry(key).or_default()`).
    pub fn records_mut(&mut self, key: impl Into<Key>) -> &mut Vec<(i64, Val)> {
        let key = key.into();
        let i = match self
            .0
            .binary_search_by(|(k, _)| k.as_str().cmp(key.as_str()))
        {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, Vec::new()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Vec<(i64, Val)>> {
        self.position(key).map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys and their records, in key order.
    pub fn iter(&self) -> ReadsIter<'_> {
        ReadsIter(self.0.iter())
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(
        &self,
    ) -> impl DoubleEndedIterator<Item = &Vec<(i64, Val)>> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, v)| v)
    }

    /// Frees the slack of a vector grown one key at a time.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// [`Reads::iter`]: `(&key, &records)` in key order, as a `BTreeMap`'s.
#[derive(Clone, Debug)]
pub struct ReadsIter<'a>(std::slice::Iter<'a, (Key, Vec<(i64, Val)>)>);

impl<'a> Iterator for ReadsIter<'a> {
    type Item = (&'a Key, &'a Vec<(i64, Val)>);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for ReadsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for ReadsIter<'_> {}

impl<'a> IntoIterator for &'a Reads {
    type Item = (&'a Key, &'a Vec<(i64, Val)>);
    type IntoIter = ReadsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Reads {
    type Item = (Key, Vec<(i64, Val)>);
    type IntoIter = std::vec::IntoIter<(Key, Vec<(i64, Val)>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<K: Into<Key>> FromIterator<(K, Vec<(i64, Val)>)> for Reads {
    fn from_iter<I: IntoIterator<Item = (K, Vec<(i64, Val)>)>>(iter: I) -> Self {
        let mut reads = Reads::new();
        reads.extend(iter);
        reads
    }
}

impl<K: Into<Key>> Extend<(K, Vec<(i64, Val)>)> for Reads {
    fn extend<I: IntoIterator<Item = (K, Vec<(i64, Val)>)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Into<Key>, const N: usize> From<[(K, Vec<(i64, Val)>); N]> for Reads {
    fn from(entries: [(K, Vec<(i64, Val)>); N]) -> Self {
        entries.into_iter().collect()
    }
}

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
