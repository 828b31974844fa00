use super::{check_text, found, kinds};
use crate::AnomalyKind::{G1a, TornTransaction};

const COMMITTED: &str = r#"{"logjam_history":1,"isolation_level":"read_committed"}"#;

/// Process 2's transaction writes 20 to k0 (offset 0) and 21 to k1
/// (offset 1); 10 and 11 sit around it on k1 (offset 2: its marker).
fn history(header: &str, outcome: &str, reads: &str) -> String {
    format!(
        r#"{header}
{{"process":1,"type":"ok","f":"send","value":[["send","k1",[0,10]]]}}
{{"process":2,"type":"invoke","f":"txn","value":[["send","k0",20],["send","k1",21]]}}
{{"process":2,"type":"{outcome}","f":"txn","value":[["send","k0",[0,20]],["send","k1",[1,21]]]}}
{{"process":1,"type":"ok","f":"send","value":[["send","k1",[3,11]]]}}
{reads}"#
    )
}

const READ_PAST: &str = r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10],[3,11]]}]]}
"#;

#[test]
fn a_read_committed_reader_that_saw_part_of_a_committed_transaction() {
    let r = check_text(&history(COMMITTED, "ok", READ_PAST));
    let a = found(&r, TornTransaction);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].key.as_str(), a[0].offsets.clone(), a[0].ops.clone()),
        ("k1", vec![0, 1], vec![1, 2, 5])
    );
    assert_eq!(
        a[0].explanation,
        "transaction op 2 of process 2 committed, writing 20 to k0 and 21 to k1 at offset 1; process 5, reading \
         read_committed, returned 20 from k0 at offset 0 (op 5) but read k1 from offset 0 (op 5) to offset 3 (op 5) without 21"
    );
}

#[test]
fn an_aborted_transaction_seen_in_part_is_torn_as_well_as_g1a() {
    let r = check_text(&history(COMMITTED, "fail", READ_PAST));
    assert_eq!(found(&r, TornTransaction).len(), 1, "{:?}", r.anomalies);
    assert!(found(&r, TornTransaction)[0]
        .explanation
        .contains("aborted"));
    assert_eq!(found(&r, G1a).len(), 1);
}

#[test]
fn the_final_reads_count_as_one_reader_from_the_log_start() {
    let reads = r#"{"process":8,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]]}]],"final":true}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k1":[[3,11]]}]],"final":true}
"#;
    let r = check_text(&history(COMMITTED, "ok", reads));
    let a = found(&r, TornTransaction);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert!(
        a[0].explanation
            .contains("the final reads (read_committed) returned 20 from k0 at offset 0 (op 4) but read k1 from its start to offset 3 (op 5) without 21"),
        "{}",
        a[0].explanation
    );
    assert_eq!(a[0].process, None);
}

#[test]
fn no_torn_transaction_when_the_reader_saw_it_all_or_did_not_read_past() {
    let all = r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10],[1,21],[3,11]]}]]}
"#;
    let r = check_text(&history(COMMITTED, "ok", all));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", r.anomalies);
    // Stopped below offset 1: the k1 marker may not be written yet.
    let short = r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10]]}]]}
"#;
    let r = check_text(&history(COMMITTED, "ok", short));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", r.anomalies);
    // Reads on both sides of offset 1, but in two assignments (an assign
    // that dropped k1, then one that named it again): the reader may have
    // been moved past it.
    let reassigned = r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10]]}]]}
{"process":5,"type":"ok","f":"assign","value":["k0"]}
{"process":5,"type":"ok","f":"assign","value":["k1"]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k1":[[3,11]]}]]}
"#;
    let r = check_text(&history(COMMITTED, "ok", reassigned));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", r.anomalies);
    // A rebalance naming k1 during the second poll: likewise.
    let rebalanced = r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k1":[[3,11]]}]],"rebalance_log":[{"revoked":["k1"],"assigned":["k1"]}]}
"#;
    let r = check_text(&history(COMMITTED, "ok", rebalanced));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", r.anomalies);
}

/// An assign that still names k1 keeps the consumer's position there
/// (Kafka's `assign` keeps the positions of partitions still assigned;
/// Jepsen tracks it so): the reader read past offset 1 without 21.
#[test]
fn an_assignment_still_naming_the_partition_keeps_the_span() {
    let kept = r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10]]}]]}
{"process":5,"type":"ok","f":"assign","value":["k0","k1"]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k1":[[3,11]]}]]}
"#;
    let r = check_text(&history(COMMITTED, "ok", kept));
    assert_eq!(found(&r, TornTransaction).len(), 1, "{:?}", r.anomalies);
}

#[test]
fn read_uncommitted_readers_are_not_judged() {
    // No isolation stated: Kafka's default, read_uncommitted.
    let r = check_text(&history(r#"{"logjam_history":1}"#, "ok", READ_PAST));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", kinds(&r));
    let mixed =
        r#"{"logjam_history":1,"isolation_level":{"5":"read_uncommitted","6":"read_committed"}}"#;
    let r = check_text(&history(mixed, "ok", READ_PAST));
    assert!(found(&r, TornTransaction).is_empty(), "{:?}", kinds(&r));
    let r = check_text(&history(
        mixed,
        "ok",
        &READ_PAST.replace("\"process\":5", "\"process\":6"),
    ));
    assert_eq!(found(&r, TornTransaction).len(), 1, "{:?}", kinds(&r));
}
