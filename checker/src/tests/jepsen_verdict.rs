//! Validity as Jepsen computes it (`logjam check --jepsen`): which kinds are
//! bad, and what subscribe and ww-deps allow.
use crate::history::parse_history;
use crate::{check, AnomalyKind, CheckOptions, JepsenOptions};

fn judge(text: &str, options: JepsenOptions) -> crate::JepsenVerdict {
    let history = parse_history(text).expect("parses");
    let r = check(
        &history,
        &CheckOptions {
            jepsen: Some(options),
            ..CheckOptions::default()
        },
    );
    r.jepsen.expect("asked for")
}

/// Process 5 reads 10 then 12, skipping 11 at offset 1.
const POLL_SKIP: &str = r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[0,10]],["send","k",[1,11]],["send","k",[2,12]]]}
{"process":9,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10],[1,11],[2,12]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[0,10]]}]]}
{"process":5,"type":"ok","f":"poll","value":[["poll",{"k":[[2,12]]}]]}
"#;

#[test]
fn a_poll_skip_is_bad_unless_consumers_subscribe() {
    let v = judge(POLL_SKIP, JepsenOptions::default());
    assert_eq!(
        (v.valid, v.bad.clone()),
        (false, vec![AnomalyKind::PollSkip])
    );
    let v = judge(
        POLL_SKIP,
        JepsenOptions {
            subscribe: true,
            ..JepsenOptions::default()
        },
    );
    assert!(
        v.valid && v.counts.contains_key(&AnomalyKind::PollSkip),
        "{v:?}"
    );
    // A subscribe op in the history says consumers subscribe.
    let v = judge(
        &format!(
            "{POLL_SKIP}{}",
            r#"{"process":7,"type":"ok","f":"subscribe","value":["k"]}"#
        ),
        JepsenOptions::default(),
    );
    assert!(v.valid && v.options.subscribe, "{v:?}");
}

#[test]
fn int_send_skip_is_always_allowed_and_a_clean_history_is_valid() {
    let skip = r#"{"process":0,"type":"ok","f":"send","value":[["send","x",[1,"a"]],["send","x",[3,"c"]]]}
{"process":1,"type":"ok","f":"send","value":[["send","x",[2,"b"]]]}
{"process":2,"type":"ok","f":"poll","value":[["poll",{"x":[[1,"a"],[2,"b"],[3,"c"]]}]]}
"#;
    let v = judge(skip, JepsenOptions::default());
    assert!(v.valid, "{v:?}");
    assert_eq!(v.counts.get(&AnomalyKind::IntSendSkip), Some(&1));
    let lost = r#"{"process":0,"type":"ok","f":"send","value":[["send","x",[1,"a"]],["send","x",[2,"b"]]]}
{"process":2,"type":"ok","f":"poll","value":[["poll",{"x":[[2,"b"]]}]]}
"#;
    let v = judge(lost, JepsenOptions::default());
    assert_eq!(v.bad, vec![AnomalyKind::LostWrite, AnomalyKind::Unseen]);
}

#[test]
fn ww_deps_allows_g1c_and_g0_is_always_allowed() {
    let plain = JepsenOptions::default();
    let ww = JepsenOptions {
        ww_deps: true,
        ..plain
    };
    for kind in [
        AnomalyKind::G0,
        AnomalyKind::G0Process,
        AnomalyKind::G0Realtime,
    ] {
        assert!(plain.allows(kind) && ww.allows(kind), "{kind}");
    }
    for kind in [
        AnomalyKind::G1c,
        AnomalyKind::G1cProcess,
        AnomalyKind::G1cRealtime,
    ] {
        assert!(!plain.allows(kind) && ww.allows(kind), "{kind}");
    }
    assert!(!ww.allows(AnomalyKind::PollSkip) && !ww.allows(AnomalyKind::G1a));
}

#[test]
fn info_causes_are_the_distinct_errors_of_unknown_ops() {
    let text = r#"{"process":0,"type":"invoke","f":"send","value":[["send","x",1]]}
{"process":0,"type":"info","f":"send","value":[["send","x",1]],"error":"timeout"}
{"process":1,"type":"invoke","f":"send","value":[["send","x",2]]}
{"process":1,"type":"info","f":"send","value":[["send","x",2]],"error":"timeout"}
{"process":2,"type":"invoke","f":"send","value":[["send","x",3]]}
{"process":2,"type":"fail","f":"send","value":[["send","x",3]],"error":"refused"}
"#;
    let v = judge(text, JepsenOptions::default());
    assert_eq!(v.info_causes, vec!["timeout".to_string()]);
}
