//! The compact form `logjam check` reads a file into (`OpTable`) holds the
//! same history as `History`: the same ops, pairs and times, and the same
//! verdict from the checker, whichever form it is given.
use super::EXAMPLE;
use crate::history::synthetic::{synthetic_history, synthetic_txn_history};
use crate::history::*;
use crate::{check, CheckOptions, JepsenOptions};

fn both(text: &str) -> (History, OpTable) {
    let history = read_history(text.as_bytes()).expect("reads as a History");
    let table = read_table(text.as_bytes()).expect("reads as a table");
    (history, table)
}

fn assert_same(history: &History, table: &OpTable) {
    assert_eq!(table.len(), history.ops.len());
    for (pos, op) in history.ops.iter().enumerate() {
        let got = table.get(pos).map(|o| o.to_op());
        assert_eq!(got.as_ref(), Some(op), "op at position {pos}");
    }
    assert!(table.get(history.ops.len()).is_none());
    assert_eq!(table.header, history.header);
    assert_eq!(table.pairs(), history.pairs());
    let invoked_sends = history
        .ops
        .iter()
        .filter(|op| op.is_invoke())
        .flat_map(|op| op.value.micro_ops())
        .filter(|m| matches!(m, MicroOp::Send { .. }))
        .count();
    assert_eq!(
        table.invoked_send_count(),
        invoked_sends,
        "invoked send micro-operations counted"
    );
    assert_eq!(
        HistoryRef::from(table).isolation(),
        history.isolation(),
        "isolation from the header"
    );
}

#[test]
fn the_example_reads_the_same_into_a_table() {
    let (history, table) = both(EXAMPLE);
    assert_same(&history, &table);
    let converted = OpTable::try_from(history.clone()).expect("fits");
    assert_same(&history, &converted);
}

#[test]
fn synthetic_histories_read_the_same_and_check_the_same() {
    let options = [
        CheckOptions::default(),
        CheckOptions {
            jepsen: Some(JepsenOptions {
                subscribe: false,
                ww_deps: true,
            }),
            ..CheckOptions::default()
        },
    ];
    let mut found = 0;
    for seed in 0..3 {
        for generated in [
            synthetic_history(3_000, seed),
            synthetic_txn_history(3_000, seed),
        ] {
            let (history, table) = both(&generated.to_jsonl());
            assert_same(&history, &table);
            for opts in &options {
                let from_ops = check(&history, opts);
                found += from_ops.counts.values().sum::<u64>();
                assert_eq!(check(&table, opts), from_ops, "seed {seed}");
            }
        }
    }
    // A test that the two forms agree must compare something found.
    assert!(found > 0, "the synthetic histories break no promise");
}

#[test]
fn wall_clock_times_count_from_the_earliest_op_in_both_forms() {
    let t0 = WALL_CLOCK_NS + 5;
    let text = format!(
        "{{\"index\":0,\"time\":{},\"process\":0,\"type\":\"invoke\",\"f\":\"poll\",\"value\":[[\"poll\"]]}}\n\
         {{\"index\":1,\"time\":{t0},\"process\":0,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{{}}]]}}\n\
         {{\"index\":2,\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"partition\",\"value\":null}}\n",
        t0 + 7
    );
    let (history, table) = both(&text);
    assert_same(&history, &table);
    let times: Vec<Option<u64>> = table.iter().map(|op| op.time_ns).collect();
    assert_eq!(times, vec![Some(7), Some(0), None]);
}

#[test]
fn every_kind_of_process_and_the_rare_fields_are_kept() {
    // Small integers are numbered without hashing, large ones and names by
    // hash: all three kinds, interleaved, must pair as `History` pairs them.
    let text = r#"{"index":0,"process":3,"type":"invoke","f":"send","value":[["send","k",1]],"node":"n1"}
{"index":1,"process":1099511627776,"type":"invoke","f":"assign","value":["k"]}
{"index":2,"process":"worker-a","type":"invoke","f":"poll","value":[["poll"]]}
{"index":3,"process":3,"type":"info","f":"send","value":[["send","k",1]],"node":"n1","error":"timeout"}
{"index":4,"process":"worker-a","type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]],"rebalance_log":[{"keys":["k"]}],"final":true}
{"index":5,"process":1099511627776,"type":"fail","f":"assign","value":["k"]}
{"index":6,"process":"nemesis","type":"info","f":"crash-broker","value":{"broker":1}}
{"index":7,"process":"nemesis","type":"info","f":"restart-broker","value":{"broker":1}}
"#;
    let (history, table) = both(text);
    assert_same(&history, &table);
    let processes: Vec<Option<u32>> = (0..8).map(|pos| table.process_id(pos)).collect();
    assert_eq!(
        processes,
        [0, 1, 2, 0, 2, 1, 3, 3].map(Some).to_vec(),
        "equal processes, equal numbers, in order first met"
    );
    assert!(table.has_op_named("assign") && !table.has_op_named("process"));
}

#[test]
fn a_history_built_in_code_pairs_the_same_as_a_table() {
    // The reader refuses a completion with no open invocation; a history
    // built in code may hold one, twice for one process, and the table
    // must still pair (not re-open) exactly as `History::pairs` does.
    let op = |index: u64, op_type: OpType| Op {
        index,
        time_ns: Some(index),
        process: Process::Id(4),
        op_type,
        f: "poll".into(),
        value: OpValue::Micro(vec![MicroOp::Poll { reads: None }]),
        node: None,
        error: None,
        rebalance_log: None,
        final_read: false,
    };
    let history = History {
        header: None,
        ops: vec![
            op(0, OpType::Invoke),
            op(1, OpType::Ok),
            op(2, OpType::Ok),
            op(3, OpType::Info),
            op(4, OpType::Invoke),
            op(5, OpType::Invoke),
        ],
    };
    let table = OpTable::try_from(history.clone()).expect("fits");
    assert_same(&history, &table);
}

#[test]
fn many_operation_names_are_numbered_alike_past_the_first_few() {
    // Past the first few names a table finds a name by hash (so that no
    // file of many names makes reading quadratic): same ops either way.
    let mut text = String::new();
    for i in 0..40 {
        let f = format!("custom-{}", i % 20);
        text.push_str(&format!(
            "{{\"index\":{i},\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"{f}\",\"value\":{i}}}\n"
        ));
    }
    let (history, table) = both(&text);
    assert_same(&history, &table);
    assert!(table.has_op_named("custom-19") && !table.has_op_named("custom-20"));
}

#[test]
fn a_jepsen_edn_history_reads_the_same_into_a_table() {
    let history = parse_edn_history(super::edn::JEPSEN).expect("reads as a History");
    let table: OpTable =
        crate::history::edn::parse_edn(super::edn::JEPSEN).expect("reads as a table");
    assert!(!history.ops.is_empty());
    assert_same(&history, &table);
}
