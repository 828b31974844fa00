//! `empty-transaction-graph` in Jepsen's verdict: no operation depends on
//! another (no wr, ww or realtime edge), so the history is not a valid test;
//! any one dependency makes it a test again.
use crate::history::parse_history;
use crate::{check, AnomalyKind, CheckOptions, JepsenOptions, JepsenVerdict};

fn judge(text: &str, ww_deps: bool) -> JepsenVerdict {
    let history = parse_history(text).expect("parses");
    let r = check(
        &history,
        &CheckOptions {
            jepsen: Some(JepsenOptions {
                ww_deps,
                ..JepsenOptions::default()
            }),
            ..CheckOptions::default()
        },
    );
    assert!(
        !r.anomalies
            .contains_key(&AnomalyKind::EmptyTransactionGraph),
        "judged in Jepsen's verdict only"
    );
    r.jepsen.expect("asked for")
}

fn is_empty_graph(v: &JepsenVerdict) -> bool {
    v.bad.contains(&AnomalyKind::EmptyTransactionGraph)
        && v.counts.get(&AnomalyKind::EmptyTransactionGraph) == Some(&1)
}

/// Two sends in flight together, one poll in flight with them that read
/// nothing: no op read another's value, none completed before another began.
const CONCURRENT_ONLY: &str = r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":1,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"ok","f":"send","value":[["send","k",[1,2]]]}
{"process":2,"type":"ok","f":"poll","value":[["poll",{}]]}
"#;

/// Two polls in flight together, both empty: nothing else is wrong.
const TWO_EMPTY_POLLS: &str = r#"{"process":0,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":0,"type":"ok","f":"poll","value":[["poll",{}]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[]}]]}
"#;

#[test]
fn no_dependency_at_all_is_not_a_valid_test() {
    let v = judge(TWO_EMPTY_POLLS, false);
    assert_eq!(
        (v.valid, v.bad.clone()),
        (false, vec![AnomalyKind::EmptyTransactionGraph])
    );
    assert!(is_empty_graph(&judge(CONCURRENT_ONLY, false)));
    // An empty history too.
    let v = judge("", false);
    assert!(!v.valid && is_empty_graph(&v), "{v:?}");
    // A failed op ends nothing before the next begins (Elle's realtime
    // edges start at ok completions only).
    let failed_first = r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"fail","f":"send","value":[["send","k",1]]}
{"process":0,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[0,2]]]}
"#;
    assert!(is_empty_graph(&judge(failed_first, false)));
}

#[test]
fn one_read_of_another_ops_value_is_a_dependency() {
    let read = CONCURRENT_ONLY.replace(r#"["poll",{}]"#, r#"["poll",{"k":[[0,1]]}]"#);
    let v = judge(&read, false);
    assert!(
        !is_empty_graph(&v) && !v.bad.contains(&AnomalyKind::EmptyTransactionGraph),
        "{v:?}"
    );
    // A read of its own send is no dependency (precommitted-read is found
    // instead, a kind of its own).
    let own = r#"{"process":0,"type":"invoke","f":"txn","value":[["send","k",1],["poll"]]}
{"process":0,"type":"ok","f":"txn","value":[["send","k",[0,1]],["poll",{"k":[[0,1]]}]]}
"#;
    let v = judge(own, false);
    assert!(is_empty_graph(&v), "{v:?}");
}

#[test]
fn an_op_invoked_after_an_ok_completion_is_a_dependency() {
    // The two empty polls one after the other: a valid test.
    let one_after_the_other = r#"{"process":0,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":0,"type":"ok","f":"poll","value":[["poll",{}]]}
{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[]}]]}
"#;
    let v = judge(one_after_the_other, false);
    assert!(v.valid && v.counts.is_empty(), "{v:?}");
    let sequential = r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"invoke","f":"send","value":[["send","j",2]]}
{"process":1,"type":"info","f":"send","value":[["send","j",2]]}
"#;
    let v = judge(sequential, false);
    assert!(
        !is_empty_graph(&v) && !v.bad.contains(&AnomalyKind::EmptyTransactionGraph),
        "{v:?}"
    );
    // Nemesis ops and other functions take no part.
    let nemesis = r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":"nemesis","type":"info","f":"crash","value":{"broker":1}}
{"process":1,"type":"invoke","f":"assign","value":["k"]}
{"process":1,"type":"ok","f":"assign","value":["k"]}
"#;
    assert!(is_empty_graph(&judge(nemesis, false)));
}

#[test]
fn successive_writers_are_a_dependency_only_with_ww_deps() {
    assert!(is_empty_graph(&judge(CONCURRENT_ONLY, false)));
    let v = judge(CONCURRENT_ONLY, true);
    assert!(
        !is_empty_graph(&v) && !v.bad.contains(&AnomalyKind::EmptyTransactionGraph),
        "{v:?}"
    );
}
