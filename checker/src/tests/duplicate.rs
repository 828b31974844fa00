use super::{check_text, found, kinds};
use crate::AnomalyKind::{Duplicate, IntDuplicate};

#[test]
fn a_value_at_two_offsets_is_a_duplicate() {
    let r = check_text(
        r#"{"process":2,"type":"invoke","f":"send","value":[["send","k",41]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[17,41]]]}
{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41],[18,50]]}]]}
{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[19,41]]}]]}
"#,
    );
    let d = found(&r, Duplicate);
    assert_eq!(d.len(), 1, "{:?}", r.anomalies);
    assert_eq!(d[0].offsets, vec![17, 19]);
    assert_eq!(d[0].ops, vec![0, 1, 1, 5]);
    assert_eq!(
        d[0].explanation,
        "41 (sent by process 2) appears in k at offsets 17 (op 1) and 19 (op 5)"
    );
    assert!(found(&r, IntDuplicate).is_empty(), "two ops, not one");
}

#[test]
fn the_same_record_read_twice_is_not_a_duplicate() {
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[3,41]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[3,41]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[3,41]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn one_poll_showing_a_value_twice_is_an_internal_duplicate() {
    let r = check_text(
        r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,"a"],[1,"b"],[2,"a"]]}]]}
"#,
    );
    let d = found(&r, IntDuplicate);
    assert_eq!(d.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (d[0].offsets.clone(), d[0].ops.clone()),
        (vec![0, 2], vec![1])
    );
    assert_eq!(
        d[0].explanation,
        r#"op 1 alone read "a" from k at offsets 0 and 2"#
    );
    // "a" stands for its last offset (Jepsen's by-value), so reading "b"
    // after it goes backwards.
    assert_eq!(
        kinds(&r),
        vec!["duplicate", "int-duplicate", "int-nonmonotonic-poll"]
    );
}

#[test]
fn an_acknowledgement_and_a_read_disagreeing_on_the_offset_is_a_duplicate() {
    // A resend after a lost response: the retry was acknowledged at 9, the
    // first copy is what a reader found at 8.
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[9,41]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[8,41],[9,41]]}]]}
"#,
    );
    assert_eq!(found(&r, Duplicate).len(), 1);
    assert_eq!(found(&r, IntDuplicate).len(), 1);
}

#[test]
fn one_record_returned_twice_by_one_op_is_not_an_internal_duplicate() {
    let r = check_text(
        r#"{"process":5,"type":"ok","f":"txn","value":[["poll",{"k":[[3,41]]}],["poll",{"k":[[3,41]]}]]}
"#,
    );
    assert!(
        found(&r, IntDuplicate).is_empty() && found(&r, Duplicate).is_empty(),
        "{:?}",
        r.anomalies
    );
    assert_eq!(
        kinds(&r),
        vec!["int-nonmonotonic-poll"],
        "reading offset 3 again"
    );
}

#[test]
fn two_polls_of_one_op_showing_a_value_at_two_offsets_is_an_internal_duplicate() {
    // Each poll alone reads the key in order; only together do they repeat
    // the value.
    let r = check_text(
        r#"{"process":5,"type":"ok","f":"txn","value":[["poll",{"k":[[3,41]]}],["poll",{"k":[[4,41]]}]]}
"#,
    );
    let d = found(&r, IntDuplicate);
    assert_eq!(d.len(), 1, "{:?}", r.anomalies);
    assert_eq!(d[0].offsets, vec![3, 4]);
}
