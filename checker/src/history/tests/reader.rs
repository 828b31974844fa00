use super::EXAMPLE;
use crate::history::*;
use serde_json::json;
use std::collections::BTreeMap;

fn reads(entries: &[(&str, &[(i64, i64)])]) -> Reads {
    entries
        .iter()
        .map(|(k, rs)| {
            (
                k.to_string(),
                rs.iter().map(|&(o, v)| (o, Val::Int(v))).collect(),
            )
        })
        .collect()
}

#[test]
fn reads_the_example_of_history_md() {
    let h = parse_history(EXAMPLE).expect("example parses");
    let header = h.header.as_ref().expect("header kept");
    assert_eq!(header.get("seed"), Some(&json!(7)));
    assert_eq!(h.ops.len(), 5);
    let send_ok = &h.ops[1];
    assert_eq!(
        (send_ok.index, send_ok.time_ns, send_ok.op_type),
        (1, Some(4_000_000), OpType::Ok)
    );
    assert_eq!(send_ok.process, Process::Id(0));
    assert_eq!(
        send_ok.value,
        OpValue::Micro(vec![MicroOp::Send {
            key: "orders/0".into(),
            value: Val::Int(1),
            offset: Some(0)
        }])
    );
    assert_eq!(
        h.ops[0].value,
        OpValue::Micro(vec![MicroOp::Send {
            key: "orders/0".into(),
            value: Val::Int(1),
            offset: None
        }])
    );
    let nemesis = &h.ops[2];
    assert!(nemesis.process.is_nemesis());
    assert_eq!(
        nemesis.value,
        OpValue::Other(json!({"broker":1,"power_loss":false}))
    );
    assert!(h.ops[3].final_read && h.ops[4].final_read && !h.ops[1].final_read);
    assert_eq!(
        h.ops[3].value,
        OpValue::Micro(vec![MicroOp::Poll { reads: None }])
    );
    assert_eq!(
        h.ops[4].value,
        OpValue::Micro(vec![MicroOp::Poll {
            reads: Some(reads(&[("orders/0", &[])]))
        }])
    );
}

#[test]
fn accepts_a_file_without_metadata_and_numbers_absent_indices_in_file_order() {
    let text = "\n{\"process\":1,\"type\":\"invoke\",\"f\":\"poll\",\"value\":[[\"poll\"]]}\r\n\n   \n{\"process\":1,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"k\":[[0,\"a\"]]}]]}\n{\"index\":7,\"process\":2,\"type\":\"invoke\",\"f\":\"poll\"}\n{\"process\":2,\"type\":\"fail\",\"f\":\"poll\",\"value\":[[\"poll\"]]}\n";
    let h = parse_history(text).expect("parses");
    assert!(h.header.is_none());
    let indices: Vec<u64> = h.ops.iter().map(|o| o.index).collect();
    assert_eq!(indices, vec![0, 1, 7, 8]);
    assert_eq!(h.ops[0].time_ns, None);
    assert_eq!(
        h.ops[2].value,
        OpValue::Other(serde_json::Value::Null),
        "missing value is null"
    );
    match &h.ops[1].value {
        OpValue::Micro(m) => assert_eq!(
            m,
            &vec![MicroOp::Poll {
                reads: Some([("k".to_string(), vec![(0, Val::Str("a".into()))])].into())
            }]
        ),
        other => panic!("expected micro-ops, got {other:?}"),
    }
}

#[test]
fn integer_keys_are_read_as_decimal_strings() {
    let text = r#"{"process":0,"type":"ok","f":"send","value":[["send",3,[5,"x"]],["send","3",6]]}
{"process":0,"type":"ok","f":"assign","value":[0,"orders/1",12]}
"#;
    let h = parse_history(text).expect("parses");
    assert_eq!(
        h.ops[0].value,
        OpValue::Micro(vec![
            MicroOp::Send {
                key: "3".into(),
                value: Val::Str("x".into()),
                offset: Some(5)
            },
            MicroOp::Send {
                key: "3".into(),
                value: Val::Int(6),
                offset: None
            },
        ])
    );
    assert_eq!(
        h.ops[1].value,
        OpValue::Keys(vec!["0".into(), "orders/1".into(), "12".into()])
    );
}

#[test]
fn interprets_value_by_f() {
    let text = r#"{"process":0,"type":"ok","f":"commit","value":{"k":3,"j":0}}
{"process":0,"type":"ok","f":"process","value":{"k":[[1,10],[2,11]]}}
{"process":0,"type":"ok","f":"subscribe","value":["k"]}
{"process":0,"type":"ok","f":"txn","value":[["send","k",[4,12]],["poll",{"j":[[0,1]]}]]}
{"process":0,"type":"ok","f":"frobnicate","value":{"anything":[1,2]}}
{"process":0,"type":"info","f":"crash","value":null}
"#;
    let h = parse_history(text).expect("parses");
    let offsets: BTreeMap<String, i64> = [("j".to_string(), 0), ("k".to_string(), 3)].into();
    assert_eq!(h.ops[0].value, OpValue::Offsets(offsets));
    assert_eq!(
        h.ops[1].value,
        OpValue::Records(reads(&[("k", &[(1, 10), (2, 11)])]))
    );
    assert_eq!(h.ops[2].value, OpValue::Keys(vec!["k".into()]));
    assert_eq!(
        h.ops[3].value,
        OpValue::Micro(vec![
            MicroOp::Send {
                key: "k".into(),
                value: Val::Int(12),
                offset: Some(4)
            },
            MicroOp::Poll {
                reads: Some(reads(&[("j", &[(0, 1)])]))
            },
        ])
    );
    assert_eq!(h.ops[4].value, OpValue::Other(json!({"anything":[1,2]})));
    assert_eq!(h.ops[5].value, OpValue::Other(serde_json::Value::Null));
}

#[test]
fn reads_optional_fields() {
    let text = r#"{"process":"c1","type":"ok","f":"poll","value":[["poll",{}]],"node":"n1","error":"timeout","rebalance_log":[{"revoked":["k"]}],"final":false}
{"process":4,"type":"info","f":"send","value":[["send","k",[null,3]]],"error":["net","timeout"]}
"#;
    let h = parse_history(text).expect("parses");
    let op = &h.ops[0];
    assert_eq!(op.process, Process::Named("c1".into()));
    assert_eq!(
        (op.node.as_deref(), op.error.as_deref()),
        (Some("n1"), Some("timeout"))
    );
    assert_eq!(op.rebalance_log, Some(Box::new(json!([{"revoked":["k"]}]))));
    assert!(op.rebalanced() && !op.final_read);
    assert_eq!(
        h.ops[1].error.as_deref(),
        Some(r#"["net","timeout"]"#),
        "structured errors keep their JSON text"
    );
    assert_eq!(
        h.ops[1].value,
        OpValue::Micro(vec![MicroOp::Send {
            key: "k".into(),
            value: Val::Int(3),
            offset: None
        }])
    );
}

#[test]
fn accepts_minor_versions_of_version_one() {
    for header in [
        r#"{"logjam_history":1}"#,
        r#"{"logjam_history":1.2}"#,
        r#"{"logjam_history":"1.3"}"#,
    ] {
        assert!(parse_history(header).is_ok(), "{header}");
    }
}

#[test]
fn reads_a_file() {
    let path = std::env::temp_dir().join(format!(
        "logjam-history-reader-{}.jsonl",
        std::process::id()
    ));
    std::fs::write(&path, EXAMPLE).expect("write temp file");
    let h = read_history_file(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(h.expect("reads").ops.len(), 5);
}

#[test]
fn ignores_a_byte_order_mark_and_unknown_fields() {
    let text = "\u{feff}{\"logjam_history\":1}\n{\"process\":0,\"type\":\"ok\",\"f\":\"poll\",\"clock\":[1,2],\"value\":[[\"poll\",{}]]}\n";
    let h = parse_history(text).expect("parses");
    assert!(h.header.is_some());
    assert_eq!(h.ops.len(), 1);
}
