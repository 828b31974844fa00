use super::{check_text, found, kinds};
use crate::history::Val;
use crate::AnomalyKind::InconsistentOffsets;

#[test]
fn two_reads_of_one_offset_with_different_values() {
    let r = check_text(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[17,52]]}]]}
{"process":7,"type":"ok","f":"poll","value":[["poll",{"k":[[17,41]]}]]}
"#,
    );
    let a = found(&r, InconsistentOffsets);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].values.clone(), a[0].offsets.clone(), a[0].ops.clone()),
        (vec![Val::Int(41), Val::Int(52)], vec![17], vec![0, 1])
    );
    assert_eq!(
        a[0].explanation,
        "k offset 17 held 41 (op 0) and 52 (op 1) in different reads"
    );
}

#[test]
fn consistent_reads_and_a_reused_acked_offset_are_not_inconsistent() {
    // The acknowledged offset 4 was reused by another value: that is a lost
    // write (the producer's view), not two values in the log as read.
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[4,1]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2]]}]]}
"#,
    );
    assert_eq!(kinds(&r), vec!["lost-write"]);
}
