use super::{check_text, found, kinds};
use crate::AnomalyKind::Unseen;

#[test]
fn an_acked_write_the_final_read_never_reached_is_unseen() {
    let r = check_text(
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[3,1]]]}
{"process":9,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,7],[1,8],[2,9]]}]],"final":true}
"#,
    );
    let unseen = found(&r, Unseen);
    assert_eq!(unseen.len(), 1, "{:?}", r.anomalies);
    assert_eq!(unseen[0].ops, vec![0, 1, 3]);
    assert_eq!(unseen[0].offsets, vec![3]);
    assert_eq!(
        unseen[0].explanation,
        "process 0 sent 1 to k, acknowledged at offset 3; no ok read ever observed it, and the final read of k (op 3) reached offset 2"
    );
    assert_eq!(kinds(&r), vec!["unseen"]);
}

#[test]
fn an_acked_write_without_offset_is_unseen_against_an_empty_final_read() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",1]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[]}]],"final":true}
"#,
    );
    let unseen = found(&r, Unseen);
    assert_eq!(unseen.len(), 1);
    assert!(
        unseen[0].explanation.contains("without an offset")
            && unseen[0].explanation.ends_with("found it empty"),
        "{}",
        unseen[0].explanation
    );
}

/// Jepsen's rule: by the end of the history, final reads or not.
#[test]
fn without_a_final_read_of_the_key_an_unread_write_is_unseen() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[3,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,7]]}]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"other":[[0,5]]}]],"final":true}
"#,
    );
    assert_eq!(kinds(&r), vec!["unseen"]);
    assert_eq!(
        found(&r, Unseen)[0].explanation,
        "process 0 sent 1 to k, acknowledged at offset 3; no ok read ever observed it"
    );
}

#[test]
fn a_write_read_by_a_non_final_read_is_seen() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[3,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[3,1]]}]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[]}]],"final":true}
"#,
    );
    assert!(found(&r, Unseen).is_empty());
}

#[test]
fn unknown_and_failed_writes_are_never_unseen() {
    let r = check_text(
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"info","f":"send","value":[["send","k",1]]}
{"process":1,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":1,"type":"fail","f":"send","value":[["send","k",2]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[]}]],"final":true}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}
