//! Jepsen's `history.edn`, read into the same operations as JSONL.
use crate::history::*;
use serde_json::json;

/// Jepsen's Kafka workload as its store writes it: plain and record-tagged op
/// maps, integer keys, keyword types and processes, `:error` as data, and a
/// `:rebalance-log`.
pub(crate) const JEPSEN: &str = r#"{:index 0, :time 1000, :type :invoke, :process 0, :f :send, :value [[:send 3 1]]}
{:index 1, :time 2000, :type :ok, :process 0, :f :send, :value [[:send 3 [0 1]]]}
#jepsen.history.Op{:index 2, :time 2500, :type :info, :process :nemesis, :f :kill, :value nil}
{:index 3, :time 3000, :type :invoke, :process 1, :f :poll, :value [[:poll]]}
{:index 4, :time 4000, :type :ok, :process 1, :f :poll, :value [[:poll {3 [[0 1]]}]],
 :rebalance-log [{:type :assigned, :keys #{3}}]}
; a comment, and a failed send with a structured error
{:index 5, :time 5000, :type :invoke, :process 0, :f :send, :value [[:send 3 2]]}
{:index 6, :time 6000, :type :fail, :process 0, :f :send, :value [[:send 3 2]], :error [:timeout "no leader"]}
"#;

#[test]
fn reads_jepsens_op_maps() {
    let h = parse_edn_history(JEPSEN).expect("parses");
    assert_eq!(h.ops.len(), 7);
    let send = &h.ops[1];
    assert_eq!(
        (
            send.index,
            send.time_ns,
            &send.process,
            send.op_type,
            send.f.as_str()
        ),
        (1, Some(2000), &Process::Id(0), OpType::Ok, "send")
    );
    assert_eq!(
        send.value,
        OpValue::Micro(vec![MicroOp::Send {
            key: "3".into(),
            value: Val::Int(1),
            offset: Some(0)
        }])
    );
    assert!(
        h.ops[2].process.is_nemesis(),
        "a tagged record reads as its map"
    );
    assert_eq!(
        h.ops[4].value,
        OpValue::Micro(vec![MicroOp::Poll {
            reads: Some([("3".to_string(), vec![(0, Val::Int(1))])].into())
        }])
    );
    assert_eq!(
        h.ops[4].rebalance_log,
        Some(Box::new(json!([{"type": "assigned", "keys": [3]}])))
    );
    assert_eq!(h.ops[6].error.as_deref(), Some(r#"[:timeout "no leader"]"#));
}

#[test]
fn the_same_history_as_jsonl_reads_the_same() {
    let edn = parse_edn_history(JEPSEN).expect("parses");
    let jsonl = parse_history(&edn.to_jsonl()).expect("its JSONL parses");
    assert_eq!(edn, jsonl);
}

#[test]
fn a_vector_of_ops_reads_too() {
    let plain: Vec<&str> = JEPSEN
        .lines()
        .filter(|l| !l.starts_with("#jepsen"))
        .collect();
    let h = parse_edn_history(&format!("[{}]", plain.join("\n"))).expect("parses");
    assert_eq!(h.ops.len(), 6);
}

#[test]
fn errors_name_the_line() {
    let cases = [
        // Unclosed map on line 2.
        ("{:type :invoke, :process 0, :f :poll, :value [[:poll]]}\n{:type :ok", 2),
        // Not an op map.
        ("\n\n[1 2]\n", 3),
        // The contract: two open ops on one process.
        (
            "{:type :invoke, :process 0, :f :poll, :value [[:poll]]}\n\n{:type :invoke, :process 0, :f :poll, :value [[:poll]]}",
            3,
        ),
        // A field of the wrong type, on the line its map starts.
        ("{:type :invoke, :process 0, :f :poll}\n{:type :done,\n :process 1, :f :poll}", 2),
    ];
    for (text, line) in cases {
        let err = parse_edn_history(text).expect_err(text);
        assert_eq!(err.line(), Some(line), "{text}: {err}");
    }
}
