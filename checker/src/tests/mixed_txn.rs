//! Jepsen's transactional mode: `txn` ops mixing sends and polls. A poll
//! inside a committed transaction is a read like any other: the writer of
//! each value it returned precedes it (wr), so cycles pass through mixed
//! transactions; a transaction that aborted did not happen.
use super::{check_text, found};
use crate::AnomalyKind::{self, G1a, G1c};
use crate::CheckResult;

fn cycle_and_read_kinds(r: &CheckResult) -> Vec<AnomalyKind> {
    r.anomalies
        .keys()
        .copied()
        .filter(|k| k.as_str().starts_with('G'))
        .collect()
}

/// Three consume-transform-produce transactions, each polling one
/// partition and sending to the next: T1 sends x and reads z, T2 reads x
/// and sends y, T3 reads y and sends z. `T1_READ` is what T1's poll got.
fn ring(t1_read: &str) -> String {
    format!(
        r#"{{"process":1,"type":"invoke","f":"txn","value":[["send","x",1],["poll"]]}}
{{"process":2,"type":"invoke","f":"txn","value":[["poll"],["send","y",2]]}}
{{"process":3,"type":"invoke","f":"txn","value":[["poll"],["send","z",3],["poll"]]}}
{{"process":1,"type":"ok","f":"txn","value":[["send","x",[0,1]],["poll",{t1_read}]]}}
{{"process":2,"type":"ok","f":"txn","value":[["poll",{{"x":[[0,1]]}}],["send","y",[0,2]]]}}
{{"process":3,"type":"ok","f":"txn","value":[["poll",{{"y":[[0,2]]}}],["send","z",[0,3]],["poll",{{}}]]}}
"#
    )
}

#[test]
fn g1c_through_mixed_transactions() {
    let r = check_text(&ring(r#"{"z":[[0,3]]}"#));
    assert_eq!(cycle_and_read_kinds(&r), vec![G1c], "{:?}", r.anomalies);
    let a = &found(&r, G1c)[0];
    assert_eq!(
        a.ops.len(),
        6,
        "the three transactions, invoke and completion"
    );
    assert!(a.explanation.contains("G1c cycle"), "{}", a.explanation);
    assert_eq!(r.stats.wr_dependencies, 3);
}

#[test]
fn no_g1c_when_the_ring_is_not_closed() {
    // T1 polled before T3 committed: a chain, not a cycle.
    let r = check_text(&ring("{}"));
    assert!(cycle_and_read_kinds(&r).is_empty(), "{:?}", r.anomalies);
    assert_eq!(r.stats.wr_dependencies, 2);
}

#[test]
fn an_aborted_mixed_transaction_is_no_step_of_a_cycle() {
    // T3 aborted: its send of z is a read of aborted data (G1a), and the
    // ring through it is no cycle of transactions that happened.
    let text = ring(r#"{"z":[[0,3]]}"#).replace(
        r#"{"process":3,"type":"ok","f":"txn""#,
        r#"{"process":3,"type":"fail","f":"txn""#,
    );
    let r = check_text(&text);
    assert_eq!(cycle_and_read_kinds(&r), vec![G1a], "{:?}", r.anomalies);
}
