//! From anomalies to a verdict and an exit status.
use super::{check_text, kinds};
use crate::history::parse_history;
use crate::{
    check, check_file, AnomalyKind, CheckOptions, CheckResult, FaultClasses, PromiseName, Semantics,
};

/// 1 acknowledged at 0 and never read, although a read reached offset 1.
const LOST: &str = r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":0,"type":"ok","f":"send","value":[["send","k",[1,2]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[1,2]]}]]}
"#;

fn check_with(text: &str, semantics: Semantics) -> CheckResult {
    let history = parse_history(text).expect("parses");
    check(
        &history,
        &CheckOptions {
            semantics: Some(semantics),
            faults: None,
            jepsen: None,
        },
    )
}

#[test]
fn a_broken_promise_fails_the_run() {
    let r = check_with(
        LOST,
        Semantics {
            min_insync_replicas: 2,
            ..Semantics::default()
        },
    );
    assert_eq!(r.valid, Some(false));
    assert_eq!(r.exit_code(), 1);
    let broken: Vec<PromiseName> = r.broken().map(|p| p.name).collect();
    assert_eq!(broken, vec![PromiseName::NoAckedLoss]);
    let verdict = r
        .promises
        .iter()
        .find(|p| p.name == PromiseName::NoAckedLoss)
        .expect("promised");
    assert_eq!(verdict.broken_by.get(&AnomalyKind::LostWrite), Some(&1));
    assert!(r.allowed.is_empty());
    assert!(r
        .promises
        .iter()
        .filter(|p| p.name != PromiseName::NoAckedLoss)
        .all(|p| p.kept));
}

#[test]
fn an_anomaly_the_configuration_allows_is_counted_not_failed() {
    let r = check_with(
        LOST,
        Semantics {
            acks: serde_json::from_str("1").expect("acks"),
            ..Semantics::default()
        },
    );
    assert_eq!(r.valid, Some(true));
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.allowed.get(&AnomalyKind::LostWrite), Some(&1));
    assert_eq!(r.counts.get(&AnomalyKind::LostWrite), Some(&1));
}

#[test]
fn without_a_configuration_anomalies_are_reported_with_no_verdict() {
    let r = check_text(LOST);
    assert_eq!((r.valid, r.promises.len(), r.allowed.len()), (None, 0, 0));
    // A lost write no ok read observed is unseen too (Jepsen's rule).
    assert_eq!(kinds(&r), vec!["lost-write", "unseen"]);
    assert_eq!(r.exit_code(), 4);
    let clean = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]]}"#,
    );
    assert_eq!((clean.valid, clean.exit_code()), (None, 0));
}

#[test]
fn faults_come_from_the_history_unless_given() {
    let text = format!(
        "{LOST}{}\n",
        r#"{"process":"nemesis","type":"info","f":"power-loss"}"#
    );
    let sem = Semantics {
        min_insync_replicas: 2,
        ..Semantics::default()
    };
    let derived = check_with(&text, sem.clone());
    assert!(derived.faults.power_loss);
    assert_eq!(
        derived.valid,
        Some(true),
        "no acked-loss promise under power loss without fsync"
    );
    let history = parse_history(&text).expect("parses");
    let given = check(
        &history,
        &CheckOptions {
            semantics: Some(sem),
            faults: Some(FaultClasses::default()),
            jepsen: None,
        },
    );
    assert_eq!(given.valid, Some(false));
}

#[test]
fn stats_count_sends_polls_and_keys() {
    let r = check_text(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"fail","f":"send","value":[["send","k",2]]}
{"process":2,"type":"info","f":"txn","value":[["send","j",3],["send","k",4]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]],"x":[]}]],"final":true}
"#,
    );
    let s = &r.stats;
    assert_eq!(
        (
            s.ops,
            s.sends_ok,
            s.sends_fail,
            s.sends_info,
            s.polls,
            s.final_polls,
            s.keys
        ),
        (5, 1, 1, 2, 2, 1, 3)
    );
}

#[test]
fn results_serialize_with_jepsen_names_and_read_back() {
    let r = check_with(
        LOST,
        Semantics {
            min_insync_replicas: 2,
            ..Semantics::default()
        },
    );
    let json = serde_json::to_string(&r).expect("serializes");
    assert!(
        json.contains(r#""lost-write":[{"kind":"lost-write","key":"k""#),
        "{json}"
    );
    assert!(json.contains(r#""name":"no-acked-loss""#), "{json}");
    let back: CheckResult = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, r);
    let g1a = serde_json::to_string(&AnomalyKind::G1a).expect("serializes");
    assert_eq!(g1a, "\"G1a\"");
    let names: Vec<String> = AnomalyKind::ALL
        .iter()
        .map(|k| serde_json::to_string(k).unwrap_or_default())
        .collect();
    let expected: Vec<String> = AnomalyKind::ALL
        .iter()
        .map(|k| format!("\"{}\"", k.as_str()))
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn check_file_reads_and_checks() {
    let path = std::env::temp_dir().join(format!("logjam-check-file-{}.jsonl", std::process::id()));
    std::fs::write(&path, LOST).expect("write temp file");
    let r = check_file(&path, &CheckOptions::default());
    std::fs::write(&path, "not json\n").expect("write temp file");
    let bad = check_file(&path, &CheckOptions::default());
    let _ = std::fs::remove_file(&path);
    assert_eq!(r.map(|r| r.counts.len()), Ok(2));
    assert_eq!(bad.map(|_| ()).map_err(|e| e.line()), Err(Some(1)));
}

#[test]
fn anomaly_kinds_parse_from_their_names() {
    for kind in AnomalyKind::ALL {
        assert_eq!(kind.as_str().parse::<AnomalyKind>(), Ok(kind));
        let serde_name = serde_json::to_value(kind).expect("serializes");
        assert_eq!(serde_name, kind.as_str(), "one name for results and serde");
    }
    assert!("meteor".parse::<AnomalyKind>().is_err());
}
