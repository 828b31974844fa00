use super::{check_text, found, kinds};
use crate::history::Val;
use crate::AnomalyKind::{IntNonmonotonicSend, NonmonotonicSend};

#[test]
fn later_send_acknowledged_at_a_lower_offset() {
    let r = check_text(
        r#"{"process":2,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":2,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[3,2]]]}
"#,
    );
    let a = found(&r, NonmonotonicSend);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].values.clone(), a[0].offsets.clone(), a[0].ops.clone()),
        (vec![Val::Int(1), Val::Int(2)], vec![5, 3], vec![0, 1, 2, 3])
    );
    assert_eq!(
        a[0].explanation,
        "process 2 sent 1 then, in a later operation, 2 to k, but they landed at offsets 5 then 3 (delta -1)"
    );
    // Never read: both are unseen too (Jepsen's rule).
    assert_eq!(kinds(&r), vec!["unseen", "nonmonotonic-send"]);
}

#[test]
fn other_processes_other_keys_and_increasing_offsets_are_fine() {
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":3,"type":"ok","f":"send","value":[["send","k",[3,2]]]}
{"process":2,"type":"ok","f":"send","value":[["send","j",[0,3]]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[6,4]]]}
{"process":2,"type":"fail","f":"send","value":[["send","k",[1,5]]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[3,2],[5,1],[6,4]],"j":[[0,3]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn out_of_order_within_one_op_is_internal() {
    let r = check_text(
        r#"{"process":2,"type":"invoke","f":"txn","value":[["send","k",1],["send","k",2]]}
{"process":2,"type":"ok","f":"txn","value":[["send","k",[5,1]],["send","k",[4,2]]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2],[5,1]]}]]}
"#,
    );
    assert_eq!(kinds(&r), vec!["int-nonmonotonic-send"]);
    let a = found(&r, IntNonmonotonicSend);
    assert_eq!(a[0].ops, vec![0, 1]);
    assert_eq!(
        a[0].explanation,
        "within op 1, process 2 sent 1 then 2 to k, landing at offsets 5 then 4, going backwards (delta -1)"
    );
}

#[test]
fn an_offset_known_only_from_reads_counts() {
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",1]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[4,2]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2],[7,1]]}]]}
"#,
    );
    assert_eq!(found(&r, NonmonotonicSend).len(), 1, "{:?}", r.anomalies);
    assert_eq!(kinds(&r), vec!["nonmonotonic-send"]);
}

#[test]
fn a_lost_write_does_not_make_the_next_send_nonmonotonic() {
    // acks=1: 1 acknowledged at 5, the leader died, the new leader gave 5 to 2.
    // Offset 5 holds both in the version order (inconsistent, Jepsen's rule);
    // 1, placed there first, stands for the offset, 2 has no index: delta 1.
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":2,"type":"ok","f":"send","value":[["send","k",[5,2]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[5,2]]}]]}
"#,
    );
    assert_eq!(
        kinds(&r),
        vec!["lost-write", "unseen", "inconsistent-offsets"]
    );
}

#[test]
fn an_unseen_write_does_not_make_the_next_send_nonmonotonic() {
    // acks=1: 1@0, 2@1, 3@2 acknowledged; the new leader's log ended at 0 and
    // gave offset 1 to 4. 2 is a lost write (reads reached 1), 3 is unseen
    // (reads stop below 2). Jepsen's rules: both unseen, offset 1 holds 2
    // and 4 (inconsistent), and 4 has no index of its own, so no reordering.
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[1,2]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[2,3]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[1,4]]]}
{"process":9,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1],[1,4]]}]],"final":true}
"#,
    );
    assert_eq!(
        kinds(&r),
        vec!["lost-write", "unseen", "inconsistent-offsets"]
    );
}

#[test]
fn an_unknown_send_a_read_proves_takes_part() {
    // 2's outcome is unknown, but a read found it at 3, below 1's offset 5.
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":2,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":2,"type":"info","f":"send","value":[["send","k",2]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[3,2],[5,1]]}]]}
"#,
    );
    let a = found(&r, NonmonotonicSend);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(a[0].offsets, vec![5, 3]);
    // Unread, an unknown send proves nothing.
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":2,"type":"info","f":"send","value":[["send","k",2]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[5,1]]}]]}
"#,
    );
    assert!(found(&r, NonmonotonicSend).is_empty(), "{:?}", r.anomalies);
}
