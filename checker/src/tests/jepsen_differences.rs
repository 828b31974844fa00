//! Where logjam deliberately judges differently from Jepsen (docs/JEPSEN.md,
//! "Differences from Jepsen"): one test per difference.
use super::{check_text, found, kinds};
use crate::history::{parse_history, Val};
use crate::{check, AnomalyKind, CheckOptions, FaultClasses, JepsenOptions, Semantics};

fn both(text: &str) -> crate::CheckResult {
    let history = parse_history(text).expect("parses");
    check(
        &history,
        &CheckOptions {
            semantics: Some(Semantics {
                min_insync_replicas: 2,
                ..Semantics::default()
            }),
            faults: Some(FaultClasses::default()),
            jepsen: Some(JepsenOptions::default()),
        },
    )
}

/// Difference 1: Final reads: a write some read returned that the final reads of its
/// key do not is lost for logjam, not for Jepsen (an ok op read it).
#[test]
fn a_write_missing_from_the_final_reads_is_lost_beyond_jepsen() {
    let r = both(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[]}]],"final":true}
"#,
    );
    assert_eq!(kinds(&r), vec!["lost-write"]);
    assert_eq!(r.valid, Some(false), "no-acked-loss is broken");
    let j = r.jepsen.expect("asked for");
    assert!(j.valid && j.counts.is_empty(), "{j:?}");
}

/// Difference 2: Inconsistent offsets only sends claim: reported by Jepsen's rule, but
/// logjam's consistent-offsets promise judges the log as read.
#[test]
fn an_offset_only_sends_claim_twice_breaks_no_logjam_promise() {
    let text = r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"ok","f":"send","value":[["send","k",[0,2]]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,2]]}]]}
"#;
    let r = both(text);
    assert!(r.counts.contains_key(&AnomalyKind::InconsistentOffsets));
    let consistent = r
        .promises
        .iter()
        .find(|p| p.name == crate::PromiseName::ConsistentOffsets)
        .expect("promised");
    assert!(consistent.kept);
    let j = r.jepsen.expect("asked for");
    assert!(j.bad.contains(&AnomalyKind::InconsistentOffsets), "{j:?}");
    // Two reads disagreeing break the promise.
    let r = both(
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,1]]}]]}
{"process":2,"type":"ok","f":"poll","value":[["poll",{"k":[[0,2]]}]]}
"#,
    );
    let consistent = r
        .promises
        .iter()
        .find(|p| p.name == crate::PromiseName::ConsistentOffsets)
        .expect("promised");
    assert!(!consistent.kept);
}

/// Difference 3: Determinism: at an offset holding several values Jepsen lets a hash
/// order pick the one that stands for it; logjam picks the one placed first
/// in history order, whatever the values are.
#[test]
fn the_value_placed_first_stands_for_a_conflicting_offset() {
    for (first, second) in [(1, 2), (2, 1)] {
        let r = check_text(&format!(
            r#"{{"process":0,"type":"ok","f":"send","value":[["send","k",[0,{first}]]]}}
{{"process":1,"type":"ok","f":"send","value":[["send","k",[0,{second}]]]}}
{{"process":0,"type":"ok","f":"send","value":[["send","k",[1,3]]]}}
{{"process":1,"type":"ok","f":"send","value":[["send","k",[1,4]]]}}
{{"process":9,"type":"ok","f":"poll","value":[["poll",{{"k":[[0,{first}],[1,3],[0,{second}]]}}]]}}
"#
        ));
        // first (index 0) then 3 (index 1) then second (no index): only the
        // step from first to 3 is judged, and it is +1.
        assert!(
            found(&r, AnomalyKind::IntNonmonotonicPoll).is_empty(),
            "{:?}",
            r.anomalies
        );
        assert_eq!(
            found(&r, AnomalyKind::InconsistentOffsets)[0].values,
            vec![Val::Int(first), Val::Int(second)]
        );
    }
}

/// Difference 4: logjam's own kinds (int-duplicate, the group-level ones, replica
/// divergence) are reported but take no part in Jepsen's verdict.
#[test]
fn logjam_only_kinds_leave_jepsen_validity_alone() {
    let r = both(
        r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,"a"]],["send","k",[1,"b"]]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,"a"],[1,"b"],[2,"a"]]}]]}
"#,
    );
    assert!(
        r.counts.contains_key(&AnomalyKind::IntDuplicate),
        "{:?}",
        r.counts
    );
    let j = r.jepsen.expect("asked for");
    assert!(!j.counts.contains_key(&AnomalyKind::IntDuplicate));
    // "a" stands for its last offset, 2 (Jepsen's by-value), so both the
    // sends and the poll go backwards from it to "b".
    assert_eq!(
        j.bad,
        vec![
            AnomalyKind::Duplicate,
            AnomalyKind::IntNonmonotonicSend,
            AnomalyKind::IntNonmonotonicPoll
        ]
    );
}

/// Difference 5: A value in the version order that no op sent: Jepsen's lost-write
/// stops with an error (no writer); logjam judges it not lost and goes on.
#[test]
fn a_value_nobody_sent_is_never_lost() {
    let r = check_text(
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,"ghost"]]}]]}
{"process":2,"type":"ok","f":"poll","value":[["poll",{"k":[[1,"b"]]}]]}
"#,
    );
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}
