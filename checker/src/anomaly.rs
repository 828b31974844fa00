//! The anomalies the checker names (SEMANTICS.md, "Anomalies the checker
//! names"), spelled as Jepsen's Kafka workload spells them so results compare.
use crate::history::{Process, Val};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AnomalyKind {
    /// An acknowledged send no read observed, although reads reached its offset.
    #[serde(rename = "lost-write")]
    LostWrite,
    /// An acknowledged send never observed, final reads included.
    #[serde(rename = "unseen")]
    Unseen,
    /// One value at more than one offset of a key.
    #[serde(rename = "duplicate")]
    Duplicate,
    /// One value at more than one offset within a single operation's reads.
    #[serde(rename = "int-duplicate")]
    IntDuplicate,
    /// One offset of a key holding different values in different reads.
    #[serde(rename = "inconsistent-offsets")]
    InconsistentOffsets,
    /// A process's acknowledged sends to a key landing out of issue order.
    #[serde(rename = "nonmonotonic-send")]
    NonmonotonicSend,
    #[serde(rename = "int-nonmonotonic-send")]
    IntNonmonotonicSend,
    /// Successive reads of a key jumping over an offset known to hold a record.
    #[serde(rename = "poll-skip")]
    PollSkip,
    #[serde(rename = "int-poll-skip")]
    IntPollSkip,
    /// Successive reads of a key going backwards (or repeating an offset).
    #[serde(rename = "nonmonotonic-poll")]
    NonmonotonicPoll,
    #[serde(rename = "int-nonmonotonic-poll")]
    IntNonmonotonicPoll,
    /// A read of a value whose send failed or whose transaction aborted.
    #[serde(rename = "G1a")]
    G1a,
    /// A transaction reading its own uncommitted write.
    #[serde(rename = "precommitted-read")]
    PrecommittedRead,
    /// A record below a group's final committed offset that no member finished processing.
    #[serde(rename = "lost-processing")]
    LostProcessing,
    /// A record a group finished processing more than once.
    #[serde(rename = "duplicate-processing")]
    DuplicateProcessing,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 15] = [
        AnomalyKind::LostWrite,
        AnomalyKind::Unseen,
        AnomalyKind::Duplicate,
        AnomalyKind::IntDuplicate,
        AnomalyKind::InconsistentOffsets,
        AnomalyKind::NonmonotonicSend,
        AnomalyKind::IntNonmonotonicSend,
        AnomalyKind::PollSkip,
        AnomalyKind::IntPollSkip,
        AnomalyKind::NonmonotonicPoll,
        AnomalyKind::IntNonmonotonicPoll,
        AnomalyKind::G1a,
        AnomalyKind::PrecommittedRead,
        AnomalyKind::LostProcessing,
        AnomalyKind::DuplicateProcessing,
    ];

    /// Judged on what a consumer group processed, not on sends and reads.
    pub fn is_group_level(self) -> bool {
        matches!(
            self,
            AnomalyKind::LostProcessing | AnomalyKind::DuplicateProcessing
        )
    }

    /// The name used in results and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::LostWrite => "lost-write",
            AnomalyKind::Unseen => "unseen",
            AnomalyKind::Duplicate => "duplicate",
            AnomalyKind::IntDuplicate => "int-duplicate",
            AnomalyKind::InconsistentOffsets => "inconsistent-offsets",
            AnomalyKind::NonmonotonicSend => "nonmonotonic-send",
            AnomalyKind::IntNonmonotonicSend => "int-nonmonotonic-send",
            AnomalyKind::PollSkip => "poll-skip",
            AnomalyKind::IntPollSkip => "int-poll-skip",
            AnomalyKind::NonmonotonicPoll => "nonmonotonic-poll",
            AnomalyKind::IntNonmonotonicPoll => "int-nonmonotonic-poll",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::PrecommittedRead => "precommitted-read",
            AnomalyKind::LostProcessing => "lost-processing",
            AnomalyKind::DuplicateProcessing => "duplicate-processing",
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AnomalyKind {
    type Err = String;

    /// From the name results and reports use (`lost-write`, `G1a`, ...).
    fn from_str(name: &str) -> Result<Self, String> {
        AnomalyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| format!("unknown anomaly kind {name:?}"))
    }
}

/// One instance of an anomaly, with the operations that prove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    /// The key (partition) it concerns.
    pub key: String,
    /// The value(s) involved, in the order the explanation names them.
    pub values: Vec<Val>,
    /// The offset(s) involved, in the order the explanation names them.
    pub offsets: Vec<i64>,
    /// The `index` of every operation the proof rests on.
    pub ops: Vec<u64>,
    /// The client process, when the anomaly is about one process's view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<Process>,
    /// One plain sentence saying what happened.
    pub explanation: String,
}

/// Anomalies found so far, by kind. Each checker module adds to it.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub by_kind: BTreeMap<AnomalyKind, Vec<Anomaly>>,
}

impl Findings {
    pub fn push(&mut self, anomaly: Anomaly) {
        self.by_kind.entry(anomaly.kind).or_default().push(anomaly);
    }
}
