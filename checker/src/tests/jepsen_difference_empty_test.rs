//! Difference 7 of docs/JEPSEN.md ("Differences from Jepsen"): an empty
//! test. Jepsen calls a history whose transaction graph has no dependency at
//! all invalid (`empty-transaction-graph`); logjam names no anomaly for it
//! (nothing happened, so nothing went wrong) and says instead, through the
//! promises, that the history exercised none of them: `logjam check
//! --config` exits 5, neither kept nor broken (issue 14).
use crate::history::parse_history;
use crate::{check, CheckOptions, CheckResult, JepsenOptions, Semantics};

fn judged(text: &str) -> CheckResult {
    let history = parse_history(text).expect("parses");
    check(
        &history,
        &CheckOptions {
            semantics: Some(Semantics {
                min_insync_replicas: 2,
                ..Semantics::default()
            }),
            faults: None,
            jepsen: Some(JepsenOptions::default()),
        },
    )
}

#[test]
fn an_empty_history_is_no_anomaly_but_exercises_nothing() {
    let empty = judged("{\"logjam_history\":1}\n");
    assert!(empty.anomalies.is_empty(), "{:?}", empty.anomalies);
    let jepsen = empty.jepsen.clone().expect("asked for");
    assert!(jepsen.valid && jepsen.counts.is_empty(), "{jepsen:?}");
    assert!(empty.nothing_exercised(), "{:?}", empty.promises);
    assert_eq!(empty.exit_code(), 5);
    // One acknowledged send that a poll and the final read returned: a
    // write-read dependency, and the no-loss promise exercised and kept.
    let tested = judged(concat!(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","x",[0,1]]]}"#,
        "\n",
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"x":[[0,1]]}]]}"#,
        "\n",
        r#"{"process":2,"type":"ok","f":"poll","value":[["poll",{"x":[[0,1]]}]],"final":true}"#,
        "\n",
    ));
    assert!(tested.anomalies.is_empty(), "{:?}", tested.anomalies);
    assert!(!tested.nothing_exercised(), "{:?}", tested.promises);
    assert_eq!(tested.exit_code(), 0);
}
