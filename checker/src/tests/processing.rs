//! `lost-processing` and `duplicate-processing` on hand-written group histories.
use super::{check_text, found, kinds};
use crate::AnomalyKind::{DuplicateProcessing, LostProcessing};

/// A final read of k holding offsets 0..3 and the group's committed offset 3.
const FINAL: &str = r#"{"process":90,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"process":90,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[1,11],[2,12]]}]],"final":true}
{"process":91,"type":"invoke","f":"committed","value":null,"final":true}
{"process":91,"type":"ok","f":"committed","value":{"k":3},"final":true}
"#;

#[test]
fn every_record_processed_once_is_clean() {
    let r = check_text(&format!(
        r#"{{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}}
{{"process":1,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,10],[1,11],[2,12]]}}]]}}
{{"process":1,"type":"invoke","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":1,"type":"ok","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":1,"type":"invoke","f":"commit","value":{{"k":3}}}}
{{"process":1,"type":"ok","f":"commit","value":{{"k":3}}}}
{FINAL}"#
    ));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
    assert_eq!((r.stats.processed, r.stats.records_processed), (1, 3));
}

#[test]
fn committed_then_crashed_before_processing_is_lost_processing() {
    let r = check_text(&format!(
        r#"{{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}}
{{"process":1,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,10],[1,11],[2,12]]}}]]}}
{{"process":1,"type":"invoke","f":"process","value":{{"k":[[0,10]]}}}}
{{"process":1,"type":"ok","f":"process","value":{{"k":[[0,10]]}}}}
{{"process":1,"type":"invoke","f":"commit","value":{{"k":3}}}}
{{"process":1,"type":"ok","f":"commit","value":{{"k":3}}}}
{{"process":1,"type":"info","f":"crash","value":null}}
{FINAL}"#
    ));
    assert_eq!(kinds(&r), vec!["lost-processing"]);
    let lost = found(&r, LostProcessing);
    assert_eq!(lost.len(), 2, "{lost:?}");
    assert_eq!(lost[0].offsets, vec![1, 3]);
    // The final read, the final committed op, the delivering poll, the
    // covering commit and the crash.
    assert_eq!(lost[0].ops, vec![1, 5, 6, 8, 10]);
    assert!(
        lost[0].explanation.ends_with(
            "process 1 received it (op 1), committed k up to 3 (op 5, acknowledged) and crashed (op 6) before processing it"
        ),
        "{}",
        lost[0].explanation
    );
}

#[test]
fn a_record_whose_processing_outcome_is_unknown_is_not_lost() {
    // The member crashed during the process op: it may have finished.
    let r = check_text(&format!(
        r#"{{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}}
{{"process":1,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,10],[1,11],[2,12]]}}]]}}
{{"process":1,"type":"invoke","f":"commit","value":{{"k":3}}}}
{{"process":1,"type":"ok","f":"commit","value":{{"k":3}}}}
{{"process":1,"type":"invoke","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":1,"type":"info","f":"crash","value":null}}
{FINAL}"#
    ));
    assert!(found(&r, LostProcessing).is_empty(), "{:?}", r.anomalies);
}

#[test]
fn records_above_the_committed_offset_are_not_due() {
    let r = check_text(
        r#"{"process":1,"type":"ok","f":"process","value":{"k":[[0,10]]}}
{"process":1,"type":"ok","f":"commit","value":{"k":1}}
{"process":90,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[1,11],[2,12]]}]],"final":true}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_record_processed_by_two_members_is_duplicate_processing() {
    // Member 1 processed and crashed before committing; member 2 took over
    // from the committed offset 0 and processed the record again.
    let r = check_text(&format!(
        r#"{{"process":1,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,10],[1,11],[2,12]]}}]]}}
{{"process":1,"type":"ok","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":1,"type":"info","f":"crash","value":null}}
{{"process":2,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,10],[1,11],[2,12]]}}]]}}
{{"process":2,"type":"ok","f":"process","value":{{"k":[[0,10]]}}}}
{{"process":2,"type":"ok","f":"process","value":{{"k":[[1,11],[2,12]]}}}}
{{"process":2,"type":"ok","f":"commit","value":{{"k":3}}}}
{FINAL}"#
    ));
    assert_eq!(kinds(&r), vec!["duplicate-processing"]);
    let dups = found(&r, DuplicateProcessing);
    assert_eq!(dups.len(), 3);
    assert_eq!(dups[0].ops, vec![1, 4]);
    assert_eq!(
        dups[0].explanation,
        "10 at k offset 0 was processed 2 times (op 1 and op 4)"
    );
}

#[test]
fn an_unknown_processing_does_not_count_towards_a_duplicate() {
    let r = check_text(&format!(
        r#"{{"process":1,"type":"invoke","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":1,"type":"info","f":"crash","value":null}}
{{"process":2,"type":"ok","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":2,"type":"ok","f":"commit","value":{{"k":3}}}}
{FINAL}"#
    ));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_commit_moving_the_offset_back_explains_the_duplicate() {
    let r = check_text(&format!(
        r#"{{"process":1,"type":"ok","f":"process","value":{{"k":[[0,10],[1,11]]}}}}
{{"process":1,"type":"ok","f":"commit","value":{{"k":2}}}}
{{"process":2,"type":"ok","f":"commit","value":{{"k":0}}}}
{{"process":3,"type":"ok","f":"process","value":{{"k":[[0,10],[1,11],[2,12]]}}}}
{{"process":3,"type":"ok","f":"commit","value":{{"k":3}}}}
{FINAL}"#
    ));
    let dups = found(&r, DuplicateProcessing);
    assert_eq!(dups.len(), 2, "{:?}", r.anomalies);
    assert_eq!(dups[0].ops, vec![0, 2, 3]);
    assert!(
        dups[0]
            .explanation
            .contains("went back from 2 (op 1) to 0 (op 2, a commit by process 2)"),
        "{}",
        dups[0].explanation
    );
}
