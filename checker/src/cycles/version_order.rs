//! Each key's log order, as far as the history shows it: the offsets reads
//! returned and acknowledged offsets, each offset with one value (the first
//! seen; `inconsistent-offsets` reports the others), in offset order. Gaps
//! (transaction markers, aborted records) are skipped, so successive entries
//! are successive records (JEPSEN_RULES.md's dense index). Only the cycle
//! search's `ww` edges use it.
use crate::facts::{Facts, KeyId};
use crate::history::OpType;

pub(crate) struct VersionOrder {
    /// (key, offset, value id), sorted by key then offset, one per offset.
    pub entries: Vec<(KeyId, i64, usize)>,
    /// Per value id, its position in `entries` (`u32::MAX`: none).
    pub position: Vec<u32>,
}

impl VersionOrder {
    pub fn build(facts: &Facts<'_>) -> Self {
        let mut entries: Vec<(KeyId, i64, usize)> = facts
            .offsets
            .iter()
            .map(|(&(key, offset), at)| (key, offset, at.first.0))
            .collect();
        entries.extend(
            facts
                .writes
                .iter()
                .filter(|w| w.outcome == OpType::Ok)
                .filter_map(|w| w.ack_offset.map(|o| (w.key, o, w.value_id))),
        );
        // Reads first at an offset they share with an acknowledgement: the
        // log's view wins (stable sort keeps the reads, listed first).
        entries.sort_by_key(|&(key, offset, _)| (key, offset));
        entries.dedup_by_key(|&mut (key, offset, _)| (key, offset));
        let mut position = vec![u32::MAX; facts.values.len()];
        for (i, &(_, _, value_id)) in entries.iter().enumerate() {
            if let Some(slot) = position.get_mut(value_id) {
                if *slot == u32::MAX {
                    *slot = i as u32;
                }
            }
        }
        VersionOrder { entries, position }
    }
}
