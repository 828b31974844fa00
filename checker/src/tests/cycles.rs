//! Cycles in the dependency graph: each kind present, and absent when the
//! closing dependency is missing.
use super::{check_text, found};
use crate::history::parse_history;
use crate::AnomalyKind::{self, G0Process, G0Realtime, G1c, G1cProcess, G1cRealtime, G0};
use crate::{check, CheckOptions, CheckResult, JepsenOptions, PromiseName, Semantics};

fn with_ww_deps(text: &str) -> CheckResult {
    let history = parse_history(text).expect("parses");
    check(
        &history,
        &CheckOptions {
            jepsen: Some(JepsenOptions {
                ww_deps: true,
                ..JepsenOptions::default()
            }),
            ..CheckOptions::default()
        },
    )
}

fn cycle_kinds(r: &CheckResult) -> Vec<AnomalyKind> {
    r.anomalies
        .keys()
        .copied()
        .filter(|k| {
            matches!(
                k,
                G0 | G0Process | G0Realtime | G1c | G1cProcess | G1cRealtime
            )
        })
        .collect()
}

/// Two concurrent transactions writing x and y: T1 first on x, T2 first on y.
const WRITE_CYCLE: &str = r#"{"process":1,"type":"invoke","f":"txn","value":[["send","x",1],["send","y",2]]}
{"process":2,"type":"invoke","f":"txn","value":[["send","x",3],["send","y",4]]}
{"process":1,"type":"ok","f":"txn","value":[["send","x",[0,1]],["send","y",[1,2]]]}
{"process":2,"type":"ok","f":"txn","value":[["send","x",[1,3]],["send","y",[0,4]]]}
"#;

#[test]
fn g0_from_log_order_with_ww_deps() {
    let r = with_ww_deps(WRITE_CYCLE);
    assert_eq!(cycle_kinds(&r), vec![G0], "{:?}", r.anomalies);
    let a = &found(&r, G0)[0];
    assert_eq!(a.ops, vec![0, 2, 1, 3]);
    assert_eq!(
        a.explanation,
        "G0 cycle op 2 (process 1) → op 3 (process 2) → op 2 (process 1): op 2 (process 1) wrote 1 to x at offset 0 and \
         op 3 (process 2) wrote 3 right after it, at offset 1 (ww); op 3 (process 2) wrote 4 to y at offset 0 and \
         op 2 (process 1) wrote 2 right after it, at offset 1 (ww); so each must precede itself"
    );
    assert_eq!(r.stats.ww_dependencies, 2);
}

#[test]
fn no_g0_without_ww_deps_or_when_both_logs_agree() {
    assert!(cycle_kinds(&check_text(WRITE_CYCLE)).is_empty());
    let agreeing = WRITE_CYCLE
        .replace("[1,2]", "[0,2]")
        .replace("[0,4]", "[1,4]");
    assert!(cycle_kinds(&with_ww_deps(&agreeing)).is_empty());
}

/// Two concurrent transactions, each reading the other's write.
const READ_CYCLE: &str = r#"{"process":1,"type":"invoke","f":"txn","value":[["send","x",1],["poll"]]}
{"process":2,"type":"invoke","f":"txn","value":[["send","y",2],["poll"]]}
{"process":1,"type":"ok","f":"txn","value":[["send","x",[0,1]],["poll",{"y":[[0,2]]}]]}
{"process":2,"type":"ok","f":"txn","value":[["send","y",[0,2]],["poll",{"x":[[0,1]]}]]}
"#;

#[test]
fn g1c_when_two_transactions_read_each_other() {
    let r = check_text(READ_CYCLE);
    assert_eq!(cycle_kinds(&r), vec![G1c], "{:?}", r.anomalies);
    let a = &found(&r, G1c)[0];
    assert_eq!(
        a.explanation,
        "G1c cycle op 2 (process 1) → op 3 (process 2) → op 2 (process 1): op 2 (process 1) wrote 1 to x and \
         op 3 (process 2) read it at offset 0 (wr); op 3 (process 2) wrote 2 to y and op 2 (process 1) read it \
         at offset 0 (wr); so each must precede itself"
    );
    let one_way = READ_CYCLE.replace(r#"["poll",{"y":[[0,2]]}]"#, r#"["poll",{"y":[]}]"#);
    assert!(cycle_kinds(&check_text(&one_way)).is_empty());
}

/// T1 (process 1) completes, then T3 is invoked, by process `p3`; T3's write
/// to x lands before T1's.
fn ordered_write_cycle(p3: u32) -> String {
    format!(
        r#"{{"process":1,"type":"invoke","f":"send","value":[["send","x",1]]}}
{{"process":1,"type":"ok","f":"send","value":[["send","x",[1,1]]]}}
{{"process":{p3},"type":"invoke","f":"send","value":[["send","x",3]]}}
{{"process":{p3},"type":"ok","f":"send","value":[["send","x",[0,3]]]}}
"#
    )
}

#[test]
fn g0_process_and_g0_realtime_need_an_ordering_edge_against_the_log() {
    let r = with_ww_deps(&ordered_write_cycle(1));
    assert_eq!(cycle_kinds(&r), vec![G0Process], "{:?}", r.anomalies);
    assert!(found(&r, G0Process)[0].explanation.contains(
        "process 1 completed op 1 (process 1) before it began op 3 (process 1) (process)"
    ));
    let r = with_ww_deps(&ordered_write_cycle(3));
    assert_eq!(cycle_kinds(&r), vec![G0Realtime], "{:?}", r.anomalies);
    assert!(found(&r, G0Realtime)[0]
        .explanation
        .contains("op 1 (process 1) completed before op 3 (process 3) was invoked (realtime)"));
    // Concurrent instead: nothing orders them but the log.
    let concurrent = r#"{"process":1,"type":"invoke","f":"send","value":[["send","x",1]]}
{"process":3,"type":"invoke","f":"send","value":[["send","x",3]]}
{"process":1,"type":"ok","f":"send","value":[["send","x",[1,1]]]}
{"process":3,"type":"ok","f":"send","value":[["send","x",[0,3]]]}
"#;
    assert!(cycle_kinds(&with_ww_deps(concurrent)).is_empty());
}

/// T2 (process 2) spans the rest: it writes 1, which T1 reads; T1 completes,
/// then T3 (process `p3`) writes 5, which T2 reads.
fn ordered_read_cycle(p3: u32, t2_reads: &str) -> String {
    format!(
        r#"{{"process":2,"type":"invoke","f":"txn","value":[["send","x",1],["poll"]]}}
{{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}}
{{"process":1,"type":"ok","f":"poll","value":[["poll",{{"x":[[0,1]]}}]]}}
{{"process":{p3},"type":"invoke","f":"send","value":[["send","y",5]]}}
{{"process":{p3},"type":"ok","f":"send","value":[["send","y",[0,5]]]}}
{{"process":2,"type":"ok","f":"txn","value":[["send","x",[0,1]],["poll",{{"y":{t2_reads}}}]]}}
"#
    )
}

#[test]
fn g1c_process_and_g1c_realtime() {
    let r = check_text(&ordered_read_cycle(1, "[[0,5]]"));
    assert_eq!(cycle_kinds(&r), vec![G1cProcess], "{:?}", r.anomalies);
    assert_eq!(found(&r, G1cProcess)[0].ops, vec![0, 5, 1, 2, 3, 4]);
    let r = check_text(&ordered_read_cycle(3, "[[0,5]]"));
    assert_eq!(cycle_kinds(&r), vec![G1cRealtime], "{:?}", r.anomalies);
    for p3 in [1, 3] {
        assert!(cycle_kinds(&check_text(&ordered_read_cycle(p3, "[]"))).is_empty());
    }
}

#[test]
fn g1c_breaks_read_committed_unless_ww_dependencies_are_inferred() {
    let sem = Semantics {
        min_insync_replicas: 2,
        transactional: true,
        read_committed: true,
        ..Semantics::default()
    };
    let judge = |ww_deps| {
        let history = parse_history(READ_CYCLE).expect("parses");
        check(
            &history,
            &CheckOptions {
                semantics: Some(sem.clone()),
                // `logjam check --jepsen [--ww-deps]`.
                jepsen: Some(JepsenOptions {
                    ww_deps,
                    ..JepsenOptions::default()
                }),
                ..CheckOptions::default()
            },
        )
    };
    let strict = judge(false);
    let broken: Vec<PromiseName> = strict.broken().map(|p| p.name).collect();
    assert_eq!(broken, vec![PromiseName::NoAbortedReads]);
    let inferred = judge(true);
    assert_eq!(inferred.valid, Some(true), "{:?}", inferred.promises);
    assert_eq!(inferred.allowed.get(&G1c), Some(&1));
}

#[test]
fn a_long_chain_is_searched_without_recursion() {
    // 200,000 sequential sends by one process: a chain of process and
    // realtime edges, no cycle.
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!(
            "{{\"process\":1,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"x\",{i}]]}}\n\
             {{\"process\":1,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"x\",[{i},{i}]]]}}\n"
        ));
    }
    assert!(cycle_kinds(&with_ww_deps(&text)).is_empty());
}
