use super::{check_text, found, kinds};
use crate::history::Val;
use crate::AnomalyKind::LostWrite;

#[test]
fn an_acked_write_skipped_by_reads_that_went_past_it_is_lost() {
    let r = check_text(
        r#"{"index":10,"process":2,"type":"invoke","f":"send","value":[["send","orders/3",41]]}
{"index":11,"process":2,"type":"ok","f":"send","value":[["send","orders/3",[17,41]]]}
{"index":12,"process":2,"type":"invoke","f":"send","value":[["send","orders/3",42]]}
{"index":13,"process":2,"type":"ok","f":"send","value":[["send","orders/3",[25,42]]]}
{"index":229,"process":7,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":230,"process":7,"type":"ok","f":"poll","value":[["poll",{"orders/3":[[16,40],[25,42]]}]]}
"#,
    );
    let lost = found(&r, LostWrite);
    assert_eq!(lost.len(), 1, "{:?}", r.anomalies);
    let a = &lost[0];
    assert_eq!(
        (
            a.key.as_str(),
            a.values.clone(),
            a.offsets.clone(),
            a.ops.clone()
        ),
        (
            "orders/3",
            vec![Val::Int(41)],
            vec![17, 25],
            vec![10, 11, 230]
        )
    );
    assert_eq!(
        a.explanation,
        "process 2 sent 41 to orders/3, acknowledged at offset 17; reads observed orders/3 up to offset 25 (op 230) but never 41"
    );
    // Jepsen's rules: a lost write no ok read observed is unseen too, and
    // the poll that went from 40 to 42 skipped it.
    assert_eq!(kinds(&r), vec!["lost-write", "unseen", "int-poll-skip"]);
}

#[test]
fn a_write_read_anywhere_is_not_lost() {
    let r = check_text(
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1],[1,2],[2,3]]}]]}
"#,
    );
    assert!(found(&r, LostWrite).is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_write_beyond_every_read_is_not_a_lost_write() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[5,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[3,9],[4,8]]}]]}
"#,
    );
    assert!(found(&r, LostWrite).is_empty());
}

#[test]
fn another_value_read_at_the_acked_offset_proves_the_loss() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[4,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[4,2]]}]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[5,3],[6,4]]}]]}
"#,
    );
    let lost = found(&r, LostWrite);
    assert_eq!(lost.len(), 1);
    // The read of offset 4 itself is the proof, not the one that went furthest.
    assert_eq!(lost[0].ops, vec![0, 1]);
    assert_eq!(
        lost[0].explanation,
        "process 0 sent 1 to k, acknowledged at offset 4; op 1 read offset 4 of k holding 2 instead, and reads reached offset 6"
    );
}

#[test]
fn a_write_of_unknown_outcome_never_read_is_not_lost() {
    // info completion, and an invocation that never completed: both unknown.
    let r = check_text(
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"info","f":"send","value":[["send","k",1]],"error":"timeout"}
{"process":3,"type":"invoke","f":"send","value":[["send","k",7]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,5],[1,6],[2,8]]}]],"final":true}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
    assert_eq!(r.stats.sends_info, 2);
}

#[test]
fn a_write_of_unknown_outcome_later_read_is_committed_and_not_lost() {
    let r = check_text(
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"info","f":"send","value":[["send","k",1]]}
{"process":4,"type":"ok","f":"send","value":[["send","k",[1,2]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1],[1,2]]}]],"final":true}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn a_write_read_once_but_missing_from_final_reads_past_it_is_lost() {
    let r = check_text(
        r#"{"index":0,"process":1,"type":"invoke","f":"send","value":[["send","k/0",5]]}
{"index":1,"process":1,"type":"ok","f":"send","value":[["send","k/0",[3,5]]]}
{"index":2,"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":3,"process":2,"type":"ok","f":"poll","value":[["poll",{"k/0":[[3,5]]}]]}
{"index":4,"process":3,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":5,"process":3,"type":"ok","f":"poll","value":[["poll",{"k/0":[[3,9],[4,10]]}]],"final":true}
"#,
    );
    let lost = found(&r, LostWrite);
    assert_eq!(lost.len(), 1, "{:?}", r.anomalies);
    assert_eq!(lost[0].ops, vec![0, 1, 3, 5]);
    assert!(
        lost[0].explanation.contains("final read"),
        "{}",
        lost[0].explanation
    );
}

/// The final reads are the whole log (HISTORY.md): a write read once and then
/// truncated away with the log's tail is lost, although the final reads end
/// below its offset (the unclean-election and power-loss shape).
#[test]
fn a_write_read_once_is_lost_when_the_log_was_cut_below_it() {
    let r = check_text(
        r#"{"index":0,"process":1,"type":"invoke","f":"send","value":[["send","k/0",5]]}
{"index":1,"process":1,"type":"ok","f":"send","value":[["send","k/0",[3,5]]]}
{"index":2,"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":3,"process":2,"type":"ok","f":"poll","value":[["poll",{"k/0":[[3,5]]}]]}
{"index":4,"process":3,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":5,"process":3,"type":"ok","f":"poll","value":[["poll",{"k/0":[[2,1]]}]],"final":true}
"#,
    );
    let lost = found(&r, LostWrite);
    assert_eq!(lost.len(), 1, "{:?}", r.anomalies);
    assert_eq!(lost[0].ops, vec![0, 1, 3, 5]);
    assert_eq!(lost[0].offsets, vec![3, 2]);
    assert_eq!(
        lost[0].explanation,
        "process 1 sent 5 to k/0, acknowledged at offset 3; op 3 read it at offset 3, but the final read of k/0 (op 5) ended at offset 2: the log no longer reaches offset 3"
    );
    assert_eq!(kinds(&r), vec!["lost-write"], "one diagnosis per write");
}

#[test]
fn a_write_read_once_is_lost_when_the_final_read_found_the_key_empty() {
    let r = check_text(
        r#"{"index":0,"process":1,"type":"invoke","f":"send","value":[["send","k/0",5]]}
{"index":1,"process":1,"type":"info","f":"send","value":[["send","k/0",5]]}
{"index":2,"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":3,"process":2,"type":"ok","f":"poll","value":[["poll",{"k/0":[[0,5]]}]]}
{"index":4,"process":3,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":5,"process":3,"type":"ok","f":"poll","value":[["poll",{"k/0":[]}]],"final":true}
"#,
    );
    let lost = found(&r, LostWrite);
    assert_eq!(
        lost.len(),
        1,
        "an unknown send a read proved is committed: {:?}",
        r.anomalies
    );
    assert!(
        lost[0].explanation.ends_with("found it empty"),
        "{}",
        lost[0].explanation
    );
}

/// Without final reads of its key, a write read once proves nothing more
/// (Jepsen's meaning: only reads that reached the offset judge it).
#[test]
fn a_write_read_once_is_not_lost_without_final_reads_of_its_key() {
    let r = check_text(
        r#"{"index":0,"process":1,"type":"invoke","f":"send","value":[["send","k/0",5]]}
{"index":1,"process":1,"type":"ok","f":"send","value":[["send","k/0",[3,5]]]}
{"index":2,"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"index":3,"process":2,"type":"ok","f":"poll","value":[["poll",{"k/0":[[3,5]]}]]}
{"index":4,"process":3,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":5,"process":3,"type":"ok","f":"poll","value":[["poll",{"k/1":[[0,1]]}]],"final":true}
"#,
    );
    assert!(found(&r, LostWrite).is_empty(), "{:?}", r.anomalies);
}
