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
fn consistent_reads_and_a_reused_acked_offset_are_inconsistent_outside_promises() {
    // The acknowledged offset 4 was reused by another value: Jepsen's version
    // order holds both (inconsistent-offsets). logjam's consistent-offsets
    // promise is about the log as read, which agrees: the anomaly is
    // reported, and the promise judges only the lost write.
    let text = r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[4,1]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2]]}]]}
"#;
    let r = check_text(text);
    assert_eq!(
        kinds(&r),
        vec!["lost-write", "unseen", "inconsistent-offsets"]
    );
    assert_eq!(
        found(&r, InconsistentOffsets)[0].explanation,
        "k offset 4 held 1 (acknowledged by op 0) and 2 (op 1)"
    );
    let history = crate::history::parse_history(text).expect("parses");
    let judged = crate::check(
        &history,
        &crate::CheckOptions {
            semantics: Some(crate::Semantics::default()),
            faults: Some(crate::FaultClasses::default()),
            jepsen: None,
        },
    );
    let consistent = judged
        .promises
        .iter()
        .find(|p| p.name == crate::PromiseName::ConsistentOffsets)
        .expect("promised");
    assert!(consistent.kept, "{:?}", judged.promises);
    assert_eq!(judged.allowed.get(&InconsistentOffsets), Some(&1));
}
