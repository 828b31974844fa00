use super::{check_text, found, kinds};
use crate::AnomalyKind::G1a;

#[test]
fn reading_a_failed_send_is_g1a() {
    let r = check_text(
        r#"{"process":3,"type":"invoke","f":"send","value":[["send","k",41]]}
{"process":3,"type":"fail","f":"send","value":[["send","k",41]],"error":"NOT_ENOUGH_REPLICAS"}
{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41]]}]]}
"#,
    );
    let a = found(&r, G1a);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].ops.clone(), a[0].offsets.clone()),
        (vec![0, 1, 3], vec![17])
    );
    assert_eq!(a[0].explanation, "op 3 read 41 from k at offset 17 (and 1 more read), but process 3's send of it failed (op 1)");
}

#[test]
fn reading_an_aborted_transaction_is_g1a() {
    let r = check_text(
        r#"{"process":3,"type":"invoke","f":"txn","value":[["send","k",41],["send","j",42]]}
{"process":3,"type":"fail","f":"txn","value":[["send","k",41],["send","j",42]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"j":[[0,42]]}]]}
"#,
    );
    let a = found(&r, G1a);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        a[0].explanation,
        "transaction op 1 of process 3 aborted; process 5 returned its value 42 from j at offset 0 (op 2)"
    );
    // With times and the reader's isolation level stated, the card tells both.
    let r = check_text(
        r#"{"logjam_history":1,"isolation_level":{"5":"read_uncommitted"}}
{"process":3,"type":"invoke","f":"txn","value":[["send","k",41]],"time":1000000000}
{"process":3,"type":"fail","f":"txn","value":[["send","k",41]],"time":3200000000}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[40,41]]}]],"time":3300000000}
"#,
    );
    assert_eq!(
        found(&r, G1a)[0].explanation,
        "transaction op 1 of process 3 aborted at 3.200 s; process 5, reading read_uncommitted, returned its value 41 \
         from k at offset 40 (op 2)"
    );
}

#[test]
fn reading_an_unknown_send_or_not_reading_a_failed_one_is_fine() {
    let r = check_text(
        r#"{"process":3,"type":"info","f":"send","value":[["send","k",41]]}
{"process":4,"type":"fail","f":"send","value":[["send","k",42]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,41]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn reads_of_a_failed_poll_do_not_count() {
    let r = check_text(
        r#"{"process":4,"type":"fail","f":"send","value":[["send","k",42]]}
{"process":5,"type":"fail","f":"poll","value":[["poll",{"k":[[0,42]]}]]}
"#,
    );
    assert_eq!(kinds(&r), Vec::<&str>::new());
    assert_eq!(r.stats.polls, 0);
}
