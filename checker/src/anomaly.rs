//! The anomalies the checker names (SEMANTICS.md, "Anomalies the checker
//! names"), spelled as Jepsen's Kafka workload spells them so results compare.
use crate::history::{Process, Val};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strum::VariantArray;

/// The variant names (kebab-case, strum) are the one spelling of each kind:
/// results, reports, `[expect]` tables and serde all go through them.
/// Declaration order is the order of `result.json`'s maps.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::VariantArray,
)]
#[serde(into = "&'static str", try_from = "String")]
#[strum(
    serialize_all = "kebab-case",
    parse_err_ty = String,
    parse_err_fn = unknown_kind
)]
pub enum AnomalyKind {
    /// An acknowledged send no read observed, although reads reached its offset.
    LostWrite,
    /// An acknowledged send never observed, final reads included.
    Unseen,
    /// One value at more than one offset of a key.
    Duplicate,
    /// One value at more than one offset within a single operation's reads.
    IntDuplicate,
    /// One offset of a key holding different values in different reads.
    InconsistentOffsets,
    /// A process's acknowledged sends to a key landing out of issue order.
    NonmonotonicSend,
    IntNonmonotonicSend,
    /// Successive reads of a key jumping over an offset known to hold a record.
    PollSkip,
    IntPollSkip,
    /// Successive reads of a key going backwards (or repeating an offset).
    NonmonotonicPoll,
    IntNonmonotonicPoll,
    /// A read of a value whose send failed or whose transaction aborted.
    #[strum(serialize = "G1a")]
    G1a,
    /// A transaction reading its own uncommitted write.
    PrecommittedRead,
    /// A read_committed reader that saw some of a transaction's writes but
    /// read past the others without them.
    TornTransaction,
    /// read_committed reads of a partition that stopped below committed data
    /// for good: the last stable offset is stuck (liveness).
    StuckLso,
    /// A record below a group's final committed offset that no member finished processing.
    LostProcessing,
    /// A record a group finished processing more than once.
    DuplicateProcessing,
    /// Two replicas whose committed prefixes differ at the end of a run
    /// (judged on the replica dump, not the history).
    ReplicaDivergence,
    /// Another value landed between two consecutive sends of one operation
    /// to a key (Jepsen: always allowed, transactions interleave).
    IntSendSkip,
    /// Write cycles between transactions (Jepsen's names; always allowed).
    #[strum(serialize = "G0")]
    G0,
    #[strum(serialize = "G0-process")]
    G0Process,
    #[strum(serialize = "G0-realtime")]
    G0Realtime,
    /// Cycles with a write-read edge (allowed when ww edges are inferred).
    #[strum(serialize = "G1c")]
    G1c,
    #[strum(serialize = "G1c-process")]
    G1cProcess,
    #[strum(serialize = "G1c-realtime")]
    G1cRealtime,
    /// No operation depends on another: the history is not a valid test
    /// (Jepsen's verdict only, `empty_transaction_graph`).
    EmptyTransactionGraph,
}

fn unknown_kind(name: &str) -> String {
    format!("unknown anomaly kind {name:?}")
}

impl TryFrom<String> for AnomalyKind {
    type Error = String;

    /// Serde reads a kind through its name.
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl AnomalyKind {
    /// Every kind, in declaration order.
    pub const ALL: [AnomalyKind; AnomalyKind::VARIANTS.len()] = {
        let mut all = [AnomalyKind::LostWrite; AnomalyKind::VARIANTS.len()];
        let mut i = 0;
        while i < all.len() {
            all[i] = AnomalyKind::VARIANTS[i];
            i += 1;
        }
        all
    };

    /// Judged on what a consumer group processed, not on sends and reads.
    pub fn is_group_level(self) -> bool {
        matches!(
            self,
            AnomalyKind::LostProcessing | AnomalyKind::DuplicateProcessing
        )
    }

    /// The name used in results and reports (`lost-write`, `G1a`, ...).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How damaging the kind is, 0 the most: lost data, divergent data, reads
    /// of data that should not exist, then copies, then order. Reports show
    /// the most severe kinds first.
    pub fn severity(self) -> u8 {
        match self {
            AnomalyKind::LostWrite => 0,
            AnomalyKind::Unseen => 1,
            AnomalyKind::InconsistentOffsets => 2,
            AnomalyKind::ReplicaDivergence => 3,
            AnomalyKind::LostProcessing => 4,
            AnomalyKind::G1a => 5,
            AnomalyKind::TornTransaction => 6,
            AnomalyKind::PrecommittedRead => 7,
            AnomalyKind::Duplicate => 8,
            AnomalyKind::IntDuplicate => 9,
            AnomalyKind::DuplicateProcessing => 10,
            AnomalyKind::StuckLso => 11,
            AnomalyKind::NonmonotonicSend => 12,
            AnomalyKind::IntNonmonotonicSend => 13,
            AnomalyKind::PollSkip => 14,
            AnomalyKind::IntPollSkip => 15,
            AnomalyKind::NonmonotonicPoll => 16,
            AnomalyKind::IntNonmonotonicPoll => 17,
            AnomalyKind::G1c => 18,
            AnomalyKind::G1cRealtime => 19,
            AnomalyKind::G1cProcess => 20,
            AnomalyKind::G0 => 21,
            AnomalyKind::G0Realtime => 22,
            AnomalyKind::G0Process => 23,
            AnomalyKind::IntSendSkip => 24,
            AnomalyKind::EmptyTransactionGraph => 25,
        }
    }

    /// Judged in Jepsen's verdict only, never among a result's anomalies:
    /// `empty-transaction-graph`, a history that tests nothing.
    pub fn is_jepsen_verdict_only(self) -> bool {
        matches!(self, AnomalyKind::EmptyTransactionGraph)
    }

    /// A kind Jepsen's Kafka checker also reports, by the same name and rule
    /// (docs/JEPSEN.md); the others are logjam's own.
    pub fn is_jepsen(self) -> bool {
        !matches!(
            self,
            AnomalyKind::IntDuplicate
                | AnomalyKind::LostProcessing
                | AnomalyKind::DuplicateProcessing
                | AnomalyKind::ReplicaDivergence
                | AnomalyKind::TornTransaction
                | AnomalyKind::StuckLso
        )
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
    /// Of those, how many a logjam rule found that Jepsen's checker does not
    /// apply (docs/JEPSEN.md, "Differences"): left out of Jepsen's validity.
    pub beyond_jepsen: BTreeMap<AnomalyKind, u64>,
    /// Of those, how many Jepsen's rule finds but logjam's promises do not
    /// count (docs/JEPSEN.md, "Differences").
    pub outside_promises: BTreeMap<AnomalyKind, u64>,
}

impl Findings {
    pub fn push(&mut self, anomaly: Anomaly) {
        self.by_kind.entry(anomaly.kind).or_default().push(anomaly);
    }

    /// An anomaly only logjam's own rules find.
    pub fn push_beyond_jepsen(&mut self, anomaly: Anomaly) {
        *self.beyond_jepsen.entry(anomaly.kind).or_default() += 1;
        self.push(anomaly);
    }

    /// An anomaly Jepsen's rules find that breaks no logjam promise.
    pub fn push_outside_promises(&mut self, anomaly: Anomaly) {
        *self.outside_promises.entry(anomaly.kind).or_default() += 1;
        self.push(anomaly);
    }
}
