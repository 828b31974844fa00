//! One test per row of SEMANTICS.md's promise table.
use crate::{promises, Acks, CommitMode, FaultClasses, PromiseName, Semantics};
use PromiseName::*;

fn names(sem: &Semantics, faults: &FaultClasses) -> Vec<PromiseName> {
    promises(sem, faults).into_iter().map(|p| p.name).collect()
}

/// No idempotence, retries, several requests in flight: a baseline that
/// promises nothing about order or duplicates, so each row shows its own.
fn plain(acks: Acks) -> Semantics {
    Semantics {
        acks,
        enable_idempotence: false,
        ..Semantics::default()
    }
}

const CRASHES_AND_PARTITIONS: FaultClasses = FaultClasses {
    partition: true,
    process_crash: true,
    pause: true,
    power_loss: false,
    unclean_shutdowns: 0,
    client_crash: false,
    rebalance: false,
    delay: false,
};
const POWER_LOSS: FaultClasses = FaultClasses {
    partition: false,
    process_crash: false,
    pause: false,
    power_loss: true,
    unclean_shutdowns: 1,
    client_crash: false,
    rebalance: false,
    delay: false,
};

#[test]
fn acks_0_promises_nothing_about_loss() {
    let sem = plain(Acks::Zero);
    assert!(!names(&sem, &CRASHES_AND_PARTITIONS).contains(&NoAckedLoss));
    assert!(!names(&sem, &FaultClasses::default()).contains(&NoAckedLoss));
}

#[test]
fn acks_1_promises_no_duplicates_only_without_retries() {
    let retrying = plain(Acks::One);
    assert_eq!(
        names(&retrying, &CRASHES_AND_PARTITIONS),
        vec![ConsistentOffsets]
    );
    let once = Semantics {
        retries: 0,
        ..plain(Acks::One)
    };
    assert_eq!(
        names(&once, &CRASHES_AND_PARTITIONS),
        vec![NoDuplicates, PerPartitionOrder, ConsistentOffsets]
    );
    // The default enable.idempotence does not apply with acks=1.
    let defaulted = Semantics {
        acks: Acks::One,
        ..Semantics::default()
    };
    assert!(!defaulted.idempotent());
    assert!(!names(&defaulted, &CRASHES_AND_PARTITIONS).contains(&NoDuplicates));
}

#[test]
fn acks_all_with_min_insync_1_is_as_acks_1() {
    let sem = Semantics {
        min_insync_replicas: 1,
        ..plain(Acks::All)
    };
    assert_eq!(
        names(&sem, &CRASHES_AND_PARTITIONS),
        names(&plain(Acks::One), &CRASHES_AND_PARTITIONS)
    );
}

#[test]
fn acks_all_min_insync_2_unclean_off_promises_no_acked_loss_except_under_power_loss() {
    let sem = Semantics {
        min_insync_replicas: 2,
        ..plain(Acks::All)
    };
    assert_eq!(
        names(&sem, &CRASHES_AND_PARTITIONS),
        vec![NoAckedLoss, ConsistentOffsets]
    );
    let reason = &promises(&sem, &CRASHES_AND_PARTITIONS)[0].reason;
    assert!(
        reason.contains("min.insync.replicas=2") && reason.contains("min.insync≥2"),
        "{reason}"
    );
    assert_eq!(
        names(&sem, &POWER_LOSS),
        Vec::<PromiseName>::new(),
        "power loss without fsync loses acked writes"
    );
    let flushed = Semantics {
        flush_messages: Some(1),
        ..sem.clone()
    };
    assert_eq!(
        names(&flushed, &POWER_LOSS),
        vec![NoAckedLoss, ConsistentOffsets]
    );
    let every_ten = Semantics {
        flush_messages: Some(10),
        ..sem.clone()
    };
    assert_eq!(names(&every_ten, &POWER_LOSS), Vec::<PromiseName>::new());
    let legacy = Semantics {
        legacy_hw_truncation: true,
        ..sem
    };
    assert_eq!(
        names(&legacy, &CRASHES_AND_PARTITIONS),
        Vec::<PromiseName>::new(),
        "KIP-101 scenario 1"
    );
}

/// Kafka 4.1's eligible leader replicas (KIP-966): a replica that lost
/// unflushed records to a power loss leaves every ISR and ELR when it
/// restarts, so the durable row covers power loss without fsync; unclean
/// election still gives it up.
#[test]
fn eligible_leader_replicas_extend_the_durable_row_to_power_loss() {
    let elr = Semantics {
        min_insync_replicas: 2,
        eligible_leader_replicas: true,
        ..plain(Acks::All)
    };
    assert_eq!(
        names(&elr, &POWER_LOSS),
        vec![NoAckedLoss, ConsistentOffsets]
    );
    let reason = &promises(&elr, &POWER_LOSS)[0].reason;
    assert!(reason.contains("KIP-966"), "{reason}");
    let unclean = Semantics {
        unclean_leader_election: true,
        ..elr.clone()
    };
    assert_eq!(names(&unclean, &POWER_LOSS), Vec::<PromiseName>::new());
    // KIP-966 tolerates min.insync.replicas - 1 unclean shutdowns: a
    // second power loss may take the last copy, and a crash of the last
    // complete replica (an unclean shutdown too) leaves it out of the ELR
    // and the partition offline (compound-power-loss on 4.1 shows both).
    let twice = FaultClasses {
        unclean_shutdowns: 2,
        ..POWER_LOSS
    };
    assert_eq!(names(&elr, &twice), Vec::<PromiseName>::new());
    let min_isr_3 = Semantics {
        min_insync_replicas: 3,
        ..elr.clone()
    };
    assert_eq!(
        names(&min_isr_3, &twice),
        vec![NoAckedLoss, ConsistentOffsets]
    );
    let kafka_3_7 = Semantics {
        eligible_leader_replicas: false,
        ..elr
    };
    assert_eq!(names(&kafka_3_7, &POWER_LOSS), Vec::<PromiseName>::new());
}

#[test]
fn unclean_election_promises_nothing_about_loss() {
    let sem = Semantics {
        min_insync_replicas: 2,
        unclean_leader_election: true,
        ..plain(Acks::All)
    };
    assert_eq!(
        names(&sem, &CRASHES_AND_PARTITIONS),
        Vec::<PromiseName>::new()
    );
}

#[test]
fn retries_without_idempotence_promise_nothing_about_order_or_duplicates() {
    let sem = Semantics {
        retries: 3,
        max_in_flight: 5,
        ..plain(Acks::All)
    };
    let got = names(&sem, &FaultClasses::default());
    assert!(
        !got.contains(&NoDuplicates) && !got.contains(&PerPartitionOrder),
        "{got:?}"
    );
    let one_in_flight = Semantics {
        max_in_flight: 1,
        ..sem
    };
    let got = names(&one_in_flight, &FaultClasses::default());
    assert!(
        got.contains(&PerPartitionOrder) && !got.contains(&NoDuplicates),
        "{got:?}"
    );
}

#[test]
fn idempotence_promises_no_duplicates_and_order() {
    let sem = Semantics::default();
    assert!(sem.idempotent());
    let got = names(&sem, &CRASHES_AND_PARTITIONS);
    assert!(
        got.contains(&NoDuplicates) && got.contains(&PerPartitionOrder),
        "{got:?}"
    );
    let too_many_in_flight = Semantics {
        max_in_flight: 6,
        ..Semantics::default()
    };
    assert!(!too_many_in_flight.idempotent());
}

/// Idempotence de-duplicates against the producer state the leader rebuilds
/// from its log: once the log can rewind it promises no duplicates only
/// with fsync on every append.
#[test]
fn idempotence_promises_no_duplicates_only_on_logs_that_never_rewind() {
    let sem = Semantics::default();
    assert!(!names(&sem, &POWER_LOSS).contains(&NoDuplicates));
    let unclean = Semantics {
        unclean_leader_election: true,
        ..Semantics::default()
    };
    assert!(!names(&unclean, &CRASHES_AND_PARTITIONS).contains(&NoDuplicates));
    let fsync = Semantics {
        flush_messages: Some(1),
        ..Semantics::default()
    };
    assert!(names(&fsync, &POWER_LOSS).contains(&NoDuplicates));
    let no_retries = Semantics {
        retries: 0,
        ..Semantics::default()
    };
    assert!(
        names(&no_retries, &POWER_LOSS).contains(&NoDuplicates),
        "without retries no value is ever sent twice, whatever the log does"
    );
}

/// TRANSACTIONS.md's rows: a transactional producer (idempotence, acks=all)
/// on durable logs, read with `read_committed` or not.
fn transactional(read_committed: bool) -> Semantics {
    Semantics {
        min_insync_replicas: 2,
        transactional: true,
        read_committed,
        ..Semantics::default()
    }
}

#[test]
fn transactions_with_read_committed_promise_no_aborted_reads_no_torn_transactions_and_durability() {
    assert_eq!(
        names(&transactional(true), &CRASHES_AND_PARTITIONS),
        vec![
            NoAckedLoss,
            NoDuplicates,
            PerPartitionOrder,
            ConsistentOffsets,
            NoAbortedReads,
            NoTornTransactions
        ]
    );
    let no_txn = Semantics {
        transactional: false,
        ..transactional(true)
    };
    let got = names(&no_txn, &CRASHES_AND_PARTITIONS);
    assert!(
        !got.contains(&NoAbortedReads) && !got.contains(&NoTornTransactions),
        "{got:?}"
    );
    // G1c (circular information flow) breaks read_committed too.
    let aborted_reads = promises(&transactional(true), &CRASHES_AND_PARTITIONS)
        .into_iter()
        .find(|p| p.name == NoAbortedReads)
        .expect("promised");
    assert!(aborted_reads
        .broken_by
        .contains(&crate::AnomalyKind::G1cRealtime));
}

#[test]
fn transactions_read_uncommitted_promise_as_durable_and_allow_aborted_reads() {
    let got = names(&transactional(false), &CRASHES_AND_PARTITIONS);
    assert_eq!(
        got,
        vec![
            NoAckedLoss,
            NoDuplicates,
            PerPartitionOrder,
            ConsistentOffsets
        ]
    );
}

#[test]
fn torn_transactions_are_promised_only_on_logs_that_keep_what_they_acknowledged() {
    let lossy = Semantics {
        min_insync_replicas: 1,
        ..transactional(true)
    };
    let got = names(&lossy, &CRASHES_AND_PARTITIONS);
    assert!(
        got.contains(&NoAbortedReads) && !got.contains(&NoTornTransactions),
        "{got:?}"
    );
    let got = names(&transactional(true), &POWER_LOSS);
    assert!(!got.contains(&NoTornTransactions), "{got:?}");
}

#[test]
fn legacy_transaction_v1_promises_nothing_about_aborted_reads_torn_transactions_or_loss_under_faults(
) {
    let v1 = Semantics {
        legacy_transaction_v1: true,
        ..transactional(true)
    };
    let pauses = FaultClasses {
        pause: true,
        ..FaultClasses::default()
    };
    let delays = FaultClasses {
        delay: true,
        ..FaultClasses::default()
    };
    for faults in [pauses, delays, CRASHES_AND_PARTITIONS] {
        let got = names(&v1, &faults);
        assert_eq!(
            got,
            vec![NoDuplicates, PerPartitionOrder, ConsistentOffsets],
            "{faults:?}"
        );
    }
    // Without faults requests arrive in order, and v1 is as v2.
    assert_eq!(
        names(&v1, &FaultClasses::default()),
        names(&transactional(true), &FaultClasses::default())
    );
    // The switch means nothing without transactions.
    let plain_v1 = Semantics {
        transactional: false,
        ..v1
    };
    assert!(names(&plain_v1, &pauses).contains(&NoAckedLoss));
}

/// Durable logs under crashes and partitions: what the commit rows need.
fn durable_group(mode: CommitMode) -> Semantics {
    Semantics {
        acks: Acks::All,
        min_insync_replicas: 2,
        replication_factor: 3,
        commit_mode: Some(mode),
        ..Semantics::default()
    }
}

#[test]
fn commit_after_processing_and_auto_commit_promise_no_lost_processing() {
    for mode in [CommitMode::AfterProcessing, CommitMode::Auto] {
        let got = names(&durable_group(mode), &CRASHES_AND_PARTITIONS);
        assert!(got.contains(&NoLostProcessing), "{mode:?}: {got:?}");
        // Duplicates after a crash or a rebalance are the known way out.
        assert!(!got.contains(&NoDuplicateProcessing), "{mode:?}: {got:?}");
    }
}

#[test]
fn commit_before_processing_promises_no_duplicate_processing() {
    let got = names(
        &durable_group(CommitMode::BeforeProcessing),
        &CRASHES_AND_PARTITIONS,
    );
    assert!(got.contains(&NoDuplicateProcessing), "{got:?}");
    // Loss after a crash between commit and processing is the known way out.
    assert!(!got.contains(&NoLostProcessing), "{got:?}");
    // A zombie's unfenced commit can move the offset back: no promise then.
    let unfenced = Semantics {
        legacy_no_commit_fencing: true,
        ..durable_group(CommitMode::BeforeProcessing)
    };
    assert!(!names(&unfenced, &CRASHES_AND_PARTITIONS).contains(&NoDuplicateProcessing));
}

#[test]
fn commit_rows_need_logs_that_keep_what_they_acknowledged() {
    // min.insync.replicas=1 (Kafka's default): the data or offsets log can
    // lose acknowledged records, so neither processing promise is made.
    for mode in [
        CommitMode::Auto,
        CommitMode::AfterProcessing,
        CommitMode::BeforeProcessing,
    ] {
        let sem = Semantics {
            min_insync_replicas: 1,
            ..durable_group(mode)
        };
        let got = names(&sem, &CRASHES_AND_PARTITIONS);
        assert!(
            !got.contains(&NoLostProcessing) && !got.contains(&NoDuplicateProcessing),
            "{mode:?}: {got:?}"
        );
        // Unflushed power loss rewinds logs just the same.
        let got = names(&durable_group(mode), &POWER_LOSS);
        assert!(
            !got.contains(&NoLostProcessing) && !got.contains(&NoDuplicateProcessing),
            "{mode:?} under power loss: {got:?}"
        );
    }
}

#[test]
fn unclean_off_promises_consistent_offsets_unless_legacy_or_unflushed_power_loss() {
    let sem = plain(Acks::One);
    assert!(names(&sem, &CRASHES_AND_PARTITIONS).contains(&ConsistentOffsets));
    assert!(!names(&sem, &POWER_LOSS).contains(&ConsistentOffsets));
    assert!(names(
        &Semantics {
            flush_messages: Some(1),
            ..sem.clone()
        },
        &POWER_LOSS
    )
    .contains(&ConsistentOffsets));
    assert!(!names(
        &Semantics {
            legacy_hw_truncation: true,
            ..sem.clone()
        },
        &FaultClasses::default()
    )
    .contains(&ConsistentOffsets));
    assert!(!names(
        &Semantics {
            unclean_leader_election: true,
            ..sem
        },
        &FaultClasses::default()
    )
    .contains(&ConsistentOffsets));
}

#[test]
fn the_commit_fencing_switch_touches_no_log_promise() {
    let sem = Semantics {
        min_insync_replicas: 2,
        ..Semantics::default()
    };
    let legacy = Semantics {
        legacy_no_commit_fencing: true,
        ..sem.clone()
    };
    assert_eq!(
        names(&sem, &CRASHES_AND_PARTITIONS),
        names(&legacy, &CRASHES_AND_PARTITIONS)
    );
}

#[test]
fn semantics_read_from_json_and_toml_with_kafka_defaults() {
    let d = Semantics::default();
    assert_eq!(
        (
            d.acks,
            d.min_insync_replicas,
            d.replication_factor,
            d.max_in_flight
        ),
        (Acks::All, 1, 3, 5)
    );
    assert!(
        d.enable_idempotence
            && !d.unclean_leader_election
            && d.flush_messages.is_none()
            && d.retries > 0
    );
    let from_json: Semantics = serde_json::from_str(
        r#"{"acks":"1","min_insync_replicas":2,"commit_mode":"before-processing"}"#,
    )
    .expect("json semantics");
    assert_eq!(
        (
            from_json.acks,
            from_json.min_insync_replicas,
            from_json.commit_mode
        ),
        (Acks::One, 2, Some(CommitMode::BeforeProcessing))
    );
    for (text, acks) in [
        ("acks = 0", Acks::Zero),
        ("acks = -1", Acks::All),
        ("acks = \"all\"", Acks::All),
        ("acks = \"-1\"", Acks::All),
    ] {
        let s: Semantics = toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(s.acks, acks, "{text}");
    }
    let s: Semantics = toml::from_str("flush_messages = 1\nunclean_leader_election = true")
        .expect("toml semantics");
    assert_eq!(
        (s.flush_messages, s.unclean_leader_election),
        (Some(1), true)
    );
    assert!(serde_json::from_str::<Semantics>(r#"{"acks":2}"#).is_err());
    assert!(
        serde_json::from_str::<Semantics>(r#"{"ack":"all"}"#).is_err(),
        "unknown fields are typos"
    );
    let back: Semantics =
        serde_json::from_str(&serde_json::to_string(&from_json).expect("serializes"))
            .expect("reads back");
    assert_eq!(back, from_json);
}

#[test]
fn order_is_not_promised_once_the_log_can_rewind() {
    let idempotent = Semantics::default();
    assert!(names(&idempotent, &CRASHES_AND_PARTITIONS).contains(&PerPartitionOrder));
    // Unflushed power loss and unclean election reuse the offsets of lost
    // records, so order by offset means nothing there.
    assert!(!names(&idempotent, &POWER_LOSS).contains(&PerPartitionOrder));
    let unclean = Semantics {
        unclean_leader_election: true,
        ..Semantics::default()
    };
    assert!(!names(&unclean, &CRASHES_AND_PARTITIONS).contains(&PerPartitionOrder));
    let fsync = Semantics {
        flush_messages: Some(1),
        ..Semantics::default()
    };
    assert!(names(&fsync, &POWER_LOSS).contains(&PerPartitionOrder));
}

/// The table's other half: every promise is either made or given up with a
/// reason naming the setting responsible, never both, never neither.
#[test]
fn every_promise_not_made_has_its_reason() {
    use crate::not_promised;
    use strum::VariantArray;
    let configs = [
        plain(Acks::Zero),
        plain(Acks::One),
        Semantics {
            min_insync_replicas: 1,
            ..Semantics::default()
        },
        Semantics {
            min_insync_replicas: 2,
            unclean_leader_election: true,
            ..Semantics::default()
        },
        Semantics {
            min_insync_replicas: 2,
            commit_mode: Some(CommitMode::BeforeProcessing),
            transactional: true,
            ..Semantics::default()
        },
        Semantics {
            min_insync_replicas: 2,
            transactional: true,
            read_committed: true,
            legacy_transaction_v1: true,
            ..Semantics::default()
        },
    ];
    for sem in &configs {
        for faults in [CRASHES_AND_PARTITIONS, POWER_LOSS] {
            let made = names(sem, &faults);
            let not = not_promised(sem, &faults);
            for name in PromiseName::VARIANTS {
                let given_up = not.iter().filter(|n| n.name == *name).count();
                assert_eq!(
                    made.contains(name) as usize + given_up,
                    1,
                    "{name} for {sem:?}"
                );
            }
            for n in &not {
                assert!(
                    !n.reason.contains("no row of it makes"),
                    "{} for {sem:?} has no specific reason",
                    n.name
                );
            }
        }
    }
    let acks1 = not_promised(&plain(Acks::One), &CRASHES_AND_PARTITIONS);
    let loss = acks1
        .iter()
        .find(|n| n.name == NoAckedLoss)
        .expect("given up");
    assert!(
        loss.reason
            .starts_with("acks=1: the leader acknowledges before any follower"),
        "{}",
        loss.reason
    );
    let rf = Semantics {
        min_insync_replicas: 2,
        unclean_leader_election: true,
        ..Semantics::default()
    };
    let order = not_promised(&rf, &CRASHES_AND_PARTITIONS);
    assert!(order
        .iter()
        .all(|n| n.name != NoAckedLoss
            || n.reason.starts_with("unclean.leader.election.enable=true")));
}
