//! Committed offsets as records of `__consumer_offsets`. A commit is one batch
//! (so its offsets become visible together), appended through the ordinary
//! replicated produce path with acks=all. What a coordinator knows is read back
//! from its replica of the log, below the high watermark: a new coordinator
//! after a leader change "loads" the group simply by reading the log it was
//! elected with.
use super::membership::GroupMetadata;
use super::protocol::CommittedOffset;
use crate::batch::{Record, RecordBatch};
use crate::ids::TopicPartition;
use crate::log::PartitionLog;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum OffsetsRecord {
    /// A committed offset (the next offset to read), by the generation that made it.
    Commit {
        group: String,
        tp: TopicPartition,
        offset: i64,
        /// The committed leader epoch (KIP-320).
        leader_epoch: Option<i32>,
        generation: i32,
    },
    /// A completed rebalance: lets a new coordinator continue the generation
    /// count instead of starting again from zero.
    Generation { group: String, generation: i32 },
    /// Kafka's GroupMetadata record: a completed generation with its members
    /// and their assignments, which a new coordinator loads.
    GroupMetadata {
        group: String,
        metadata: GroupMetadata,
    },
}

fn record(r: &OffsetsRecord, group: &str) -> Record {
    Record {
        key: Some(group.as_bytes().to_vec()),
        value: postcard::to_stdvec(r).expect("offsets records always encode"),
    }
}

/// A transactional offset commit (TxnOffsetCommit): the offsets in a batch of
/// the producer's transaction, pending until its marker lands on this
/// partition: COMMIT makes them the group's offsets, ABORT drops them (Kafka's
/// GroupMetadata.pendingTransactionalOffsetCommits).
pub fn txn_commit_batch(
    group: &str,
    generation: i32,
    offsets: &[(TopicPartition, CommittedOffset)],
    producer_id: crate::ids::ProducerId,
    producer_epoch: i16,
) -> RecordBatch {
    let mut batch = commit_batch(group, generation, offsets);
    batch.producer_id = producer_id;
    batch.producer_epoch = producer_epoch;
    batch.is_transactional = true;
    batch
}

/// One batch holding every offset of a commit.
pub fn commit_batch(
    group: &str,
    generation: i32,
    offsets: &[(TopicPartition, CommittedOffset)],
) -> RecordBatch {
    RecordBatch::new(
        offsets
            .iter()
            .map(|(tp, committed)| {
                record(
                    &OffsetsRecord::Commit {
                        group: group.to_string(),
                        tp: tp.clone(),
                        offset: committed.offset,
                        leader_epoch: committed.leader_epoch,
                        generation,
                    },
                    group,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
fn generation_batch(group: &str, generation: i32) -> RecordBatch {
    RecordBatch::new(vec![record(
        &OffsetsRecord::Generation {
            group: group.to_string(),
            generation,
        },
        group,
    )])
}

/// The group's metadata after a completed rebalance (Kafka's
/// GroupMetadataManager.storeGroup).
pub fn group_metadata_batch(group: &str, metadata: GroupMetadata) -> RecordBatch {
    RecordBatch::new(vec![record(
        &OffsetsRecord::GroupMetadata {
            group: group.to_string(),
            metadata,
        },
        group,
    )])
}

/// What the log says about one group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupLog {
    /// The latest committed offset per partition.
    pub offsets: BTreeMap<TopicPartition, CommittedOffset>,
    /// The highest generation recorded (-1: none).
    pub generation: i32,
    /// The latest GroupMetadata record (Kafka: the last value of the group's
    /// key wins).
    pub metadata: Option<GroupMetadata>,
    /// Transactional commits whose marker has not landed (below the HW), by
    /// producer id: invisible as committed offsets.
    pub pending: BTreeMap<crate::ids::ProducerId, BTreeMap<TopicPartition, CommittedOffset>>,
}

/// Read `group`'s records below `upto` (the high watermark). Records of other
/// groups, and any that do not decode, are skipped: the log is shared by many
/// groups and a bad record must not take the coordinator down.
pub fn read_group(log: &PartitionLog, upto: i64, group: &str) -> GroupLog {
    let mut out = GroupLog {
        generation: -1,
        ..GroupLog::default()
    };
    for batch in log.read(0, upto, usize::MAX) {
        if let Some(marker) = batch.control {
            if let Some(offsets) = out.pending.remove(&batch.producer_id) {
                if marker == crate::batch::ControlMarker::Commit {
                    out.offsets.extend(offsets);
                }
            }
            continue;
        }
        for record in &batch.records {
            if record.key.as_deref() != Some(group.as_bytes()) {
                continue;
            }
            match postcard::from_bytes::<OffsetsRecord>(&record.value) {
                Ok(OffsetsRecord::Commit {
                    tp,
                    offset,
                    leader_epoch,
                    generation,
                    ..
                }) => {
                    let committed = CommittedOffset {
                        offset,
                        leader_epoch,
                    };
                    if batch.is_transactional {
                        out.pending
                            .entry(batch.producer_id)
                            .or_default()
                            .insert(tp, committed);
                    } else {
                        out.offsets.insert(tp, committed);
                    }
                    out.generation = out.generation.max(generation);
                }
                Ok(OffsetsRecord::Generation { generation, .. }) => {
                    out.generation = out.generation.max(generation);
                }
                Ok(OffsetsRecord::GroupMetadata { metadata, .. }) => {
                    out.generation = out.generation.max(metadata.generation);
                    out.metadata = Some(metadata);
                }
                Err(_) => {}
            }
        }
    }
    out
}

/// The partitions of `group` with a transactional offset commit still pending
/// (Kafka's `GroupMetadata.hasPendingOffsetCommitsForTopicPartition` over
/// `pendingTransactionalOffsetCommits`; the KIP-848 coordinator's
/// `OffsetMetadataManager.hasPendingTransactionalOffsets`): a TxnOffsetCommit
/// anywhere in the log, up to its end (Kafka counts it pending from the
/// moment it is appended), whose producer's marker has not landed below the
/// high watermark `hw` (the marker materializes or drops it only once
/// replicated: `onTransactionCompleted` runs after the acks=all append).
pub fn unstable_partitions(
    log: &PartitionLog,
    hw: i64,
    group: &str,
) -> std::collections::BTreeSet<TopicPartition> {
    let mut pending: BTreeMap<crate::ids::ProducerId, std::collections::BTreeSet<TopicPartition>> =
        BTreeMap::new();
    for batch in log.read(0, log.log_end_offset(), usize::MAX) {
        if batch.control.is_some() {
            if batch.base_offset < hw {
                pending.remove(&batch.producer_id);
            }
            continue;
        }
        if !batch.is_transactional {
            continue;
        }
        for record in &batch.records {
            if record.key.as_deref() != Some(group.as_bytes()) {
                continue;
            }
            if let Ok(OffsetsRecord::Commit { tp, .. }) =
                postcard::from_bytes::<OffsetsRecord>(&record.value)
            {
                pending.entry(batch.producer_id).or_default().insert(tp);
            }
        }
    }
    pending.into_values().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: i64, leader_epoch: Option<i32>) -> CommittedOffset {
        CommittedOffset {
            offset,
            leader_epoch,
        }
    }

    #[test]
    fn later_commits_win_and_other_groups_are_ignored() {
        let tp = TopicPartition::new("t", 0);
        let mut log = PartitionLog::default();
        log.append_as_leader(commit_batch("g", 1, &[(tp.clone(), at(5, Some(2)))]), 0);
        log.append_as_leader(commit_batch("h", 9, &[(tp.clone(), at(50, None))]), 0);
        log.append_as_leader(generation_batch("g", 3), 0);
        log.append_as_leader(commit_batch("g", 3, &[(tp.clone(), at(7, None))]), 0);
        let all = read_group(&log, log.log_end_offset(), "g");
        assert_eq!(all.offsets.get(&tp), Some(&at(7, None)));
        assert_eq!(all.generation, 3);
        // Below the HW only: the last commit is not visible yet; the epoch
        // committed with an offset comes back with it.
        let committed = read_group(&log, 3, "g");
        assert_eq!(committed.offsets.get(&tp), Some(&at(5, Some(2))));
    }

    #[test]
    fn transactional_commits_wait_for_their_marker() {
        use crate::batch::ControlMarker;
        let tp = TopicPartition::new("t", 0);
        let marker = |pid, m| {
            let mut b = RecordBatch::new(Vec::new());
            b.producer_id = pid;
            b.is_transactional = true;
            b.control = Some(m);
            b
        };
        let mut log = PartitionLog::default();
        log.append_as_leader(commit_batch("g", 1, &[(tp.clone(), at(5, None))]), 0);
        log.append_as_leader(
            txn_commit_batch("g", 1, &[(tp.clone(), at(9, None))], 7, 0),
            0,
        );
        log.append_as_leader(
            txn_commit_batch("g", 1, &[(tp.clone(), at(11, None))], 8, 0),
            0,
        );
        let before = read_group(&log, log.log_end_offset(), "g");
        assert_eq!(
            before.offsets.get(&tp),
            Some(&at(5, None)),
            "pending: invisible"
        );
        log.append_as_leader(marker(8, ControlMarker::Abort), 0);
        let aborted = read_group(&log, log.log_end_offset(), "g");
        assert_eq!(
            aborted.offsets.get(&tp),
            Some(&at(5, None)),
            "abort drops them"
        );
        log.append_as_leader(marker(7, ControlMarker::Commit), 0);
        let committed = read_group(&log, log.log_end_offset(), "g");
        assert_eq!(
            committed.offsets.get(&tp),
            Some(&at(9, None)),
            "commit materializes"
        );
        assert!(committed.pending.is_empty());
        // Below the HW only: a marker past it has not landed yet.
        assert_eq!(
            read_group(&log, 4, "g").offsets.get(&tp),
            Some(&at(5, None))
        );
    }

    #[test]
    fn a_transactional_commit_is_unstable_until_its_marker_is_below_the_hw() {
        use crate::batch::ControlMarker;
        let (tp0, tp1) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let mut marker = RecordBatch::new(Vec::new());
        marker.producer_id = 7;
        marker.is_transactional = true;
        marker.control = Some(ControlMarker::Commit);
        let mut log = PartitionLog::default();
        log.append_as_leader(commit_batch("g", 1, &[(tp1.clone(), at(3, None))]), 0);
        log.append_as_leader(
            txn_commit_batch("g", 1, &[(tp0.clone(), at(9, None))], 7, 0),
            0,
        );
        log.append_as_leader(
            txn_commit_batch("h", 1, &[(tp1.clone(), at(4, None))], 8, 0),
            0,
        );
        let only_tp0: std::collections::BTreeSet<_> = [tp0.clone()].into();
        // Appended but not yet replicated (above the HW): already pending.
        assert_eq!(unstable_partitions(&log, 1, "g"), only_tp0);
        assert!(unstable_partitions(&log, 1, "other").is_empty());
        log.append_as_leader(marker, 0);
        // The marker is in the log but not below the HW: still pending.
        assert_eq!(unstable_partitions(&log, 3, "g"), only_tp0);
        assert!(unstable_partitions(&log, 4, "g").is_empty());
        // Group h's commit of producer 8 stays pending: no marker of its own.
        assert_eq!(unstable_partitions(&log, 4, "h"), [tp1].into());
    }

    #[test]
    fn the_latest_group_metadata_is_loaded() {
        use crate::group::membership::Group;
        let mut log = PartitionLog::default();
        let mut g = Group::new(-1);
        g.generation = 4;
        log.append_as_leader(group_metadata_batch("g", g.metadata()), 0);
        g.generation = 5;
        log.append_as_leader(group_metadata_batch("g", g.metadata()), 0);
        let read = read_group(&log, log.log_end_offset(), "g");
        assert_eq!(read.generation, 5);
        assert_eq!(read.metadata.map(|m| m.generation), Some(5));
        let below_hw = read_group(&log, 1, "g");
        assert_eq!(below_hw.metadata.map(|m| m.generation), Some(4));
    }
}
