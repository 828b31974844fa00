//! What a poll returned, per key: a map sorted by key held in one vector
//! (HISTORY.md, "Values").
use super::val::{Key, Val};

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

    /// Room for `keys` keys: a poll mostly reads one, and a vector grown
    /// from empty would take four and then give three back.
    pub fn with_capacity(keys: usize) -> Self {
        Reads(Vec::with_capacity(keys))
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
