//! Items grouped by a small-integer bucket in one array (a counting sort):
//! each bucket's items in input order. The version order groups every
//! placement by key, then a key's placements by offset, this way: one
//! pass to count and one to place, no vector per group and no comparison
//! sort over a million reads (issue 13, "Speed").

pub(crate) struct Buckets<T> {
    items: Vec<T>,
    /// Bucket `b` is `items[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
}

impl<T: Copy + Default> Buckets<T> {
    /// Group `items` (bucket, item) into buckets `0..buckets`; an item whose
    /// bucket is out of range is dropped. `items` is iterated twice.
    pub fn group(buckets: usize, items: impl Iterator<Item = (usize, T)> + Clone) -> Self {
        let mut starts = vec![0usize; buckets + 1];
        for (b, _) in items.clone() {
            if let Some(count) = starts.get_mut(b + 1).filter(|_| b < buckets) {
                *count += 1;
            }
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let mut all = vec![T::default(); starts[buckets]];
        let mut next = starts.clone();
        for (b, item) in items {
            if let Some(at) = next.get_mut(b).filter(|_| b < buckets) {
                if let Some(slot) = all.get_mut(*at) {
                    *slot = item;
                }
                *at += 1;
            }
        }
        Buckets { items: all, starts }
    }

    /// Bucket `b`'s items (none when out of range).
    pub fn bucket(&self, b: usize) -> &[T] {
        self.range(b)
            .and_then(|r| self.items.get(r))
            .unwrap_or_default()
    }

    /// Bucket `b`'s items, to reorder them (none when out of range).
    pub fn bucket_mut(&mut self, b: usize) -> &mut [T] {
        match self.range(b) {
            Some(r) => self.items.get_mut(r).unwrap_or_default(),
            None => &mut [],
        }
    }

    /// Where bucket `b`'s items lie in `items`.
    fn range(&self, b: usize) -> Option<std::ops::Range<usize>> {
        Some(*self.starts.get(b)?..*self.starts.get(b + 1)?)
    }

    /// How many buckets there are.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }
}
