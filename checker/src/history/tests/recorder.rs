use crate::history::*;
use serde_json::json;

#[test]
fn records_in_call_order_with_node_carried_to_the_completion() {
    let mut r = Recorder::new();
    let send = OpValue::Micro(vec![MicroOp::Send {
        key: "k".into(),
        value: Val::Int(1),
        offset: None,
    }]);
    assert_eq!(
        r.invoke(10, Process::Id(0), "send", send, Some("producer-1".into())),
        0
    );
    assert_eq!(r.nemesis(15, "partition", json!({"halves":[[1],[2,3]]})), 1);
    let done = OpValue::Micro(vec![MicroOp::Send {
        key: "k".into(),
        value: Val::Int(1),
        offset: Some(0),
    }]);
    assert_eq!(
        r.complete(20, Process::Id(0), OpType::Ok, "send", done, None),
        2
    );
    assert_eq!(
        r.invoke_final(
            30,
            Process::Id(1),
            "poll",
            OpValue::Micro(vec![MicroOp::Poll { reads: None }]),
            None
        ),
        3
    );
    let reads = OpValue::Micro(vec![MicroOp::Poll {
        reads: Some([("k".to_string(), vec![(0, Val::Int(1))])].into()),
    }]);
    assert_eq!(
        r.complete_final(40, Process::Id(1), OpType::Ok, "poll", reads, None),
        4
    );
    assert_eq!(r.len(), 5);
    let h = r.into_history();
    assert!(h.header.is_none());
    assert_eq!(h.ops[2].node.as_deref(), Some("producer-1"));
    assert!(h.ops[1].process.is_nemesis() && h.ops[1].op_type == OpType::Info);
    assert!(h.ops[3].final_read && h.ops[4].final_read && !h.ops[2].final_read);
    let expected = concat!(
        r#"{"index":0,"time":10,"process":0,"type":"invoke","f":"send","value":[["send","k",1]],"node":"producer-1"}"#,
        "\n",
        r#"{"index":1,"time":15,"process":"nemesis","type":"info","f":"partition","value":{"halves":[[1],[2,3]]}}"#,
        "\n",
        r#"{"index":2,"time":20,"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]],"node":"producer-1"}"#,
        "\n",
        r#"{"index":3,"time":30,"process":1,"type":"invoke","f":"poll","value":[["poll"]],"final":true}"#,
        "\n",
        r#"{"index":4,"time":40,"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]],"final":true}"#,
        "\n",
    );
    assert_eq!(h.to_jsonl(), expected);
}

#[test]
fn take_history_sets_the_header_and_empties_the_recorder() {
    let mut r = Recorder::new();
    r.nemesis(0, "heal", serde_json::Value::Null);
    let mut header = serde_json::Map::new();
    header.insert("seed".into(), json!(3));
    header.insert("logjam_history".into(), json!(1));
    let h = r.take_history(header);
    assert!(r.is_empty());
    assert_eq!(h.ops.len(), 1);
    assert!(h
        .to_jsonl()
        .starts_with("{\"logjam_history\":1,\"seed\":3}\n"));
}
