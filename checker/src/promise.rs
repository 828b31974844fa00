//! The promise table of SEMANTICS.md ("What each configuration promises") as
//! code: one function from a configuration and the fault classes a run
//! injected to the invariants the run is held to. Anything found that breaks
//! none of them is an allowed anomaly, reported with counts.
//!
//! [`Semantics`] is model-independent: the configuration switches that
//! matter to the table, with Kafka's names and defaults, readable from JSON
//! or TOML so any system's history can be checked against a stated config.
use super::anomaly::AnomalyKind;
use super::faults::FaultClasses;
use serde::{Deserialize, Deserializer, Serialize};

/// The producer's `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Acks {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    #[serde(rename = "all")]
    All,
}

impl<'de> Deserialize<'de> for Acks {
    /// Accepts Kafka's spellings: "0", "1", "all", "-1", and the integers 0, 1, -1.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Spelling {
            Int(i64),
            Text(String),
        }
        match Spelling::deserialize(d)? {
            Spelling::Int(0) => Ok(Acks::Zero),
            Spelling::Int(1) => Ok(Acks::One),
            Spelling::Int(-1) => Ok(Acks::All),
            Spelling::Text(s) if s == "0" => Ok(Acks::Zero),
            Spelling::Text(s) if s == "1" => Ok(Acks::One),
            Spelling::Text(s) if s == "all" || s == "-1" => Ok(Acks::All),
            _ => Err(serde::de::Error::custom(
                r#"acks must be "0", "1", "all" or "-1" (or 0, 1, -1)"#,
            )),
        }
    }
}

/// When a consumer commits offsets relative to processing the records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommitMode {
    /// `enable.auto.commit`: commits at the next poll what the previous one returned.
    Auto,
    BeforeProcessing,
    AfterProcessing,
}

/// The configuration, as far as the promise table cares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Semantics {
    pub acks: Acks,
    pub min_insync_replicas: u32,
    pub replication_factor: u32,
    pub unclean_leader_election: bool,
    pub enable_idempotence: bool,
    pub retries: u32,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight: u32,
    /// `flush.messages`: fsync after this many messages; `None` is Kafka's
    /// default, never (rely on replication).
    pub flush_messages: Option<u64>,
    /// A `transactional.id` is set.
    pub transactional: bool,
    /// `isolation.level=read_committed`.
    pub read_committed: bool,
    pub commit_mode: Option<CommitMode>,
    /// Pre-KIP-101 truncation to the local high watermark on becoming a
    /// follower (`logjam.legacy.hw.truncation`). `logjam.legacy.restart.keeps.isr`
    /// is not here: on its own it changes no promise.
    pub legacy_hw_truncation: bool,
    /// Offset commits from stale generations accepted.
    pub legacy_no_commit_fencing: bool,
    /// `logjam.legacy.transaction.v1`: the transaction protocol before
    /// KIP-890 (no partition verification, no epoch bump per transaction).
    pub legacy_transaction_v1: bool,
    /// Eligible leader replicas and unclean-shutdown handling (KIP-966,
    /// Kafka 4.1): a broker that restarts without a clean shutdown leaves
    /// every ISR and ELR, so a replica that lost unflushed records to a
    /// power loss is never elected cleanly again.
    pub eligible_leader_replicas: bool,
}

impl Default for Semantics {
    /// Kafka 3.x defaults, except a replication factor of 3 (a cluster's
    /// usual setting; Kafka's own default is 1).
    fn default() -> Self {
        Self {
            acks: Acks::All,
            min_insync_replicas: 1,
            replication_factor: 3,
            unclean_leader_election: false,
            enable_idempotence: true,
            retries: i32::MAX as u32,
            max_in_flight: 5,
            flush_messages: None,
            transactional: false,
            read_committed: false,
            commit_mode: None,
            legacy_hw_truncation: false,
            legacy_no_commit_fencing: false,
            legacy_transaction_v1: false,
            eligible_leader_replicas: false,
        }
    }
}

impl Semantics {
    /// Idempotence actually in effect. Kafka requires acks=all, retries > 0
    /// and at most 5 requests in flight; when the default `enable.idempotence`
    /// meets a conflicting setting the producer silently runs without it, so
    /// nothing is promised on its account.
    pub fn idempotent(&self) -> bool {
        self.enable_idempotence
            && self.acks == Acks::All
            && self.retries > 0
            && self.max_in_flight <= 5
    }

    /// Acknowledged data can vanish from the log itself: a truncation that
    /// the leader-epoch protocol would have prevented, or a power loss with
    /// unflushed data on a replica that may still lead. With eligible leader
    /// replicas (KIP-966) the replica that lost power leaves every ISR and
    /// ELR when it registers again, so it never leads without the records
    /// (the partition stays offline instead, unless unclean election is on).
    fn log_can_rewind(&self, faults: &FaultClasses) -> bool {
        self.legacy_hw_truncation || (faults.power_loss && !self.power_loss_covered(faults))
    }

    /// The run's power losses cannot take acknowledged records: every
    /// append is fsynced, or KIP-966 keeps a replica that lost them from
    /// being elected and the run had fewer unclean shutdowns (power losses
    /// and crashes) than min.insync.replicas: each committed record is on
    /// min.insync.replicas replicas, so one that shut down cleanly still
    /// holds it and stays eligible (KIP-966 tolerates min ISR - 1).
    fn power_loss_covered(&self, faults: &FaultClasses) -> bool {
        self.flush_messages == Some(1)
            || (self.eligible_leader_replicas
                && faults.unclean_shutdowns < self.min_insync_replicas)
    }

    /// Why power loss is covered, for a promise's reason.
    fn power_loss_reason(&self) -> &'static str {
        if self.flush_messages == Some(1) {
            "flush.messages=1"
        } else {
            "eligible leader replicas (KIP-966, Kafka 4.1) and fewer unclean shutdowns (power losses, crashes) than min.insync.replicas"
        }
    }

    /// The pre-KIP-890 protocol assumes requests sent over different
    /// connections arrive in order; any fault that can hold a request back
    /// (a pause, a cut or held link, a crash whose retries go elsewhere) lets
    /// a late produce join, or a late EndTxn end, the next transaction
    /// (TRANSACTIONS.md, "The historical protocol hazard").
    fn transactions_can_mix(&self, faults: &FaultClasses) -> bool {
        self.legacy_transaction_v1
            && (faults.pause
                || faults.delay
                || faults.partition
                || faults.process_crash
                || faults.client_crash)
    }
}

/// The invariants a run can be held to. The variant names (kebab-case,
/// strum) are the one spelling, stable in `result.json`.
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
    parse_err_fn = unknown_promise
)]
pub enum PromiseName {
    NoAckedLoss,
    NoDuplicates,
    PerPartitionOrder,
    ConsistentOffsets,
    NoAbortedReads,
    /// read_committed readers see each transaction's writes all or none.
    NoTornTransactions,
    /// A consumer group processes every record below its committed offsets
    /// (commit after processing, auto-commit).
    NoLostProcessing,
    /// A consumer group processes no record twice (commit before processing).
    NoDuplicateProcessing,
}

fn unknown_promise(name: &str) -> String {
    format!("unknown promise {name:?}")
}

impl TryFrom<String> for PromiseName {
    type Error = String;

    /// Serde reads a promise through its name.
    fn try_from(name: String) -> Result<Self, String> {
        name.parse()
    }
}

impl PromiseName {
    /// The name used in results and reports (`no-acked-loss`, ...).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The anomaly kinds that break it.
    pub fn broken_by(self) -> &'static [AnomalyKind] {
        match self {
            PromiseName::NoAckedLoss => &[AnomalyKind::LostWrite, AnomalyKind::Unseen],
            PromiseName::NoDuplicates => &[AnomalyKind::Duplicate, AnomalyKind::IntDuplicate],
            PromiseName::PerPartitionOrder => &[
                AnomalyKind::NonmonotonicSend,
                AnomalyKind::IntNonmonotonicSend,
            ],
            // Replicas that disagree below their high watermarks hold two values
            // for one committed offset, whether or not a read has shown it yet.
            PromiseName::ConsistentOffsets => &[
                AnomalyKind::InconsistentOffsets,
                AnomalyKind::ReplicaDivergence,
            ],
            // A transaction seeing its own uncommitted write breaks
            // read_committed as surely as seeing an aborted one.
            // A read_committed read orders its writer's commit before its own
            // (so do realtime and process order): a cycle of such edges (G1c,
            // without inferred ww edges) means some read saw uncommitted data.
            PromiseName::NoAbortedReads => &[
                AnomalyKind::G1a,
                AnomalyKind::PrecommittedRead,
                AnomalyKind::G1c,
                AnomalyKind::G1cProcess,
                AnomalyKind::G1cRealtime,
            ],
            PromiseName::NoTornTransactions => &[AnomalyKind::TornTransaction],
            PromiseName::NoLostProcessing => &[AnomalyKind::LostProcessing],
            PromiseName::NoDuplicateProcessing => &[AnomalyKind::DuplicateProcessing],
        }
    }
}

/// A promise the configuration makes, and the table row that makes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub name: PromiseName,
    pub reason: String,
    /// The anomaly kinds that break it.
    pub broken_by: &'static [AnomalyKind],
}

/// The promises `sem` makes to a run that injected `faults`, in a fixed order.
pub fn promises(sem: &Semantics, faults: &FaultClasses) -> Vec<Promise> {
    let mut out = Vec::new();
    // Offsets (and so acknowledged positions) mean something only while the
    // log never rewinds: after an unclean election or an unflushed power loss,
    // later records reuse the offsets of lost ones.
    let offsets_stable = !sem.unclean_leader_election && !sem.log_can_rewind(faults);
    let mut promise = |name: PromiseName, reason: String| {
        out.push(Promise {
            name,
            reason,
            broken_by: name.broken_by(),
        })
    };

    // acks=0 and acks=1 promise nothing about loss; acks=all with
    // min.insync=1 is "as acks=1"; unclean election gives it up again.
    let durable = sem.acks == Acks::All && sem.min_insync_replicas >= 2 && offsets_stable;
    // The pre-KIP-890 hazards promise nothing about aborted reads, torn
    // transactions or committed loss (TRANSACTIONS.md's last row).
    let mixing = sem.transactional && sem.transactions_can_mix(faults);
    if durable && !mixing {
        let power = if faults.power_loss {
            format!(" and, with {}, power loss", sem.power_loss_reason())
        } else {
            String::new()
        };
        promise(
            PromiseName::NoAckedLoss,
            format!(
                "acks=all, min.insync.replicas={}, replication.factor={}, unclean election off: acknowledged writes survive \
                 partitions, pauses and process crashes{power} (SEMANTICS.md row \"acks=all, min.insync≥2, unclean off\")",
                sem.min_insync_replicas, sem.replication_factor
            ),
        );
    }

    if sem.retries == 0 {
        promise(
            PromiseName::NoDuplicates,
            "retries=0: the producer never sends a value twice (SEMANTICS.md row \"acks=1\": no duplicates without retries)".into(),
        );
    } else if sem.idempotent() && offsets_stable {
        // The broker de-duplicates by the producer state it rebuilds from its
        // log: a log that rewinds (unclean election, unflushed power loss)
        // forgets the sequences of what it lost, and a retry of a batch that
        // had been written lands again (found by a compound power-loss sweep).
        promise(
            PromiseName::NoDuplicates,
            "idempotence: the leader answers a resent batch with its original offset (SEMANTICS.md row \"idempotence\")".into(),
        );
    }

    // Order is judged by acknowledged offsets (the checker leaves out writes
    // the log lost), so it needs stable offsets.
    let order_reason = if !offsets_stable {
        None
    } else if sem.idempotent() {
        Some("idempotence: sequence numbers keep a producer's batches in order per partition (SEMANTICS.md row \"idempotence\")")
    } else if sem.retries == 0 {
        Some("retries=0: no batch is retried, so none can overtake another (SEMANTICS.md row \"retries, no idempotence, in-flight>1\")")
    } else if sem.max_in_flight == 1 {
        Some(
            "max.in.flight.requests.per.connection=1: a retried batch cannot overtake a later one \
             (SEMANTICS.md row \"retries, no idempotence, in-flight>1\")",
        )
    } else {
        None
    };
    if let Some(reason) = order_reason {
        promise(PromiseName::PerPartitionOrder, reason.into());
    }

    if offsets_stable {
        let power = if faults.power_loss {
            format!(", {} under power loss", sem.power_loss_reason())
        } else {
            String::new()
        };
        promise(
            PromiseName::ConsistentOffsets,
            format!(
                "unclean election off, leader-epoch truncation (KIP-101/279){power}: an offset never holds two values \
                 (SEMANTICS.md row \"any, with unclean off\")"
            ),
        );
    }

    if sem.transactional && sem.read_committed && !mixing {
        promise(
            PromiseName::NoAbortedReads,
            "transactions read with read_committed: no consumer sees an aborted or uncommitted record \
             (SEMANTICS.md row \"transactions + read_committed\")"
                .into(),
        );
        // A write the log lost leaves its transaction visible in part, so
        // atomic visibility needs the logs the durable row needs.
        if durable {
            promise(
                PromiseName::NoTornTransactions,
                format!(
                    "transactions read with read_committed on durable logs (acks=all, min.insync.replicas={}, unclean election off): \
                     markers close a transaction on every partition, so a reader sees all of its writes or none \
                     (SEMANTICS.md row \"transactions + read_committed\")",
                    sem.min_insync_replicas
                ),
            );
        }
    }

    // Consumer groups. Both rows need the logs to keep what they acknowledged:
    // a rewound data log hands out offsets a committed offset has already
    // passed (records skipped: lost processing), a rewound offsets log forgets
    // commits (records read again: duplicate processing).
    match sem.commit_mode {
        Some(mode @ (CommitMode::AfterProcessing | CommitMode::Auto)) if durable => {
            let how = if mode == CommitMode::Auto {
                "auto-commit with synchronous processing: a poll commits only what the previous poll returned and the application finished"
            } else {
                "commit after processing: an offset is committed only once the records below it are processed"
            };
            promise(
                PromiseName::NoLostProcessing,
                format!(
                    "{how}, on durable logs (acks=all, min.insync.replicas={}, unclean election off) (SEMANTICS.md row \"commit after processing / auto-commit with synchronous processing\")",
                    sem.min_insync_replicas
                ),
            );
        }
        Some(CommitMode::BeforeProcessing) if durable && !sem.legacy_no_commit_fencing => {
            promise(
                PromiseName::NoDuplicateProcessing,
                format!(
                    "commit before processing: a record is processed only after its offset is committed, commits from stale \
                     generations are rejected, and committed offsets are durable (min.insync.replicas={}) \
                     (SEMANTICS.md row \"commit before processing\")",
                    sem.min_insync_replicas
                ),
            );
        }
        _ => {}
    }
    out
}

/// A promise the configuration does not make, and why: the other half of the
/// promise table, so a report can say "not promised by acks=1: ..." next to
/// what it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotPromised {
    pub name: PromiseName,
    /// Why the table gives it up, led by the setting responsible.
    pub reason: String,
}

/// Every promise of [`PromiseName`] that [`promises`] does not make for `sem`
/// under `faults`, each with the table's reason, in [`PromiseName`] order.
pub fn not_promised(sem: &Semantics, faults: &FaultClasses) -> Vec<NotPromised> {
    let made: Vec<PromiseName> = promises(sem, faults).iter().map(|p| p.name).collect();
    <PromiseName as strum::VariantArray>::VARIANTS
        .iter()
        .filter(|n| !made.contains(n))
        .map(|&name| NotPromised {
            name,
            reason: why_not(name, sem, faults),
        })
        .collect()
}

/// Why the log may rewind under `sem` and `faults`, or `None` when its
/// offsets are stable (the precondition of most rows).
fn rewind_reason(sem: &Semantics, faults: &FaultClasses) -> Option<&'static str> {
    if sem.unclean_leader_election {
        Some("unclean.leader.election.enable=true: an out-of-sync replica can become leader and truncate acknowledged records, so offsets are reused")
    } else if sem.legacy_hw_truncation {
        Some("logjam.legacy.hw.truncation: a follower truncates to its own high watermark on becoming follower (before KIP-101), so acknowledged records can vanish and offsets are reused")
    } else if sem.log_can_rewind(faults) {
        Some("power loss without flush.messages=1: acknowledged records still in the page cache die with the broker, so offsets are reused")
    } else {
        None
    }
}

/// The reason when no row of the table makes a promise and no setting is to
/// blame; it reads after "not promised by".
const NO_ROW: &str = "the promise table: no row of it makes this promise for this configuration";

fn why_not(name: PromiseName, sem: &Semantics, faults: &FaultClasses) -> String {
    let rewind = rewind_reason(sem, faults);
    match name {
        PromiseName::NoAckedLoss => match (sem.acks, rewind) {
            (Acks::Zero, _) => "acks=0: the producer counts a send as done once it is on the wire; no broker ever confirms it".into(),
            (Acks::One, _) => "acks=1: the leader acknowledges before any follower has the record; a leader change loses it".into(),
            (Acks::All, _) if sem.min_insync_replicas < 2 => format!(
                "acks=all with min.insync.replicas={}: a leader alone in its ISR acknowledges what no follower has (as acks=1)",
                sem.min_insync_replicas
            ),
            (Acks::All, Some(r)) => r.into(),
            (Acks::All, None) if sem.transactional && sem.transactions_can_mix(faults) => {
                "logjam.legacy.transaction.v1 under pauses, delayed requests, partitions or crashes: a delayed produce that lands after its \
                 transaction's ABORT marker can be committed by the next transaction, which proves the aborted one committed while its \
                 other writes stay aborted (KIP-890)"
                    .into()
            }
            (Acks::All, None) => NO_ROW.into(),
        },
        PromiseName::NoDuplicates => {
            if sem.idempotent() {
                format!("idempotence, but the broker rebuilds its de-duplication state from a log that can rewind ({})", rewind.unwrap_or("offsets are reused"))
            } else if sem.enable_idempotence {
                format!(
                    "enable.idempotence is not in effect (it needs acks=all, retries>0, max.in.flight.requests.per.connection<=5; here acks={}, retries={}, in-flight={}): a retried batch that had been written is written again",
                    acks_name(sem.acks), sem.retries, sem.max_in_flight
                )
            } else {
                "retries without idempotence: a batch whose acknowledgement was lost is sent again and written twice".into()
            }
        }
        PromiseName::PerPartitionOrder => match rewind {
            Some(r) => r.into(),
            None => format!(
                "retries without idempotence and max.in.flight.requests.per.connection={}: a retried batch can land after a later one",
                sem.max_in_flight
            ),
        },
        PromiseName::ConsistentOffsets => rewind
            .unwrap_or(NO_ROW)
            .into(),
        PromiseName::NoAbortedReads | PromiseName::NoTornTransactions => {
            let durable = sem.acks == Acks::All && sem.min_insync_replicas >= 2 && rewind.is_none();
            if !sem.transactional && name == PromiseName::NoTornTransactions {
                "no transactional.id: no transaction to tear, there is nothing to promise".into()
            } else if !sem.transactional {
                "no transactional.id: nothing is aborted, there is nothing to promise".into()
            } else if !sem.read_committed {
                "isolation.level=read_uncommitted: consumers see records of open and aborted transactions by design".into()
            } else if sem.transactions_can_mix(faults) {
                "logjam.legacy.transaction.v1 under pauses, delayed requests, partitions or crashes: a delayed produce can join, or a delayed EndTxn end, \
                 the next transaction (KIP-890)"
                    .into()
            } else if name == PromiseName::NoTornTransactions && !durable {
                format!(
                    "the logs are not durable (acks={}, min.insync.replicas={}{}): a transaction's write the log lost leaves it visible in part",
                    acks_name(sem.acks),
                    sem.min_insync_replicas,
                    rewind.map(|r| format!("; {r}")).unwrap_or_default()
                )
            } else {
                NO_ROW.into()
            }
        }
        PromiseName::NoLostProcessing | PromiseName::NoDuplicateProcessing => {
            let durable = sem.acks == Acks::All && sem.min_insync_replicas >= 2 && rewind.is_none();
            match (name, sem.commit_mode) {
                (_, None) => "no consumer group in this workload".into(),
                (PromiseName::NoLostProcessing, Some(CommitMode::BeforeProcessing)) => {
                    "commit before processing (at most once): a member that dies after committing and before processing skips those records".into()
                }
                (PromiseName::NoDuplicateProcessing, Some(CommitMode::AfterProcessing | CommitMode::Auto)) => {
                    "commit after processing or auto-commit (at least once): a member that dies after processing and before committing has those records processed again".into()
                }
                _ if sem.legacy_no_commit_fencing => "logjam.legacy.no.commit.fencing: commits from stale generations are accepted".into(),
                _ if !durable => format!(
                    "the logs are not durable (acks={}, min.insync.replicas={}{}): a committed offset or the records below it can vanish",
                    acks_name(sem.acks),
                    sem.min_insync_replicas,
                    rewind.map(|r| format!("; {r}")).unwrap_or_default()
                ),
                _ => NO_ROW.into(),
            }
        }
    }
}

fn acks_name(acks: Acks) -> &'static str {
    match acks {
        Acks::Zero => "0",
        Acks::One => "1",
        Acks::All => "all",
    }
}
