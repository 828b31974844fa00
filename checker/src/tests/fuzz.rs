//! The checker never panics and is deterministic, on any well-formed history
//! however inconsistent: random sends, polls and transactions over a few
//! keys, values and offsets, with random outcomes and interleavings.
use crate::history::{History, MicroOp, Op, OpType, OpValue, Process, Reads, Val};
use crate::{check, CheckOptions, Semantics};
use proptest::prelude::*;

fn micro() -> impl Strategy<Value = MicroOp> {
    let key = prop::sample::select(vec!["a", "b"]).prop_map(str::to_string);
    let reads = prop::collection::btree_map(
        key.clone(),
        prop::collection::vec((-1i64..6, (0i64..6).prop_map(Val::Int)), 0..5),
        0..3,
    )
    .prop_map(Reads::from_iter);
    prop_oneof![
        (key, 0i64..6, prop::option::of(-1i64..6)).prop_map(|(key, v, offset)| MicroOp::Send {
            key: key.into(),
            value: Val::Int(v),
            offset
        }),
        prop::option::of(reads).prop_map(|reads| MicroOp::Poll { reads }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let f = prop::sample::select(vec![
        "send",
        "poll",
        "txn",
        "assign",
        "crash",
        "partition",
        "power-loss",
    ]);
    let op_type =
        prop::sample::select(vec![OpType::Invoke, OpType::Ok, OpType::Fail, OpType::Info]);
    (
        0u64..4,
        op_type,
        f,
        prop::collection::vec(micro(), 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(p, op_type, f, micro, final_read, rebalanced)| {
            let nemesis = matches!(f, "partition" | "power-loss");
            let value = match f {
                "assign" => OpValue::Keys(vec!["a".into()]),
                "send" | "poll" | "txn" => OpValue::Micro(micro),
                _ => OpValue::Other(serde_json::Value::Null),
            };
            Op {
                index: 0,
                time_ns: None,
                process: if nemesis {
                    Process::nemesis()
                } else {
                    Process::Id(p)
                },
                op_type,
                f: f.into(),
                value,
                node: None,
                error: None,
                rebalance_log: rebalanced.then(|| Box::new(serde_json::json!(["a"]))),
                final_read,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_history_checks_without_panicking_and_deterministically(ops in prop::collection::vec(op(), 0..30)) {
        let ops = ops.into_iter().enumerate().map(|(i, mut op)| { op.index = i as u64; op }).collect();
        let history = History { header: None, ops };
        let opts = CheckOptions { semantics: Some(Semantics::default()), faults: None, jepsen: None };
        let first = check(&history, &opts);
        let second = check(&history, &opts);
        prop_assert_eq!(&first, &second);
        for (kind, list) in &first.anomalies {
            prop_assert!(!list.is_empty());
            prop_assert_eq!(first.counts.get(kind).copied(), Some(list.len() as u64));
            for a in list {
                prop_assert_eq!(a.kind, *kind);
                prop_assert!(!a.ops.is_empty() && !a.explanation.is_empty());
            }
        }
        prop_assert!(serde_json::to_string(&first).is_ok());
    }
}
