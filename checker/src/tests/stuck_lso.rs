use super::{check_text, found};
use crate::AnomalyKind::StuckLso;

/// 1 is at offset 0 of k; process 2's transaction commits 2 at offset 5
/// (offsets 1 to 4: a transaction nobody closes); then process 5 polls.
fn history(header: &str, reads: &str) -> String {
    format!(
        r#"{header}
{{"process":1,"type":"ok","f":"send","value":[["send","k",[0,1]]]}}
{{"process":2,"type":"invoke","f":"txn","value":[["send","k",2]]}}
{{"process":2,"type":"ok","f":"txn","value":[["send","k",[5,2]]]}}
{{"process":5,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,1]]}}]]}}
{{"process":5,"type":"ok","f":"poll","value":[["poll",{{"k":[]}}]]}}
{reads}"#
    )
}

const FINAL_STOPPED: &str = r#"{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]],"final":true}
"#;

#[test]
fn read_committed_final_reads_stopping_below_committed_data() {
    let r = check_text(&history(
        r#"{"logjam_history":1,"isolation_level":"read_committed"}"#,
        FINAL_STOPPED,
    ));
    let a = found(&r, StuckLso);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].offsets.clone(), a[0].ops.clone()),
        (vec![0, 5], vec![1, 2, 4, 5])
    );
    assert_eq!(
        a[0].explanation,
        "the read_committed final read of k (op 5) stopped at offset 0, below committed data: process 2 sent 2 to k \
         in transaction op 2 (committed), at offset 5; the partition's last stable offset never passed it; \
         read_committed consumers polling it after the commit got no further either: process 5 (last op 4)"
    );
}

#[test]
fn a_read_uncommitted_final_read_past_it_shows_the_records_are_there() {
    let reads = format!(
        "{FINAL_STOPPED}{}",
        r#"{"process":10,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1],[1,7],[5,2]]}]],"final":true}
"#
    );
    let r = check_text(&history(
        r#"{"logjam_history":1,"isolation_level":{"5":"read_committed","9":"read_committed"}}"#,
        &reads,
    ));
    let a = found(&r, StuckLso);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert!(
        a[0].explanation
            .ends_with("the read_uncommitted final read (op 6) reached offset 5, so the records are in the log"),
        "{}",
        a[0].explanation
    );
}

#[test]
fn no_stuck_lso_when_final_reads_get_there_or_are_not_read_committed() {
    let reached = r#"{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1],[5,2]]}]],"final":true}
"#;
    let committed = r#"{"logjam_history":1,"isolation_level":"read_committed"}"#;
    assert!(found(&check_text(&history(committed, reached)), StuckLso).is_empty());
    // Nothing says the readers were read_committed.
    let r = check_text(&history(r#"{"logjam_history":1}"#, FINAL_STOPPED));
    assert!(found(&r, StuckLso).is_empty(), "{:?}", r.anomalies);
    // A read_uncommitted final read stopping there too: the log lost the
    // record (unseen), the LSO is not what holds readers back.
    let both = format!(
        "{FINAL_STOPPED}{}",
        r#"{"process":10,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]],"final":true}
"#
    );
    let r = check_text(&history(
        r#"{"logjam_history":1,"isolation_level":{"9":"read_committed"}}"#,
        &both,
    ));
    assert!(found(&r, StuckLso).is_empty(), "{:?}", r.anomalies);
    assert!(!found(&r, crate::AnomalyKind::Unseen).is_empty());
}
