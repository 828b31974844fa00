//! A committed (`ok`) transaction's sends are acknowledged writes: lost,
//! unseen and duplicated like any acknowledged send; an aborted one's are not.
use super::{check_text, found};
use crate::AnomalyKind::{Duplicate, LostWrite, Unseen};

fn history(outcome: &str, final_read: &str) -> String {
    format!(
        r#"{{"process":2,"type":"invoke","f":"txn","value":[["send","k0",20],["send","k1",21]]}}
{{"process":2,"type":"{outcome}","f":"txn","value":[["send","k0",[0,20]],["send","k1",[0,21]]]}}
{{"process":1,"type":"ok","f":"send","value":[["send","k1",[2,11]]]}}
{final_read}"#
    )
}

const MISSING_21: &str = r#"{"process":9,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[2,11]]}]],"final":true}
"#;

#[test]
fn a_committed_transactions_write_read_past_is_a_lost_write() {
    let r = check_text(&history("ok", MISSING_21));
    let a = found(&r, LostWrite);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!((a[0].key.as_str(), a[0].ops.clone()), ("k1", vec![0, 1, 3]));
    assert!(
        a[0].explanation.starts_with(
            "process 2 sent 21 to k1 in transaction op 1 (committed), acknowledged at offset 0;"
        ),
        "{}",
        a[0].explanation
    );
}

#[test]
fn an_aborted_transactions_write_missing_is_no_loss() {
    let r = check_text(&history("fail", MISSING_21));
    assert!(found(&r, LostWrite).is_empty(), "{:?}", r.anomalies);
    assert!(found(&r, Unseen).is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_committed_transactions_write_without_offsets_never_read_is_unseen() {
    let r = check_text(
        r#"{"process":2,"type":"ok","f":"txn","value":[["send","k0",20],["send","k1",21]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[]}]],"final":true}
"#,
    );
    let a = found(&r, Unseen);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert!(a[0]
        .explanation
        .contains("21 to k1 in transaction op 0 (committed)"));
}

#[test]
fn a_committed_transactions_write_at_two_offsets_is_a_duplicate() {
    let twice = r#"{"process":9,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,21],[1,21],[2,11]]}]],"final":true}
"#;
    let r = check_text(&history("ok", twice));
    let a = found(&r, Duplicate);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(a[0].offsets, vec![0, 1]);
    let once = r#"{"process":9,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,21],[2,11]]}]],"final":true}
"#;
    assert!(check_text(&history("ok", once)).anomalies.is_empty());
}
