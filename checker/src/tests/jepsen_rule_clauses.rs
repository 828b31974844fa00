//! The clauses of Jepsen's rules (docs/JEPSEN.md) that `jepsen_rules.rs`,
//! built on Jepsen's own checker tests, leaves without a history of their
//! own: which completion types count where (the "Indeterminate and failed
//! ops" table), an empty poll as a process's last read, an `info` subscribe,
//! and realtime lag across `subscribe`. Each on a small hand-written history,
//! present and absent, asserting the anomaly's values, offsets and proof ops.
use super::{check_text, found};
use crate::history::Val;
use crate::AnomalyKind::*;

/// One line whose time is its index, as in `jepsen_rules.rs`.
fn o(index: u64, process: u64, op_type: &str, f: &str, value: &str) -> String {
    format!(
        r#"{{"index":{index},"time":{index},"process":{process},"type":"{op_type}","f":"{f}","value":{value}}}"#
    )
}

fn history(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn s(v: &str) -> Val {
    Val::Str(v.into())
}

/// Version order, send offsets: a `fail` send's offset never enters it (the
/// write definitely did not happen), an `ok` one's does. Process 1's send of
/// b claims a's offset 0.
#[test]
fn a_failed_send_claims_no_offset() {
    let lines = |outcome: &str| {
        history(&[
            o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
            o(1, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
            o(2, 1, "invoke", "send", r#"[["send","x","b"]]"#),
            o(3, 1, outcome, "send", r#"[["send","x",[0,"b"]]]"#),
        ])
    };
    let r = check_text(&lines("ok"));
    let a = found(&r, InconsistentOffsets);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].key.as_str(), a[0].offsets.clone(), a[0].values.clone()),
        ("x", vec![0], vec![s("a"), s("b")])
    );
    assert_eq!(a[0].ops, vec![1, 3]);
    let r = check_text(&lines("fail"));
    assert!(
        found(&r, InconsistentOffsets).is_empty(),
        "{:?}",
        r.anomalies
    );
}

/// Reads that satisfy unseen: only `ok` polls. A value only an `info` poll
/// returned is still unseen at the end; an `ok` poll's read clears it.
#[test]
fn a_value_only_an_unknown_poll_read_is_unseen() {
    let lines = |reader: &str| {
        history(&[
            o(0, 0, "invoke", "send", r#"[["send","x","a"]]"#),
            o(1, 0, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
            o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 1, reader, "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#),
        ])
    };
    let r = check_text(&lines("info"));
    let a = found(&r, Unseen);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].key.as_str(), a[0].values.clone()),
        ("x", vec![s("a")])
    );
    assert_eq!(a[0].ops, vec![0, 1]);
    let r = check_text(&lines("ok"));
    assert!(found(&r, Unseen).is_empty(), "{:?}", r.anomalies);
}

/// G1a's writer: only one that definitely failed. An `ok` read of a value
/// whose send is `info` (it may have happened) is no G1a; of a `fail` one,
/// it is, with the writer's invocation and completion and the reader as proof.
#[test]
fn g1a_needs_a_writer_that_definitely_failed() {
    let lines = |writer: &str| {
        history(&[
            o(0, 0, "invoke", "send", r#"[["send","x",2]]"#),
            o(1, 0, writer, "send", r#"[["send","x",2]]"#),
            o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 1, "ok", "poll", r#"[["poll",{"x":[[0,2]]}]]"#),
        ])
    };
    let r = check_text(&lines("fail"));
    let a = found(&r, G1a);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].key.as_str(), a[0].values.clone(), a[0].ops.clone()),
        ("x", vec![Val::Int(2)], vec![0, 1, 3])
    );
    let r = check_text(&lines("info"));
    assert!(found(&r, G1a).is_empty(), "{:?}", r.anomalies);
}

/// nonmonotonic-send is judged over `ok` and `info` send and txn ops, never
/// a `fail` one. Process 0 commits a txn that lands c at 3, then sends a,
/// which a poll finds at 1: an `info` send of a went backwards; a failed
/// one is not judged (its read is G1a instead).
#[test]
fn nonmonotonic_send_judges_ok_and_info_txn_and_send_ops_not_failed_ones() {
    let lines = |outcome: &str| {
        history(&[
            o(0, 0, "invoke", "txn", r#"[["send","x","c"]]"#),
            o(1, 0, "ok", "txn", r#"[["send","x",[3,"c"]]]"#),
            o(2, 0, "invoke", "send", r#"[["send","x","a"]]"#),
            o(3, 0, outcome, "send", r#"[["send","x","a"]]"#),
            o(4, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(5, 1, "ok", "poll", r#"[["poll",{"x":[[1,"a"],[3,"c"]]}]]"#),
        ])
    };
    let r = check_text(&lines("info"));
    let a = found(&r, NonmonotonicSend);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].key.as_str(), a[0].values.clone(), a[0].offsets.clone()),
        ("x", vec![s("c"), s("a")], vec![3, 1])
    );
    assert_eq!(a[0].ops, vec![0, 1, 2, 3]);
    let r = check_text(&lines("fail"));
    assert!(found(&r, NonmonotonicSend).is_empty(), "{:?}", r.anomalies);
    assert_eq!(found(&r, G1a).len(), 1, "{:?}", r.anomalies);
}

/// Per-process tracking: an `ok` poll that returned `{x: []}` becomes the
/// last read of x with no value, so the next read is compared with nothing.
/// A `fail` empty poll never becomes the last: process 5 read x at 2, then
/// at 0, going backwards.
#[test]
fn an_empty_ok_poll_is_a_last_read_with_no_value() {
    let lines = |empty: &str| {
        history(&[
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x",10],["send","x",11],["send","x",12]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x",[0,10]],["send","x",[1,11]],["send","x",[2,12]]]"#,
            ),
            o(2, 5, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 5, "ok", "poll", r#"[["poll",{"x":[[2,12]]}]]"#),
            o(4, 5, "invoke", "poll", r#"[["poll"]]"#),
            o(5, 5, empty, "poll", r#"[["poll",{"x":[]}]]"#),
            o(6, 5, "invoke", "poll", r#"[["poll"]]"#),
            o(7, 5, "ok", "poll", r#"[["poll",{"x":[[0,10],[1,11]]}]]"#),
        ])
    };
    let r = check_text(&lines("fail"));
    let a = found(&r, NonmonotonicPoll);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].values.clone(), a[0].offsets.clone(), a[0].ops.clone()),
        (vec![Val::Int(12), Val::Int(10)], vec![2, 0], vec![3, 7])
    );
    let r = check_text(&lines("ok"));
    assert!(found(&r, NonmonotonicPoll).is_empty(), "{:?}", r.anomalies);
}

/// int-* checks judge ops of every outcome: a failed or unknown poll that
/// jumps over a known offset inside itself is an int-poll-skip, one that
/// goes back an int-nonmonotonic-poll; read in order, neither.
#[test]
fn internal_checks_judge_failed_and_unknown_ops_too() {
    let lines = |outcome: &str, reads: &str| {
        history(&[
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
                "ok",
                "send",
                r#"[["send","x",[0,"a"]],["send","x",[1,"b"]],["send","x",[2,"c"]]]"#,
            ),
            o(2, 1, "invoke", "poll", r#"[["poll"]]"#),
            o(
                3,
                1,
                outcome,
                "poll",
                &format!(r#"[["poll",{{"x":{reads}}}]]"#),
            ),
        ])
    };
    for outcome in ["fail", "info"] {
        let r = check_text(&lines(outcome, r#"[[0,"a"],[2,"c"]]"#));
        let a = found(&r, IntPollSkip);
        assert_eq!(a.len(), 1, "{outcome}: {:?}", r.anomalies);
        assert_eq!(
            (a[0].values.clone(), a[0].offsets.clone(), a[0].ops.clone()),
            (vec![s("a"), s("c")], vec![0, 2], vec![3]),
            "{outcome}"
        );
        let r = check_text(&lines(outcome, r#"[[1,"b"],[0,"a"]]"#));
        let a = found(&r, IntNonmonotonicPoll);
        assert_eq!(a.len(), 1, "{outcome}: {:?}", r.anomalies);
        assert_eq!(
            (a[0].values.clone(), a[0].offsets.clone(), a[0].ops.clone()),
            (vec![s("b"), s("a")], vec![1, 0], vec![3]),
            "{outcome}"
        );
        let r = check_text(&lines(outcome, r#"[[0,"a"],[1,"b"],[2,"c"]]"#));
        assert!(
            found(&r, IntPollSkip).is_empty() && found(&r, IntNonmonotonicPoll).is_empty(),
            "{outcome}: {:?}",
            r.anomalies
        );
    }
}

/// An `info` subscribe changes the tracked keys as an `info` assign does
/// (JEPSEN.md, "How logjam applies them"): dropping x forgets process 5's
/// read of x at 2, naming x keeps it, and the read at 0 goes backwards.
#[test]
fn an_unknown_subscribe_resets_only_the_keys_it_drops() {
    let lines = |keys: &str| {
        history(&[
            o(
                0,
                0,
                "invoke",
                "send",
                r#"[["send","x",10],["send","x",11],["send","x",12]]"#,
            ),
            o(
                1,
                0,
                "ok",
                "send",
                r#"[["send","x",[0,10]],["send","x",[1,11]],["send","x",[2,12]]]"#,
            ),
            o(2, 5, "invoke", "poll", r#"[["poll"]]"#),
            o(3, 5, "ok", "poll", r#"[["poll",{"x":[[2,12]]}]]"#),
            o(4, 5, "invoke", "subscribe", keys),
            o(5, 5, "info", "subscribe", keys),
            o(6, 5, "invoke", "poll", r#"[["poll"]]"#),
            o(7, 5, "ok", "poll", r#"[["poll",{"x":[[0,10]]}]]"#),
        ])
    };
    let r = check_text(&lines(r#"["x","y"]"#));
    let a = found(&r, NonmonotonicPoll);
    assert_eq!(a.len(), 1, "{:?}", r.anomalies);
    assert_eq!(
        (a[0].values.clone(), a[0].ops.clone()),
        (vec![Val::Int(12), Val::Int(10)], vec![3, 7])
    );
    let r = check_text(&lines(r#"["y"]"#));
    assert!(found(&r, NonmonotonicPoll).is_empty(), "{:?}", r.anomalies);
}

/// Realtime lag: an `assign` keeps the positions of the keys it still
/// names, a `subscribe` forgets every position. Process 0 read x at 0; c
/// was then known at 2 (time 7). After `assign ["x"]` its empty poll
/// invoked at 10 lags 10 - 3 = 7 on x (offset 1 known since time 3); after
/// `subscribe ["x"]` it holds no position, so that poll measures nothing.
#[test]
fn realtime_lag_keeps_assigned_positions_and_forgets_them_on_subscribe() {
    let lines = |f: &str| {
        history(&[
            o(0, 1, "invoke", "send", r#"[["send","x","a"]]"#),
            o(1, 1, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
            o(2, 1, "invoke", "send", r#"[["send","x","b"]]"#),
            o(3, 1, "ok", "send", r#"[["send","x",[1,"b"]]]"#),
            o(4, 0, "invoke", "poll", r#"[["poll"]]"#),
            o(5, 0, "ok", "poll", r#"[["poll",{"x":[[0,"a"]]}]]"#),
            o(6, 1, "invoke", "send", r#"[["send","x","c"]]"#),
            o(7, 1, "ok", "send", r#"[["send","x",[2,"c"]]]"#),
            o(8, 0, "invoke", f, r#"["x"]"#),
            o(9, 0, "ok", f, r#"["x"]"#),
            o(10, 0, "invoke", "poll", r#"[["poll"]]"#),
            o(11, 0, "ok", "poll", r#"[["poll",{}]]"#),
        ])
    };
    let series = |f: &str| -> Vec<(u64, u64)> {
        let r = check_text(&lines(f));
        r.series.realtime_lag["x"]
            .series
            .iter()
            .map(|p| (p.time_ns, p.value))
            .collect()
    };
    assert_eq!(series("assign"), vec![(4, 1), (10, 7)]);
    assert_eq!(series("subscribe"), vec![(4, 1)]);
}

/// Validity: nonmonotonic-poll is bad, unless consumers subscribe (a
/// rebalance may hand a partition back to an earlier position), when it is
/// still counted but allowed.
#[test]
fn nonmonotonic_poll_is_bad_unless_consumers_subscribe() {
    let text = history(&[
        o(
            0,
            0,
            "ok",
            "send",
            r#"[["send","x",[0,10]],["send","x",[1,11]]]"#,
        ),
        o(1, 5, "ok", "poll", r#"[["poll",{"x":[[1,11]]}]]"#),
        o(2, 5, "ok", "poll", r#"[["poll",{"x":[[0,10],[1,11]]}]]"#),
    ]);
    let judge = |subscribe: bool| {
        let history = crate::history::parse_history(&text).expect("parses");
        let options = crate::CheckOptions {
            jepsen: Some(crate::JepsenOptions {
                subscribe,
                ..crate::JepsenOptions::default()
            }),
            ..crate::CheckOptions::default()
        };
        crate::check(&history, &options).jepsen.expect("asked for")
    };
    let v = judge(false);
    assert_eq!((v.valid, v.bad.clone()), (false, vec![NonmonotonicPoll]));
    let v = judge(true);
    assert!(v.valid && v.bad.is_empty(), "{v:?}");
    assert_eq!(v.counts.get(&NonmonotonicPoll), Some(&1));
}
