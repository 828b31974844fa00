//! The names of anomaly kinds, promises and fault classes: one spelling,
//! read back by parsing and by serde alike.
use crate::fault_class::{classify, FaultClass, FaultUndo};
use crate::{AnomalyKind, PromiseName};
use serde_json::{json, Value};
use strum::VariantArray;

#[test]
fn anomaly_kinds_keep_their_published_names() {
    let names: Vec<&str> = AnomalyKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "lost-write",
            "unseen",
            "duplicate",
            "int-duplicate",
            "inconsistent-offsets",
            "nonmonotonic-send",
            "int-nonmonotonic-send",
            "poll-skip",
            "int-poll-skip",
            "nonmonotonic-poll",
            "int-nonmonotonic-poll",
            "G1a",
            "precommitted-read",
            "torn-transaction",
            "stuck-lso",
            "lost-processing",
            "duplicate-processing",
            "replica-divergence",
            "int-send-skip",
            "G0",
            "G0-process",
            "G0-realtime",
            "G1c",
            "G1c-process",
            "G1c-realtime",
            "empty-transaction-graph",
        ]
    );
    for kind in AnomalyKind::ALL {
        assert_eq!(kind.to_string(), kind.as_str());
        let back: AnomalyKind = serde_json::from_value(json!(kind.as_str())).expect("reads");
        assert_eq!(back, kind);
    }
    let err = serde_json::from_value::<AnomalyKind>(json!("meteor")).expect_err("unknown");
    assert!(err.to_string().contains("unknown anomaly kind"), "{err}");
}

#[test]
fn severity_ranks_every_kind_once() {
    let mut ranks: Vec<u8> = AnomalyKind::ALL.iter().map(|k| k.severity()).collect();
    ranks.sort_unstable();
    let expected: Vec<u8> = (0..AnomalyKind::ALL.len() as u8).collect();
    assert_eq!(ranks, expected);
}

#[test]
fn promise_names_round_trip() {
    let names: Vec<&str> = PromiseName::VARIANTS.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "no-acked-loss",
            "no-duplicates",
            "per-partition-order",
            "consistent-offsets",
            "no-aborted-reads",
            "no-torn-transactions",
            "no-lost-processing",
            "no-duplicate-processing",
        ]
    );
    for &name in PromiseName::VARIANTS {
        assert_eq!(name.as_str().parse::<PromiseName>(), Ok(name));
        assert_eq!(serde_json::to_value(name).expect("writes"), name.as_str());
        let back: PromiseName = serde_json::from_value(json!(name.as_str())).expect("reads");
        assert_eq!(back, name);
    }
    assert!("no-meteors".parse::<PromiseName>().is_err());
}

#[test]
fn fault_names_classify_and_name_their_undo() {
    let none = Value::Null;
    let cases = [
        ("partition-random-halves", Some(FaultClass::Partition)),
        ("isolate-completely", Some(FaultClass::Partition)),
        ("bridge", Some(FaultClass::Partition)),
        ("one-way", Some(FaultClass::Partition)),
        ("partition-cut", Some(FaultClass::Partition)),
        ("crash", Some(FaultClass::Crash)),
        ("power-loss-all", Some(FaultClass::PowerLoss)),
        ("pause", Some(FaultClass::Pause)),
        ("kill-consumer", Some(FaultClass::ClientCrash)),
        ("pause-consumer", Some(FaultClass::ClientPause)),
        ("rebalance-churn", Some(FaultClass::Rebalance)),
        ("delay-client", Some(FaultClass::Delay)),
        ("heal", None),
        ("restart", None),
        ("resume-consumers", None),
        ("meteor", None),
    ];
    for (name, class) in cases {
        assert_eq!(classify(name, &none), class, "{name}");
    }
    assert_eq!(
        classify("crash", &json!({"broker": 1, "power_loss": true})),
        Some(FaultClass::PowerLoss)
    );
    assert_eq!(
        FaultUndo::of_name("restart-consumers"),
        Some(FaultUndo::RestartConsumers)
    );
    assert_eq!(FaultUndo::of_name("crash"), None);
    assert_eq!(FaultClass::Partition.undone_by(), Some(FaultUndo::Heal));
    assert_eq!(FaultClass::Rebalance.undone_by(), None);
}
