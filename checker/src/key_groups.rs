//! An op's items (write ids, value ids) grouped by key, keys in the order
//! first met: what the send and poll order checks judge per op. The groups'
//! vectors are kept from one op to the next, so judging an op allocates
//! nothing once the largest op has been seen (issue 13, "Speed": a vector
//! per key per op was a steady share of the check's allocations).
use super::facts::KeyId;

#[derive(Default)]
pub(crate) struct KeyGroups {
    groups: Vec<(KeyId, Vec<usize>)>,
    /// How many of `groups` belong to the current op.
    used: usize,
}

impl KeyGroups {
    /// Forget the previous op's groups (keeping their room).
    pub fn clear(&mut self) {
        self.used = 0;
    }

    /// Append `items` to `key`'s group, opening it after the others if new.
    pub fn extend(&mut self, key: KeyId, items: impl IntoIterator<Item = usize>) {
        let current = self.groups.get(..self.used).unwrap_or_default();
        let at = match current.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                if self.used == self.groups.len() {
                    self.groups.push((key, Vec::new()));
                }
                if let Some(group) = self.groups.get_mut(self.used) {
                    group.0 = key;
                    group.1.clear();
                }
                self.used += 1;
                self.used - 1
            }
        };
        if let Some((_, group)) = self.groups.get_mut(at) {
            group.extend(items);
        }
    }

    /// The current op's groups, keys in the order first met.
    pub fn groups(&self) -> &[(KeyId, Vec<usize>)] {
        self.groups.get(..self.used).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::KeyGroups;
    use proptest::prelude::*;

    proptest! {
        /// Reused from op to op, the groups are each op's items grouped by
        /// key in the order first met, as a fresh grouping makes them.
        #[test]
        fn reused_groups_equal_fresh_ones(
            ops in prop::collection::vec(
                prop::collection::vec((0usize..4, prop::collection::vec(0usize..100, 0..4)), 0..8),
                0..8,
            ),
        ) {
            let mut reused = KeyGroups::default();
            for op in &ops {
                reused.clear();
                let mut fresh: Vec<(usize, Vec<usize>)> = Vec::new();
                for (key, items) in op {
                    reused.extend(*key, items.iter().copied());
                    match fresh.iter_mut().find(|(k, _)| k == key) {
                        Some((_, group)) => group.extend(items),
                        None => fresh.push((*key, items.clone())),
                    }
                }
                prop_assert_eq!(reused.groups(), &fresh[..]);
            }
        }
    }
}
