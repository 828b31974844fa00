//! parse(write(h)) == h, for a hand-picked history and for generated ones.
use super::EXAMPLE;
use crate::history::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn the_example_round_trips_byte_for_byte() {
    let h = parse_history(EXAMPLE).expect("parses");
    assert_eq!(h.to_jsonl(), EXAMPLE);
    let mut bytes = Vec::new();
    write_jsonl(&h, &mut bytes).expect("writes to memory");
    assert_eq!(String::from_utf8(bytes).ok().as_deref(), Some(EXAMPLE));
}

#[test]
fn every_value_shape_and_optional_field_round_trips() {
    let micro = OpValue::Micro(vec![
        MicroOp::Send {
            key: "k\"ey\n".into(),
            value: Val::Str("v\u{1}é".into()),
            offset: Some(-1),
        },
        MicroOp::Send {
            key: "3".into(),
            value: Val::Int(i64::MIN),
            offset: None,
        },
        MicroOp::Poll { reads: None },
        MicroOp::Poll {
            reads: Some(
                [
                    (
                        "a".to_string(),
                        vec![(0, Val::Int(1)), (7, Val::Str("x".into()))],
                    ),
                    ("b".to_string(), vec![]),
                ]
                .into(),
            ),
        },
    ]);
    let values = [
        ("txn", micro),
        ("assign", OpValue::Keys(vec!["a".into(), "b".into()])),
        ("subscribe", OpValue::Keys(vec![])),
        ("commit", OpValue::Offsets([("a".to_string(), 4)].into())),
        (
            "process",
            OpValue::Records([("a".to_string(), vec![(3, Val::Int(9))])].into()),
        ),
        (
            "partition",
            OpValue::Other(json!({"nodes":[1,2],"x":1.5,"s":"t"})),
        ),
        ("crash", OpValue::Other(serde_json::Value::Null)),
    ];
    let ops = values
        .into_iter()
        .enumerate()
        .map(|(i, (f, value))| Op {
            index: 2 * i as u64 + 3,
            time_ns: (i % 2 == 0).then_some(i as u64 * 1000),
            process: if i % 3 == 0 {
                Process::Named("nemesis".into())
            } else {
                Process::Id(i as u64)
            },
            op_type: [OpType::Invoke, OpType::Ok, OpType::Fail, OpType::Info][i % 4],
            f: f.into(),
            value,
            node: (i % 2 == 1).then(|| format!("n{i}").into()),
            error: (i == 2).then(|| "boom \"quoted\"".into()),
            rebalance_log: (i == 3).then(|| Box::new(json!([{"assigned":["a"]}]))),
            final_read: i == 4,
        })
        .collect();
    let mut header = serde_json::Map::new();
    header.insert("logjam_history".into(), json!(1));
    header.insert("scenario".into(), json!("x"));
    let h = History {
        header: Some(header),
        ops,
    };
    let text = h.to_jsonl();
    assert_eq!(parse_history(&text), Ok(h.clone()));
    assert_eq!(
        parse_history(&text).map(|p| p.to_jsonl()),
        Ok(text),
        "writing is byte-stable"
    );
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("orders/0".to_string()),
        Just("7".to_string()),
        "[a-z/\"\\\\é\n]{0,5}"
    ]
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        any::<i64>().prop_map(Val::Int),
        "\\PC{0,4}".prop_map(|s| Val::Str(s.into()))
    ]
}

fn reads() -> impl Strategy<Value = Reads> {
    prop::collection::btree_map(
        key(),
        prop::collection::vec((any::<i64>(), val()), 0..3),
        0..3,
    )
    .prop_map(Reads::from_iter)
}

fn micro() -> impl Strategy<Value = MicroOp> {
    prop_oneof![
        (key(), val(), any::<Option<i64>>()).prop_map(|(key, value, offset)| MicroOp::Send {
            key: key.into(),
            value,
            offset
        }),
        prop::option::of(reads()).prop_map(|reads| MicroOp::Poll { reads }),
    ]
}

fn f_and_value() -> impl Strategy<Value = (String, OpValue)> {
    prop_oneof![
        (
            prop::sample::select(vec!["send", "poll", "txn"]),
            prop::collection::vec(micro(), 0..4)
        )
            .prop_map(|(f, m)| (f.to_string(), OpValue::Micro(m))),
        prop::collection::vec(key(), 0..3).prop_map(|k| ("assign".to_string(), OpValue::Keys(k))),
        prop::collection::btree_map(key(), any::<i64>(), 0..3)
            .prop_map(|o| ("commit".to_string(), OpValue::Offsets(o))),
        reads().prop_map(|r| ("process".to_string(), OpValue::Records(r))),
        (
            prop::sample::select(vec!["crash", "partition", "heal"]),
            any::<Option<i64>>()
        )
            .prop_map(|(f, v)| (
                f.to_string(),
                OpValue::Other(v.map_or(serde_json::Value::Null, |v| json!({"n": v})))
            )),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    (
        // Below the wall-clock threshold, so the reader keeps times as they are.
        prop::option::of(0..WALL_CLOCK_NS),
        prop_oneof![
            any::<u64>().prop_map(Process::Id),
            "\\PC{0,6}".prop_map(Process::Named)
        ],
        prop::sample::select(vec![OpType::Invoke, OpType::Ok, OpType::Fail, OpType::Info]),
        f_and_value(),
        prop::option::of("\\PC{0,5}"),
        prop::option::of("\\PC{0,5}"),
        any::<bool>(),
    )
        .prop_map(
            |(time_ns, process, op_type, (f, value), node, error, final_read)| Op {
                index: 0,
                time_ns,
                process,
                op_type,
                f: f.into(),
                value,
                node: node.map(Into::into),
                error: error.map(Into::into),
                rebalance_log: None,
                final_read,
            },
        )
}

proptest! {
    #[test]
    fn generated_histories_round_trip(ops in prop::collection::vec((1u64..1000, op()), 0..12)) {
        let mut index = 0u64;
        // One process per op, so every history keeps one operation at a time
        // per process; an ok completion's polls carry what they returned.
        let ops = ops.into_iter().enumerate().map(|(i, (gap, mut op))| {
            index += gap;
            op.index = index;
            op.process = match op.process {
                Process::Id(_) => Process::Id(i as u64),
                Process::Named(name) => Process::Named(format!("{name}#{i}")),
            };
            if let (OpType::Ok, OpValue::Micro(micro)) = (op.op_type, &mut op.value) {
                for m in micro {
                    if let MicroOp::Poll { reads } = m {
                        reads.get_or_insert_with(Reads::new);
                    }
                }
            }
            op
        }).collect();
        let h = History { header: None, ops };
        prop_assert_eq!(parse_history(&h.to_jsonl()), Ok(h));
    }
}
