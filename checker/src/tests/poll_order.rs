use super::{check_text, found, kinds};
use crate::AnomalyKind::{IntNonmonotonicPoll, IntPollSkip, NonmonotonicPoll, PollSkip};

/// Three acknowledged sends at offsets 0, 1, 2 of k, and a reader (process
/// 9) that saw them all: every offset is known to hold a record, and none of
/// the writes is lost.
const SENDS: &str = r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,10]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[1,11]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[2,12]]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[1,11],[2,12]]}]]}
"#;

fn with_sends(polls: &str) -> String {
    format!("{SENDS}{polls}")
}

#[test]
fn reading_backwards_across_polls() {
    let r = check_text(&with_sends(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[1,11],[2,12]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[1,11]]}]]}
"#,
    ));
    let a = found(&r, NonmonotonicPoll);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].offsets.clone(), a[0].ops.clone()),
        (vec![2, 1], vec![4, 5])
    );
    assert_eq!(
        a[0].explanation,
        "process 5 read k 12 at offset 2 (op 4) then 11 at offset 1 (op 5), going backwards (delta -1)"
    );
    assert_eq!(kinds(&r), vec!["nonmonotonic-poll"]);
}

#[test]
fn reading_backwards_inside_one_poll() {
    let r = check_text(&with_sends(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12],[0,10]]}]]}
"#,
    ));
    assert_eq!(kinds(&r), vec!["int-nonmonotonic-poll"]);
    assert_eq!(found(&r, IntNonmonotonicPoll)[0].ops, vec![4]);
}

#[test]
fn skipping_a_known_offset_across_polls() {
    let r = check_text(&with_sends(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12]]}]]}
"#,
    ));
    let a = found(&r, PollSkip);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        a[0].explanation,
        "process 5 read k 10 at offset 0 (op 4) then 12 at offset 2 (op 5), skipping 11 (op 1)"
    );
    assert_eq!(kinds(&r), vec!["poll-skip"]);
}

#[test]
fn skipping_a_known_offset_inside_one_poll() {
    let r = check_text(&with_sends(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[2,12]]}]]}
"#,
    ));
    assert_eq!(kinds(&r), vec!["int-poll-skip"]);
    assert_eq!(found(&r, IntPollSkip)[0].offsets, vec![0, 2]);
}

#[test]
fn a_record_every_reader_skipped_is_a_lost_write_and_a_skip() {
    // Nothing but the acknowledgement says offset 1 ever held 11: the write
    // is lost, and offset 1 may now hold a marker.
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,10]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[1,11]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[2,12]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[2,12]]}]]}
"#,
    );
    // Jepsen's version order holds the acknowledged 11 at offset 1, so the
    // poll skipped it too.
    assert_eq!(kinds(&r), vec!["lost-write", "unseen", "int-poll-skip"]);
}

#[test]
fn jumping_over_offsets_nothing_is_known_about_is_fine() {
    // Offsets 1..4 may be transaction markers or aborted records.
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,10]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[5,11]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[5,11]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn skipping_an_aborted_record_a_read_placed_is_a_skip() {
    // A read_uncommitted reader saw the aborted 11 at offset 1 (G1a). Every
    // poll result places its value in Jepsen's version order, so process 5,
    // reading 10 then 12, skipped offset 1 by Jepsen's rule.
    let r = check_text(&format!(
        "{}{}",
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,10]]]}
{"process":0,"type":"fail","f":"txn","value":[["send","k",11]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[2,12]]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[1,11]]}]]}
"#,
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[2,12]]}]]}
"#
    ));
    assert_eq!(kinds(&r), vec!["int-poll-skip", "G1a"]);
}

#[test]
fn an_assignment_dropping_the_key_starts_it_afresh() {
    for boundary in [
        r#"{"process":5,"type":"invoke","f":"assign","value":["j"]}
{"process":5,"type":"ok","f":"assign","value":["j"]}
"#,
        r#"{"process":5,"type":"invoke","f":"subscribe","value":["j"]}
{"process":5,"type":"ok","f":"subscribe","value":["j"]}
"#,
        r#"{"process":5,"type":"invoke","f":"assign","value":["j"]}
{"process":5,"type":"info","f":"assign","value":["j"]}
"#,
    ] {
        let r = check_text(&with_sends(&format!(
            "{}{boundary}{}",
            r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12]]}]]}
"#,
            r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]]}
"#
        )));
        assert!(r.anomalies.is_empty(), "{boundary}: {:?}", r.anomalies);
    }
}

/// Jepsen's rule: an assign or subscribe keeps the position of every key it
/// still names; a failed one, a crash and a rebalance change nothing.
#[test]
fn an_assignment_naming_the_key_keeps_its_position() {
    for boundary in [
        r#"{"process":5,"type":"invoke","f":"assign","value":["k","j"]}
{"process":5,"type":"ok","f":"assign","value":["k","j"]}
"#,
        r#"{"process":5,"type":"invoke","f":"subscribe","value":["k"]}
{"process":5,"type":"ok","f":"subscribe","value":["k"]}
"#,
        r#"{"process":5,"type":"invoke","f":"assign","value":["j"]}
{"process":5,"type":"fail","f":"assign","value":["j"]}
"#,
        r#"{"process":5,"type":"info","f":"crash"}
"#,
        "",
    ] {
        let r = check_text(&with_sends(&format!(
            "{}{boundary}{}",
            r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12]]}]]}
"#,
            r#"{"process":5,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]],"rebalance_log":[{"assigned":["k"]}]}
"#
        )));
        assert_eq!(kinds(&r), vec!["nonmonotonic-poll"], "{boundary}");
    }
}

#[test]
fn a_rebalance_excuses_only_the_internal_checks_of_its_keys() {
    for (log, expected) in [
        (r#"[{"assigned":["k"]}]"#, vec![]),
        (r#"[{"keys":["k"]}]"#, vec![]),
        (r#"[{"revoked":["j"]}]"#, vec!["int-nonmonotonic-poll"]),
        ("[]", vec!["int-nonmonotonic-poll"]),
    ] {
        let r = check_text(&with_sends(&format!(
            r#"{{"process":5,"type":"ok","f":"poll","value":[["poll",{{"k":[[2,12],[0,10]]}}]],"rebalance_log":{log}}}
"#
        )));
        assert_eq!(kinds(&r), expected, "{log}");
    }
}

#[test]
fn different_processes_are_not_compared() {
    let r = check_text(&with_sends(
        r#"{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12]]}]]}
{"process":6,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]]}
"#,
    ));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}
