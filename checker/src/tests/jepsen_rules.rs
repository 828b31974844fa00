//! Jepsen's rules (docs/JEPSEN.md), each on a small hand-written history in
//! both directions. Most histories are those of Jepsen's own checker tests
//! (`jepsen/test/jepsen/tests/kafka_test.clj`), written as JSONL: keywords
//! `:a` become strings, `(o index process type f value)` a line whose time is
//! its index. Where Jepsen's test gives the answer, so does the assertion.
use super::{check_text, found};
use crate::history::Val;
use crate::AnomalyKind::{self, *};

/// One line, as Jepsen's tests' `(o index process type f value)`.
fn o(index: u64, process: u64, op_type: &str, f: &str, value: &str) -> String {
    format!(
        r#"{{"index":{index},"time":{index},"process":{process},"type":"{op_type}","f":"{f}","value":{value}}}"#
    )
}

fn history(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn values(r: &crate::CheckResult, kind: AnomalyKind) -> Vec<Vec<Val>> {
    found(r, kind).into_iter().map(|a| a.values).collect()
}

fn s(v: &str) -> Val {
    Val::Str(v.into())
}

// --- Version order: every poll result, failed polls included; send offsets
// --- only from ops that must have committed.

/// kafka_test.clj `duplicate-test` "aborted txns".
#[test]
fn a_failed_poll_places_values_in_the_version_order() {
    let lines = |poll: &str| {
        history(&[
            o(0, 0, "invoke", "send", r#"[["send","x",0]]"#),
            o(1, 0, "ok", "send", r#"[["send","x",[1,0]]]"#),
            o(2, 0, "invoke", "send", r#"[["send","x",1]]"#),
            o(3, 0, "fail", "send", r#"[["send","x",[2,1]]]"#),
            o(4, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(5, 1, "fail", "poll", poll),
        ])
    };
    let r = check_text(&lines(r#"[["poll",{"x":[[11,0],[12,1]]}]]"#));
    let dups = found(&r, Duplicate);
    assert_eq!(dups.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (dups[0].values.clone(), dups[0].offsets.clone()),
        (vec![Val::Int(0)], vec![1, 11])
    );
    // Without the failed poll's record at 11, no second offset.
    let r = check_text(&lines(r#"[["poll",{"x":[[12,1]]}]]"#));
    assert!(found(&r, Duplicate).is_empty(), "{:?}", r.anomalies);
}

/// kafka_test.clj `inconsistent-offsets-test` "info conflicts": an info
/// send's offset counts once a read proves the op (any of its sends).
#[test]
fn an_info_send_offset_counts_once_proven() {
    let sends = [
        o(0, 0, "invoke", "send", r#"[["send","x",1],["send","y",1]]"#),
        o(
            1,
            0,
            "info",
            "send",
            r#"[["send","x",[0,1]],["send","y",1]]"#,
        ),
        o(2, 1, "invoke", "send", r#"[["send","x",2]]"#),
        o(3, 1, "ok", "send", r#"[["send","x",[0,2]]]"#),
    ];
    let r = check_text(&history(&sends));
    assert!(
        found(&r, InconsistentOffsets).is_empty(),
        "{:?}",
        r.anomalies
    );
    let mut proven = sends.to_vec();
    proven.push(o(4, 2, "invoke", "poll", r#"[["poll"]]"#));
    proven.push(o(5, 2, "ok", "poll", r#"[["poll",{"y":[[5,1]]}]]"#));
    let r = check_text(&history(&proven));
    let a = found(&r, InconsistentOffsets);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!((a[0].key.as_str(), a[0].offsets.clone()), ("x", vec![0]));
    assert_eq!(a[0].values, vec![Val::Int(1), Val::Int(2)]);
}

/// kafka_test.clj `version-orders-test` "a real-world example": two
/// acknowledged sends at one offset, from different processes.
#[test]
fn two_acknowledged_sends_at_one_offset_are_inconsistent() {
    let lines = |second: i64| {
        history(&[
            o(0, 379, "invoke", "send", r#"[["send","11",641]]"#),
            o(1, 379, "ok", "send", r#"[["send","11",[537,641]]]"#),
            o(2, 363, "invoke", "send", r#"[["send","11",645]]"#),
            o(
                3,
                363,
                "ok",
                "send",
                &format!(r#"[["send","11",[{second},645]]]"#),
            ),
        ])
    };
    let r = check_text(&lines(537));
    let a = found(&r, InconsistentOffsets);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(a[0].values, vec![Val::Int(641), Val::Int(645)]);
    let r = check_text(&lines(538));
    assert!(
        found(&r, InconsistentOffsets).is_empty(),
        "{:?}",
        r.anomalies
    );
}

// --- lost-write: the bound, must-have-committed, atomic multi-sends.

/// kafka_test.clj `lost-write-test` "consistent": c read at offset 2
/// (dense index 2) means a and b should have been read; d is beyond.
#[test]
fn writes_below_the_highest_read_are_lost() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
        o(1, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
        o(
            2,
            0,
            "invoke",
            "send",
            r#"[["send","x","b"],["send","x","d"]]"#,
        ),
        o(
            3,
            0,
            "ok",
            "send",
            r#"[["send","x",[1,"b"]],["send","x",[3,"d"]]]"#,
        ),
        o(4, 1, "invoke", "send", r#"[["send","x","c"]]"#),
        o(5, 1, "info", "send", r#"[["send","x","c"]]"#),
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 0, "ok", "poll", r#"[["poll",{"x":[[2,"c"]]}]]"#),
    ]));
    assert_eq!(values(&r, LostWrite), vec![vec![s("a")], vec![s("b")]]);
    let a = found(&r, LostWrite);
    assert_eq!(
        (a[0].offsets.clone(), a[0].ops.clone()),
        (vec![0, 2], vec![0, 1, 7])
    );
}

/// kafka_test.clj `lost-write-test` "inconsistent": b took a's offset 0;
/// reading c (index 1) means a should have been read.
#[test]
fn a_write_whose_offset_another_took_is_lost_below_the_bound() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
        o(1, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
        o(
            2,
            0,
            "invoke",
            "send",
            r#"[["send","x","b"],["send","x","c"]]"#,
        ),
        o(
            3,
            0,
            "ok",
            "send",
            r#"[["send","x",[0,"b"]],["send","x",[2,"c"]]]"#,
        ),
        o(4, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(5, 0, "ok", "poll", r#"[["poll",{"x":[[0,"b"],[2,"c"]]}]]"#),
    ]));
    assert_eq!(values(&r, LostWrite), vec![vec![s("a")]]);
    assert_eq!(found(&r, LostWrite)[0].offsets, vec![0, 2]);
}

/// kafka_test.clj `lost-write-test` "atomic": an info send of a and b is
/// proven by a read of a, so b (read by nobody, below c) is lost.
#[test]
fn one_proven_send_proves_the_others_of_its_op() {
    let base = [
        o(
            0,
            0,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","y","b"]]"#,
        ),
        o(
            1,
            0,
            "info",
            "send",
            r#"[["send","x","a"],["send","y",[0,"b"]]]"#,
        ),
        o(2, 1, "invoke", "send", r#"[["send","y","c"]]"#),
        o(3, 1, "info", "send", r#"[["send","y","c"]]"#),
    ];
    let poll_c = [
        o(6, 3, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 3, "ok", "poll", r#"[["poll",{"y":[[1,"c"]]}]]"#),
    ];
    let unproven: Vec<String> = base.iter().chain(&poll_c).cloned().collect();
    let r = check_text(&history(&unproven));
    assert!(found(&r, LostWrite).is_empty(), "{:?}", r.anomalies);
    let mut proven: Vec<String> = base.to_vec();
    proven.push(o(4, 2, "invoke", "poll", r#"[["poll"]]"#));
    proven.push(o(5, 2, "ok", "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#));
    proven.extend(poll_c);
    let r = check_text(&history(&proven));
    let lost = found(&r, LostWrite);
    assert_eq!(lost.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (lost[0].key.as_str(), lost[0].values.clone()),
        ("y", vec![s("b")])
    );
    assert_eq!(lost[0].ops, vec![0, 1, 7]);
}

/// Only `ok` reads satisfy lost-write: a value an info poll read is lost
/// all the same.
#[test]
fn a_value_only_an_unknown_poll_read_is_lost() {
    let lines = |reader: &str| {
        history(&[
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x","a"],["send","x","b"]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x",[0,"a"]],["send","x",[1,"b"]]]"#,
            ),
            o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 1, reader, "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#),
            o(4, 2, "invoke", "poll", r#"[["poll"]]"#),
            o(5, 2, "ok", "poll", r#"[["poll",{"x":[[1,"b"]]}]]"#),
        ])
    };
    assert_eq!(
        values(&check_text(&lines("info")), LostWrite),
        vec![vec![s("a")]]
    );
    assert!(found(&check_text(&lines("ok")), LostWrite).is_empty());
}

// --- duplicate, unseen, G1a, precommitted-read.

/// kafka_test.clj `duplicate-test` "basic", and "hash-insensitive".
#[test]
fn a_value_at_two_offsets_is_a_duplicate() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
        o(1, 0, "ok", "send", r#"[["send","x",[1,"a"]]]"#),
        o(2, 1, "invoke", "send", r#"[["send","x","b"]]"#),
        o(3, 1, "info", "send", r#"[["send","x","b"]]"#),
        o(4, 2, "invoke", "poll", r#"[["poll"]]"#),
        o(5, 2, "ok", "poll", r#"[["poll",{"x":[[2,"b"],[3,"a"]]}]]"#),
    ]));
    let d = found(&r, Duplicate);
    assert_eq!(d.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (d[0].values.clone(), d[0].offsets.clone()),
        (vec![s("a")], vec![1, 3])
    );
    // Ten values each sent at offset 0 and read at offset 1: ten duplicates
    // and two inconsistent offsets, whatever the hash order.
    let mut lines = Vec::new();
    for v in 0..10u64 {
        let i = v * 4;
        lines.push(o(i, 0, "invoke", "send", &format!(r#"[["send","x",{v}]]"#)));
        lines.push(o(
            i + 1,
            0,
            "ok",
            "send",
            &format!(r#"[["send","x",[0,{v}]]]"#),
        ));
        lines.push(o(i + 2, 1, "invoke", "poll", r#"[["poll"]]"#));
        lines.push(o(
            i + 3,
            1,
            "ok",
            "poll",
            &format!(r#"[["poll",{{"x":[[1,{v}]]}}]]"#),
        ));
    }
    let r = check_text(&history(&lines));
    assert_eq!(found(&r, Duplicate).len(), 10);
    let inc = found(&r, InconsistentOffsets);
    assert_eq!(
        inc.iter().map(|a| a.offsets[0]).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert!(inc.iter().all(|a| a.values.len() == 10));
    // One offset each: none.
    let r = check_text(&history(&[
        o(1, 0, "ok", "send", r#"[["send","x",[1,"a"]]]"#),
        o(5, 2, "ok", "poll", r#"[["poll",{"x":[[1,"a"]]}]]"#),
    ]));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

/// kafka_test.clj `unseen-test`: the count over time, and the anomaly.
#[test]
fn values_no_ok_poll_read_are_unseen_over_time() {
    let lines = [
        o(0, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(1, 0, "ok", "poll", r#"[["poll",{}]]"#),
        o(
            2,
            0,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","b"]]"#,
        ),
        o(
            3,
            0,
            "ok",
            "send",
            r#"[["send","x",[0,"a"]],["send","x",[1,"b"]]]"#,
        ),
        o(4, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(5, 0, "ok", "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#),
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 0, "ok", "poll", r#"[["poll",{"x":[[1,"b"]]}]]"#),
    ];
    let r = check_text(&history(&lines));
    let series: Vec<(u64, u64)> = r
        .series
        .unseen
        .iter()
        .map(|p| (p.time_ns, p.value))
        .collect();
    assert_eq!(series, vec![(1, 0), (3, 2), (5, 1), (7, 0)]);
    assert!(found(&r, Unseen).is_empty());
    let r = check_text(&history(&lines[..6]));
    assert_eq!(values(&r, Unseen), vec![vec![s("b")]]);
}

/// The unseen count moves at each op's completion, in history order (not
/// in order of invocation), and an op's sends count before its reads: a
/// poll completing before the send it read, then a txn reading its own send.
#[test]
fn unseen_over_time_follows_completions_and_sends_before_reads() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
        o(1, 1, "invoke", "poll", r#"[["poll"]]"#),
        o(2, 1, "ok", "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#),
        o(3, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
        o(4, 2, "invoke", "txn", r#"[["send","x","b"],["poll"]]"#),
        o(
            5,
            2,
            "ok",
            "txn",
            r#"[["send","x",[1,"b"]],["poll",{"x":[[1,"b"]]}]]"#,
        ),
        o(6, 0, "invoke", "send", r#"[["send","x","c"]]"#),
        o(7, 0, "ok", "send", r#"[["send","x",[2,"c"]]]"#),
    ]));
    let series: Vec<(u64, u64)> = r
        .series
        .unseen
        .iter()
        .map(|p| (p.time_ns, p.value))
        .collect();
    assert_eq!(series, vec![(2, 0), (3, 0), (5, 0), (7, 1)]);
}

/// kafka_test.clj `g1a-test`; only an `ok` reader counts.
#[test]
fn an_ok_read_of_a_failed_write_is_g1a() {
    let lines = |reader: &str| {
        history(&[
            o(0, 0, "invoke", "send", r#"[["send","x",2],["send","y",3]]"#),
            o(1, 0, "fail", "send", r#"[["send","x",2],["send","y",3]]"#),
            o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 1, reader, "poll", r#"[["poll",{"x":[[0,2]]}]]"#),
        ])
    };
    let r = check_text(&lines("ok"));
    let a = found(&r, G1a);
    assert_eq!((a.len(), a[0].ops.clone()), (1, vec![0, 1, 3]));
    assert!(found(&check_text(&lines("info")), G1a).is_empty());
    assert!(found(&check_text(&lines("fail")), G1a).is_empty());
}

/// kafka_test.clj `precommitted-read-test`; an aborted txn counts too.
#[test]
fn a_txn_polling_its_own_send_is_a_precommitted_read() {
    for outcome in ["ok", "fail", "info"] {
        let r = check_text(&history(&[
            o(0, 0, "invoke", "txn", r#"[["send","x","a"],["poll"]]"#),
            o(
                1,
                0,
                outcome,
                "txn",
                r#"[["send","x",[0,"a"]],["poll",{"x":[[0,"a"]]}]]"#,
            ),
        ]));
        assert_eq!(
            found(&r, PrecommittedRead).len(),
            1,
            "{outcome}: {:?}",
            r.anomalies
        );
    }
    let r = check_text(&history(&[
        o(0, 0, "invoke", "txn", r#"[["send","x","a"],["poll"]]"#),
        o(
            1,
            0,
            "ok",
            "txn",
            r#"[["send","x",[1,"a"]],["poll",{"x":[[0,"z"]]}]]"#,
        ),
    ]));
    assert!(found(&r, PrecommittedRead).is_empty());
}

// --- Per-process order: poll-skip, nonmonotonic-poll, nonmonotonic-send.

/// kafka_test.clj `poll-skip-test`, with its assign/subscribe variants.
#[test]
fn poll_skip_per_process_kept_across_assignments_naming_the_key() {
    let poll_1_2 = [
        o(0, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(1, 0, "ok", "poll", r#"[["poll",{"x":[[1,"a"],[2,"b"]]}]]"#),
    ];
    let poll_3 = [
        o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 1, "ok", "poll", r#"[["poll",{"x":[[3,"c"]]}]]"#),
    ];
    let poll_4 = [
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 0, "ok", "poll", r#"[["poll",{"x":[[4,"d"]]}]]"#),
    ];
    let rest = [
        o(10, 2, "invoke", "send", r#"[["send","x","f"]]"#),
        o(11, 2, "ok", "send", r#"[["send","x",[6,"f"]]]"#),
        o(12, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(13, 0, "ok", "poll", r#"[["poll",{"x":[[7,"g"]]}]]"#),
        o(
            14,
            3,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","c"],["send","x","d"],["send","x","g"]]"#,
        ),
        o(
            15,
            3,
            "info",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","c"],["send","x","d"],["send","x","g"]]"#,
        ),
    ];
    let run = |sub: &[String], assign: &[String]| {
        let mut h: Vec<String> = Vec::new();
        h.extend(poll_1_2.iter().cloned());
        h.extend(poll_3.iter().cloned());
        h.extend(sub.iter().cloned());
        h.extend(poll_4.iter().cloned());
        h.extend(assign.iter().cloned());
        h.extend(rest.iter().cloned());
        let r = check_text(&history(&h));
        found(&r, PollSkip)
            .into_iter()
            .map(|a| (a.ops, a.values))
            .collect::<Vec<_>>()
    };
    let errs = vec![
        (vec![1, 7], vec![s("b"), s("d")]),
        (vec![7, 13], vec![s("d"), s("g")]),
    ];
    assert_eq!(run(&[], &[]), errs);
    let sub = |keys: &str, t: &str| {
        vec![
            o(4, 0, "invoke", "subscribe", keys),
            o(5, 0, t, "subscribe", keys),
        ]
    };
    let assign = |keys: &str, t: &str| {
        vec![
            o(8, 0, "invoke", "assign", keys),
            o(9, 0, t, "assign", keys),
        ]
    };
    assert!(run(&sub(r#"["y"]"#, "ok"), &assign(r#"["y"]"#, "info")).is_empty());
    assert_eq!(
        run(&sub(r#"["x","y"]"#, "ok"), &assign(r#"["x","y"]"#, "ok")),
        errs
    );
    let skipped: Vec<String> = found(
        &check_text(&history(
            &poll_1_2
                .iter()
                .chain(&poll_3)
                .chain(&poll_4)
                .cloned()
                .collect::<Vec<_>>(),
        )),
        PollSkip,
    )
    .into_iter()
    .map(|a| a.explanation)
    .collect();
    assert_eq!(
        skipped,
        vec![
            r#"process 0 read x "b" at offset 2 (op 1) then "d" at offset 4 (op 7), skipping "c" (op 3)"#
        ]
    );
}

/// kafka_test.clj `poll-skip-test` "txn abort": failed and unknown polls
/// are compared with the last ok one but never become the last.
#[test]
fn failed_and_unknown_polls_are_compared_but_never_the_last() {
    let sends = o(
        1,
        0,
        "ok",
        "send",
        r#"[["send","x",[0,0]],["send","x",[1,1]],["send","x",[2,2]],["send","x",[3,3]],["send","x",[4,4]],["send","x",[5,5]]]"#,
    );
    let poll = |i: u64, t: &str, reads: &str| {
        [
            o(i, 1, "invoke", "txn", r#"[["poll"]]"#),
            o(
                i + 1,
                1,
                t,
                "txn",
                &format!(r#"[["poll",{{"x":{reads}}}]]"#),
            ),
        ]
    };
    let good: Vec<String> = std::iter::once(sends.clone())
        .chain(poll(2, "ok", "[[0,0]]"))
        .chain(poll(4, "fail", "[[1,1],[2,2]]"))
        .chain(poll(6, "info", "[[1,1],[2,2]]"))
        .chain(poll(8, "ok", "[[1,1],[2,2]]"))
        .collect();
    let r = check_text(&history(&good));
    assert!(
        found(&r, PollSkip).is_empty() && found(&r, NonmonotonicPoll).is_empty(),
        "{:?}",
        r.anomalies
    );
    let bad: Vec<String> = std::iter::once(sends)
        .chain(poll(2, "ok", "[[0,0]]"))
        .chain(poll(4, "fail", "[[1,1],[2,2]]"))
        .chain(poll(6, "fail", "[[3,3],[4,4]]"))
        .chain(poll(8, "ok", "[[5,5]]"))
        .collect();
    let r = check_text(&history(&bad));
    let skips: Vec<(Vec<u64>, Vec<Val>)> = found(&r, PollSkip)
        .into_iter()
        .map(|a| (a.ops, a.values))
        .collect();
    assert_eq!(
        skips,
        vec![
            (vec![3, 7], vec![Val::Int(0), Val::Int(3)]),
            (vec![3, 9], vec![Val::Int(0), Val::Int(5)]),
        ]
    );
}

/// kafka_test.clj `nonmonotonic-poll-test`, with its assign/subscribe variants.
#[test]
fn nonmonotonic_poll_per_process_kept_across_assignments_naming_the_key() {
    let run = |between: &[String]| {
        let mut h = vec![
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x","a"],["send","x","b"],["send","x","c"],["send","x","d"]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x","a"],["send","x","b"],["send","x","c"],["send","x","d"]]"#,
            ),
            o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
            o(
                3,
                0,
                "ok",
                "poll",
                r#"[["poll",{"x":[[1,"a"],[2,"b"],[3,"c"]]}]]"#,
            ),
        ];
        h.extend(between.iter().cloned());
        h.push(o(6, 0, "invoke", "poll", r#"[["poll"]]"#));
        h.push(o(
            7,
            0,
            "ok",
            "poll",
            r#"[["poll",{"x":[[2,"b"],[3,"c"],[4,"d"]]}]]"#,
        ));
        let r = check_text(&history(&h));
        found(&r, NonmonotonicPoll)
            .into_iter()
            .map(|a| (a.ops, a.values))
            .collect::<Vec<_>>()
    };
    let errs = vec![(vec![3, 7], vec![s("c"), s("b")])];
    assert_eq!(run(&[]), errs);
    for f in ["subscribe", "assign"] {
        let to = |keys: &str| vec![o(4, 0, "invoke", f, keys), o(5, 0, "ok", f, keys)];
        assert!(run(&to(r#"["y"]"#)).is_empty(), "{f}");
        assert_eq!(run(&to(r#"["x","y"]"#)), errs, "{f}");
    }
}

/// kafka_test.clj `nonmonotonic-send-test`, with its assign/subscribe
/// variants (send tracking resets for dropped keys too).
#[test]
fn nonmonotonic_send_per_process_kept_across_assignments_naming_the_key() {
    let run = |between: &[String]| {
        let mut h = vec![
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x","c"],["send","x","d"]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x",[3,"c"]],["send","x",[4,"d"]]]"#,
            ),
        ];
        h.extend(between.iter().cloned());
        h.push(o(
            10,
            0,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","b"]]"#,
        ));
        h.push(o(
            11,
            0,
            "ok",
            "send",
            r#"[["send","x",[1,"a"]],["send","x",[2,"b"]]]"#,
        ));
        let r = check_text(&history(&h));
        found(&r, NonmonotonicSend)
            .into_iter()
            .map(|a| (a.ops, a.values))
            .collect::<Vec<_>>()
    };
    let errs = vec![(vec![0, 1, 10, 11], vec![s("d"), s("a")])];
    assert_eq!(run(&[]), errs);
    for (f, t) in [("subscribe", "ok"), ("assign", "info")] {
        let to = |keys: &str| vec![o(2, 0, "invoke", f, keys), o(3, 0, t, f, keys)];
        assert!(run(&to(r#"["y"]"#)).is_empty(), "{f}");
        assert_eq!(run(&to(r#"["x","y"]"#)), errs, "{f}");
    }
}

// --- Inside one op: int-poll-skip, int-nonmonotonic-poll, int-send-skip,
// --- int-nonmonotonic-send.

/// kafka_test.clj `int-poll-skip-test`.
#[test]
fn a_gap_inside_one_op_is_an_int_poll_skip() {
    let r = check_text(&history(&[
        o(
            0,
            1,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","d"]]"#,
        ),
        o(
            1,
            1,
            "info",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","d"]]"#,
        ),
        o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 0, "ok", "poll", r#"[["poll",{"x":[[1,"a"],[4,"d"]]}]]"#),
        o(4, 0, "invoke", "poll", r#"[["poll"],["poll"]]"#),
        o(
            5,
            0,
            "ok",
            "poll",
            r#"[["poll",{"x":[[1,"a"]]}],["poll",{"x":[[4,"d"]]}]]"#,
        ),
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 0, "ok", "poll", r#"[["poll",{"x":[[2,"b"]]}]]"#),
    ]));
    let a: Vec<(Vec<u64>, Vec<Val>)> = found(&r, IntPollSkip)
        .into_iter()
        .map(|a| (a.ops, a.values))
        .collect();
    assert_eq!(
        a,
        vec![
            (vec![3], vec![s("a"), s("d")]),
            (vec![5], vec![s("a"), s("d")])
        ]
    );
    // Without the read of b at 2 nothing is known between them.
    let r = check_text(&history(&[
        o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 0, "ok", "poll", r#"[["poll",{"x":[[1,"a"],[4,"d"]]}]]"#),
    ]));
    assert!(found(&r, IntPollSkip).is_empty());
}

/// kafka_test.clj `int-nonmonotonic-poll-test`.
#[test]
fn going_back_or_repeating_inside_one_op_is_int_nonmonotonic_poll() {
    let r = check_text(&history(&[
        o(
            0,
            0,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","c"]]"#,
        ),
        o(
            1,
            0,
            "info",
            "send",
            r#"[["send","x","a"],["send","x","b"],["send","x","c"]]"#,
        ),
        o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 0, "ok", "poll", r#"[["poll",{"x":[[3,"c"],[1,"a"]]}]]"#),
        o(4, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(
            5,
            0,
            "ok",
            "poll",
            r#"[["poll",{"x":[[2,"b"],[3,"c"]]}],["poll",{"x":[[3,"c"]]}]]"#,
        ),
    ]));
    let a: Vec<(Vec<u64>, Vec<Val>)> = found(&r, IntNonmonotonicPoll)
        .into_iter()
        .map(|a| (a.ops, a.values))
        .collect();
    assert_eq!(
        a,
        vec![
            (vec![3], vec![s("c"), s("a")]),
            (vec![5], vec![s("c"), s("c")])
        ]
    );
    assert!(found(&r, IntNonmonotonicPoll)[0]
        .explanation
        .ends_with("(delta -2)"));
    let r = check_text(&history(&[
        o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 0, "ok", "poll", r#"[["poll",{"x":[[1,"a"],[3,"c"]]}]]"#),
    ]));
    assert!(found(&r, IntNonmonotonicPoll).is_empty());
}

/// kafka_test.clj `int-send-skip-test`: allowed by Jepsen, but reported.
#[test]
fn another_value_between_two_sends_of_one_op_is_an_int_send_skip() {
    let lines = |b_offset: i64, c_offset: i64| {
        history(&[
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x","a"],["send","x","c"]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x",[1,"a"]],["send","x","c"]]"#,
            ),
            o(2, 1, "invoke", "send", r#"[["send","x","b"]]"#),
            o(3, 1, "info", "send", r#"[["send","x","b"]]"#),
            o(4, 2, "invoke", "poll", r#"[["poll"]]"#),
            o(
                5,
                2,
                "ok",
                "poll",
                &format!(r#"[["poll",{{"x":[[{b_offset},"b"],[{c_offset},"c"]]}}]]"#),
            ),
        ])
    };
    let r = check_text(&lines(2, 3));
    let a = found(&r, IntSendSkip);
    assert_eq!(
        (a.len(), a[0].values.clone(), a[0].ops.clone()),
        (1, vec![s("a"), s("c")], vec![0, 1])
    );
    let r = check_text(&lines(3, 2));
    assert!(found(&r, IntSendSkip).is_empty(), "{:?}", r.anomalies);
}

/// kafka_test.clj `int-nonmonotonic-send-test`: from acknowledged offsets,
/// or inferred from a poll.
#[test]
fn a_later_send_of_one_op_landing_earlier_is_int_nonmonotonic_send() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "send", r#"[["send","x",3],["send","x",1]]"#),
        o(
            1,
            0,
            "ok",
            "send",
            r#"[["send","x",[3,"c"]],["send","x",[1,"a"]]]"#,
        ),
        o(
            2,
            0,
            "invoke",
            "send",
            r#"[["send","y","d"],["send","y","b"]]"#,
        ),
        o(
            3,
            0,
            "info",
            "send",
            r#"[["send","y","d"],["send","y","b"]]"#,
        ),
        o(4, 1, "invoke", "send", r#"[["send","y","c"]]"#),
        o(5, 1, "info", "send", r#"[["send","y","c"]]"#),
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(
            7,
            0,
            "ok",
            "poll",
            r#"[["poll",{"y":[[2,"b"],[3,"c"],[4,"d"]]}]]"#,
        ),
    ]));
    let a: Vec<(String, Vec<Val>)> = found(&r, IntNonmonotonicSend)
        .into_iter()
        .map(|a| (a.key, a.values))
        .collect();
    assert_eq!(
        a,
        vec![
            ("x".to_string(), vec![s("c"), s("a")]),
            ("y".to_string(), vec![s("d"), s("b")])
        ]
    );
    let r = check_text(&history(&[
        o(
            0,
            0,
            "invoke",
            "send",
            r#"[["send","x","a"],["send","x","c"]]"#,
        ),
        o(
            1,
            0,
            "ok",
            "send",
            r#"[["send","x",[1,"a"]],["send","x",[3,"c"]]]"#,
        ),
    ]));
    assert!(found(&r, IntNonmonotonicSend).is_empty());
}

// --- Realtime lag.

/// kafka_test.clj `realtime-lag-test`, per key.
#[test]
fn realtime_lag_per_key_as_jepsen_measures_it() {
    let r = check_text(&history(&[
        o(0, 0, "invoke", "assign", r#"["x"]"#),
        o(1, 0, "ok", "assign", r#"["x"]"#),
        o(2, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(3, 0, "ok", "poll", r#"[["poll",{"x":[]}]]"#),
        o(4, 0, "invoke", "send", r#"[["send","x","a"]]"#),
        o(5, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
        o(6, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(7, 0, "ok", "poll", r#"[["poll",{"x":[]}]]"#),
        o(
            8,
            1,
            "invoke",
            "send",
            r#"[["send","x","c"],["send","x","d"]]"#,
        ),
        o(
            9,
            1,
            "ok",
            "send",
            r#"[["send","x",[2,"c"]],["send","x",[3,"d"]]]"#,
        ),
        o(10, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(11, 0, "ok", "poll", r#"[["poll"]]"#),
        o(12, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(13, 0, "ok", "poll", r#"[["poll",{"x":[[0,"a"],[1,"b"]]}]]"#),
        o(14, 0, "invoke", "assign", r#"["x","y"]"#),
        o(15, 0, "ok", "assign", r#"["x","y"]"#),
        o(16, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(17, 0, "ok", "poll", r#"[["poll",{}]]"#),
        o(18, 0, "invoke", "assign", r#"["y"]"#),
        o(19, 0, "ok", "assign", r#"["y"]"#),
        o(20, 0, "invoke", "assign", r#"["x"]"#),
        o(21, 0, "ok", "assign", r#"["x"]"#),
        o(22, 0, "invoke", "poll", r#"[["poll"]]"#),
        o(23, 0, "ok", "poll", r#"[["poll",{}]]"#),
        o(24, 0, "invoke", "poll", r#"[["poll"],["poll"]]"#),
        o(
            25,
            0,
            "ok",
            "poll",
            r#"[["poll",{"x":[[0,"a"],[1,"b"]]}],["poll",{"x":[[2,"c"],[3,"d"]]}]]"#,
        ),
        o(26, 1, "invoke", "send", r#"[["send","x","b"]]"#),
        o(27, 1, "info", "send", r#"[["send","x","b"]]"#),
    ]));
    let lag = &r.series.realtime_lag;
    let x: Vec<(u64, u64)> = lag["x"]
        .series
        .iter()
        .map(|p| (p.time_ns, p.value))
        .collect();
    assert_eq!(
        x,
        vec![(2, 0), (6, 1), (10, 5), (12, 3), (16, 7), (22, 17), (24, 0)]
    );
    assert_eq!((lag["x"].worst_lag_ns, lag["x"].worst_at_ns), (17, 22));
    assert_eq!(lag["x"].worst_process, Some(crate::history::Process::Id(0)));
    assert_eq!((lag["y"].worst_lag_ns, lag["y"].series.len()), (0, 1));
    // Without times there is nothing to measure.
    let r =
        check_text(r#"{"process":0,"type":"ok","f":"poll","value":[["poll",{"x":[[0,"a"]]}]]}"#);
    assert!(r.series.realtime_lag.is_empty() && r.series.unseen.is_empty());
}
