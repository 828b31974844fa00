use super::{check_text, found, kinds};
use crate::AnomalyKind::PrecommittedRead;

#[test]
fn a_transaction_reading_its_own_write() {
    let r = check_text(
        r#"{"process":3,"type":"invoke","f":"txn","value":[["send","k",41],["poll"]]}
{"process":3,"type":"ok","f":"txn","value":[["send","k",[17,41]],["poll",{"k":[[17,41]]}]]}
"#,
    );
    let a = found(&r, PrecommittedRead);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].ops.clone(), a[0].offsets.clone()),
        (vec![0, 1], vec![17])
    );
    assert_eq!(a[0].explanation, "transaction op 1 of process 3 read 41 from k at offset 17, its own write, before it had committed");
    assert_eq!(kinds(&r), vec!["precommitted-read"]);
}

#[test]
fn another_op_reading_before_the_commit_was_acknowledged_is_fine() {
    let r = check_text(
        r#"{"process":3,"type":"invoke","f":"txn","value":[["send","k",41]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41]]}]]}
{"process":3,"type":"ok","f":"txn","value":[["send","k",[17,41]]]}
{"process":6,"type":"invoke","f":"txn","value":[["send","k",42]]}
{"process":7,"type":"ok","f":"poll","value":[["poll",{"k":[[18,42]]}]]}
{"process":6,"type":"info","f":"txn","value":[["send","k",42]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_transaction_reading_other_values_is_fine() {
    let r = check_text(
        r#"{"process":3,"type":"ok","f":"txn","value":[["send","k",[18,41]],["poll",{"k":[[17,40]]}]]}
{"process":4,"type":"ok","f":"poll","value":[["poll",{"k":[[18,41]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}
