//! Value ids by value: each distinct (key, value) of a history numbered in
//! order first met (`Facts::values`). Most histories' values are small
//! non-negative counters (Jepsen's are one counter across keys), so an
//! integer below a bound set by the history's length finds its id in an
//! array indexed by the integer, without hashing; as sends come roughly in
//! counter order, that array is also read nearly in order (issue 13,
//! "Speed": hashing every sent value was the gathering's largest cost).
//! Every other value, and an integer a second key also holds, is hashed.
//! The map is only looked up, never iterated, so ids never depend on hashing.
use crate::facts::KeyId;
use crate::history::Val;
use rustc_hash::FxHashMap;

pub(crate) struct ValueIndex<'h> {
    /// Per integer `0..ints.len()`, the id of the first key's value that is
    /// that integer (`NO_ID`: none yet). A slot, once set, never changes.
    ints: Vec<u32>,
    /// Integers from this one up are hashed, so that a history with huge
    /// values cannot make `ints` large.
    int_bound: usize,
    hashed: FxHashMap<(KeyId, &'h Val), u32>,
}

const NO_ID: u32 = u32::MAX;

impl<'h> ValueIndex<'h> {
    /// For a history of `ops` ops: values that count up with its sends fit
    /// the array.
    pub fn new(ops: usize) -> Self {
        ValueIndex {
            ints: Vec::new(),
            int_bound: 2 * ops + 4096,
            hashed: FxHashMap::default(),
        }
    }

    /// The id of `key`'s `value`, appended to `values` (whose positions are
    /// the ids) when new: the id, and whether it is new.
    pub fn intern(
        &mut self,
        values: &mut Vec<(KeyId, &'h Val)>,
        key: KeyId,
        value: &'h Val,
    ) -> (usize, bool) {
        let next = values.len();
        let direct = match *value {
            Val::Int(i) => usize::try_from(i).ok().filter(|&i| i < self.int_bound),
            Val::Str(_) => None,
        };
        if let Some(i) = direct {
            if i >= self.ints.len() {
                self.ints.resize(i + 1, NO_ID);
            }
            let id = self.ints[i];
            if id == NO_ID {
                self.ints[i] = narrow(next);
                values.push((key, value));
                return (next, true);
            }
            if values.get(id as usize).is_some_and(|&(k, _)| k == key) {
                return (id as usize, false);
            }
            // The same integer in another key: hashed below.
        }
        match self.hashed.entry((key, value)) {
            std::collections::hash_map::Entry::Occupied(e) => (*e.get() as usize, false),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(narrow(next));
                values.push((key, value));
                (next, true)
            }
        }
    }
}

/// A value id as stored: below 2^32, as a history of more values (each
/// sent or read) could not be held in memory.
pub(crate) fn narrow(id: usize) -> u32 {
    u32::try_from(id).expect("history too large: 2^32 values")
}

#[cfg(test)]
mod tests {
    use super::ValueIndex;
    use crate::history::Val;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Val> {
        prop_oneof![
            4 => (0i64..40).prop_map(Val::Int),
            // Around the bound of a history of no ops (4096), and beyond.
            2 => (4090i64..4100).prop_map(Val::Int),
            1 => prop_oneof![Just(i64::MIN), Just(-1i64), Just(i64::MAX)].prop_map(Val::Int),
            2 => "[ab]{0,2}".prop_map(|s| Val::Str(s.into())),
        ]
    }

    proptest! {
        /// Ids are what a list searched from the start gives: equal (key,
        /// value) pairs, equal ids; new ones numbered in order first met;
        /// an integer is never the same value as a string.
        #[test]
        fn ids_are_positions_of_first_meeting(
            seen in prop::collection::vec((0usize..3, value()), 0..80),
        ) {
            let mut index = ValueIndex::new(0);
            let mut values = Vec::new();
            let mut expected: Vec<(usize, Val)> = Vec::new();
            for (key, value) in &seen {
                let want = expected.iter().position(|(k, v)| k == key && v == value);
                let got = index.intern(&mut values, *key, value);
                match want {
                    Some(id) => prop_assert_eq!(got, (id, false)),
                    None => {
                        prop_assert_eq!(got, (expected.len(), true));
                        expected.push((*key, value.clone()));
                    }
                }
                prop_assert_eq!(values.len(), expected.len());
                // Integers from the bound up are hashed, not indexed.
                prop_assert!(index.ints.len() <= 4096);
            }
        }
    }
}
