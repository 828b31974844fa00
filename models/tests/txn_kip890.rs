//! The KIP-890 hazards (issue 12), each in both directions: transaction
//! version 1 (`logjam.legacy.transaction.v1`: no partition verification, the
//! epoch kept from one transaction to the next, Kafka 3.x) against version 2.
//!
//! 1. A produce of transaction B is held on the client's link to the
//!    partition leader; the client gives up on it, aborts B (bumping its
//!    epoch, KIP-360) and commits C to the same partition; then the held
//!    request arrives. v1: the leader accepts it (same epoch as the partition
//!    last saw, no verification) and it becomes part of C, so the aborted
//!    value is returned to read_committed readers. v2: B's ABORT marker
//!    carried a bumped epoch, so the late write is fenced.
//! 2. The same late write when the producer does not write to that partition
//!    again: v1 opens a transaction there that no coordinator knows about (a
//!    hanging transaction), and the last stable offset stays below another
//!    producer's committed write even after transaction.timeout.ms; v2 fences
//!    it.
//! 3. The EndTxn(commit) of transaction N is held on the link to coordinator
//!    A; A is cut off, the retry commits N at the new coordinator and the
//!    producer begins N+1; A leads the id again and the held request arrives.
//!    v1: Kafka 3.x's handleEndTransaction checks only producer id and epoch,
//!    so it commits N+1 (whose application then aborts it: committed in
//!    part). v2: N's commit bumped the epoch, and A answers PRODUCER_FENCED.
mod common;
use common::txn::*;
use common::*;
use logjam_models::config::IsolationLevel;
use logjam_models::events::ClusterEvent;
use logjam_models::ids::{broker_host, BrokerId};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

async fn wait_for(flag: &Cell<bool>) {
    while !flag.get() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Holds `client`'s link to the leader of whichever of the two partitions
/// the coordinator of `TXN_ID` does not lead (so only the produce is held,
/// never EndTxn); returns that partition and its leader.
fn hold_link_to_partition_led_elsewhere(t: &mut TestCluster, client: &str) -> (u32, BrokerId) {
    let coordinator = t
        .events()
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged {
                broker,
                transactional_id,
                ..
            } if transactional_id == TXN_ID => Some(*broker),
            _ => None,
        })
        .expect("a coordinator");
    let target = (0..2)
        .find(|&p| t.cluster.leader_of(&tp(p)) != Some(coordinator))
        .expect("a partition led elsewhere (seed chosen so)");
    let leader = t.cluster.leader_of(&tp(target)).expect("a leader");
    t.sim.hold(client, broker_host(leader).as_str());
    (target, leader)
}

/// Returns read_committed's values, read_uncommitted's values and the
/// outcomes of B's send and abort.
fn delayed_produce(legacy_v1: bool) -> (Vec<u64>, Vec<u64>, Vec<String>) {
    let mut config = txn_config(legacy_v1);
    // Longer than B's send retries (delivery.timeout.ms), so the coordinator
    // does not abort B on its own first.
    config.producer.transaction_timeout_ms = 20_000;
    let mut t = TestCluster::new(config.clone(), 47);
    t.run_for(3_000);
    // The partition whose leader is not the coordinator (so EndTxn is not held).
    let coordinator_and_target: Rc<RefCell<Option<u32>>> = Rc::default();
    let (phase_a, go_b, phase_b, go_c) = (
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
        Rc::new(Cell::new(false)),
    );
    let outcomes: Rc<RefCell<Vec<String>>> = Rc::default();
    let (pa, gb, pb, gc, target, out) = (
        phase_a.clone(),
        go_b.clone(),
        phase_b.clone(),
        go_c.clone(),
        coordinator_and_target.clone(),
        outcomes.clone(),
    );
    let (client, done) = t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("A 1");
        p.send(tp(1), record(10)).await.expect("A 10");
        p.commit_transaction().await.expect("A commits");
        pa.set(true);
        wait_for(&gb).await;
        let target = tp(target.borrow().expect("chosen"));
        p.begin_transaction().unwrap();
        let sent = p.send(target.clone(), record(2)).await;
        out.borrow_mut().push(format!("{sent:?}"));
        let aborted = p.abort_transaction().await;
        out.borrow_mut().push(format!("{aborted:?}"));
        aborted.expect("B aborts");
        pb.set(true);
        wait_for(&gc).await;
        p.begin_transaction().unwrap();
        p.send(target, record(3)).await.expect("C 3");
        p.commit_transaction().await.expect("C commits");
    });
    assert!(t.run_until(20_000, |_| phase_a.get()), "A committed");
    let (target, leader) = hold_link_to_partition_led_elsewhere(&mut t, &client);
    *coordinator_and_target.borrow_mut() = Some(target);
    go_b.set(true);
    assert!(
        t.run_until(30_000, |_| phase_b.get()),
        "B gave up and aborted"
    );
    t.sim.release(client.as_str(), broker_host(leader).as_str());
    t.run_for(2_000);
    go_c.set(true);
    assert!(t.run_until(30_000, |_| done.get()), "C committed");
    t.run_for(1_000);
    let mut committed = read_values(&t.read_for(IsolationLevel::ReadCommitted, 1_500));
    committed.sort();
    let mut uncommitted = read_values(&t.read_for(IsolationLevel::ReadUncommitted, 1_500));
    uncommitted.sort();
    let outcomes = outcomes.borrow().clone();
    (committed, uncommitted, outcomes)
}

#[test]
fn version_1_a_late_write_of_an_aborted_transaction_joins_the_next() {
    let (committed, uncommitted, outcomes) = delayed_produce(true);
    assert!(
        outcomes[0].contains("Abortable"),
        "B's send gave up: {outcomes:?}"
    );
    assert!(
        uncommitted.contains(&2),
        "the late write landed: {uncommitted:?}"
    );
    assert_eq!(
        committed,
        vec![1, 2, 3, 10],
        "the aborted value 2 is visible to read_committed"
    );
}

#[test]
fn version_2_fences_the_late_write() {
    let (committed, uncommitted, outcomes) = delayed_produce(false);
    assert!(
        outcomes[0].contains("Abortable"),
        "B's send gave up: {outcomes:?}"
    );
    assert_eq!(committed, vec![1, 3, 10], "never the aborted value");
    assert!(
        !uncommitted.contains(&2),
        "the late write was refused: {uncommitted:?}"
    );
}

/// What the hanging-transaction schedule left: the target partition's values
/// read at each isolation level, the offset of the late write in the
/// leader's log (if it was written), the last marker for the producer on the
/// target before it, and the coordinator's last state for the producer's id.
struct Hanging {
    committed: Vec<u64>,
    uncommitted: Vec<u64>,
    late_offset: Option<i64>,
    last_marker: Option<(i64, bool)>,
    last_state: String,
}

/// The late write is B's value 2 to the target; Q (another transactional id)
/// commits 20 to the target after it landed.
fn late_write_after_the_marker(legacy_v1: bool) -> Hanging {
    let mut config = txn_config(legacy_v1);
    config.producer.transaction_timeout_ms = 20_000;
    let mut t = TestCluster::new(config.clone(), 47);
    t.run_for(3_000);
    let chosen: Rc<RefCell<Option<u32>>> = Rc::default();
    let flags: Vec<Rc<Cell<bool>>> = (0..5).map(|_| Rc::new(Cell::new(false))).collect();
    let (phase_a, go_b, phase_b, go_c, go_q) = (
        flags[0].clone(),
        flags[1].clone(),
        flags[2].clone(),
        flags[3].clone(),
        flags[4].clone(),
    );
    let (pa, gb, pb, gc, target) = (
        phase_a.clone(),
        go_b.clone(),
        phase_b.clone(),
        go_c.clone(),
        chosen.clone(),
    );
    let (client, done) = t.txn_client(config.clone(), move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("A 1");
        p.send(tp(1), record(10)).await.expect("A 10");
        p.commit_transaction().await.expect("A commits");
        pa.set(true);
        wait_for(&gb).await;
        let target = target.borrow().expect("chosen");
        p.begin_transaction().unwrap();
        let sent = p.send(tp(target), record(2)).await;
        assert!(sent.is_err(), "B's send to the held leader gives up");
        p.abort_transaction().await.expect("B aborts");
        pb.set(true);
        wait_for(&gc).await;
        // The producer carries on, on the other partition only.
        p.begin_transaction().unwrap();
        p.send(tp(1 - target), record(3)).await.expect("C 3");
        p.commit_transaction().await.expect("C commits");
    });
    let mut other = config.clone();
    other.producer.transactional_id = Some("tx2".into());
    let (gq, target) = (go_q.clone(), chosen.clone());
    let (_, q_done) = t.txn_client(other, move |mut q| async move {
        q.init_transactions().await.expect("Q init");
        wait_for(&gq).await;
        let target = target.borrow().expect("chosen");
        q.begin_transaction().unwrap();
        q.send(tp(target), record(20)).await.expect("Q 20");
        q.commit_transaction().await.expect("Q commits");
    });
    assert!(t.run_until(20_000, |_| phase_a.get()), "A committed");
    let (target, leader) = hold_link_to_partition_led_elsewhere(&mut t, &client);
    *chosen.borrow_mut() = Some(target);
    go_b.set(true);
    assert!(
        t.run_until(30_000, |_| phase_b.get()),
        "B gave up and aborted"
    );
    // B's ABORT marker is on the target; now its held produce arrives.
    t.sim.release(client.as_str(), broker_host(leader).as_str());
    t.run_for(2_000);
    go_c.set(true);
    go_q.set(true);
    assert!(
        t.run_until(30_000, |_| done.get() && q_done.get()),
        "C and Q committed"
    );
    // Past transaction.timeout.ms: the coordinator's timer has had its chance.
    t.run_for(25_000);
    let on_target = |read: &Read| -> Vec<u64> {
        read.iter()
            .filter(|&&(p, _, _)| p == target)
            .map(|&(_, _, v)| v)
            .collect()
    };
    let committed = on_target(&t.read_for(IsolationLevel::ReadCommitted, 1_500));
    let uncommitted = on_target(&t.read_for(IsolationLevel::ReadUncommitted, 1_500));
    let snapshot = t
        .cluster
        .replica_snapshots()
        .into_iter()
        .find(|r| r.broker == leader && r.tp == tp(target))
        .expect("the leader's replica");
    let late = snapshot
        .records
        .iter()
        .find(|r| r.value == 2u64.to_be_bytes().to_vec());
    let late_offset = late.map(|r| r.offset);
    let pid = late.map(|r| r.producer_id);
    let events = t.events();
    let last_marker = events.iter().rev().find_map(|e| match &e.event {
        ClusterEvent::TxnMarkerWritten {
            tp: mtp,
            producer_id,
            commit,
            offset,
            ..
        } if *mtp == tp(target)
            && Some(*producer_id) == pid
            && late_offset.is_some_and(|l| *offset < l) =>
        {
            Some((*offset, *commit))
        }
        _ => None,
    });
    let last_state = events
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged {
                transactional_id,
                state,
                ..
            } if transactional_id == TXN_ID => Some(state.clone()),
            _ => None,
        })
        .expect("the producer's transactions");
    Hanging {
        committed,
        uncommitted,
        late_offset,
        last_marker,
        last_state,
    }
}

#[test]
fn version_1_a_late_write_after_the_abort_marker_hangs_and_holds_the_lso() {
    let h = late_write_after_the_marker(true);
    let late = h.late_offset.expect("the late write was appended");
    // The mechanism: the producer's last marker on the target before the late
    // write is B's ABORT, and none follows it; the coordinator's last state
    // for the id is C's commit, so it knows of no open transaction there.
    let (marker_offset, commit) = h.last_marker.expect("B's marker before the late write");
    assert!(!commit && marker_offset < late, "{:?}", h.last_marker);
    assert_eq!(h.last_state, "CompleteCommit");
    // Q's committed 20 is in the log, above the late write ...
    assert!(h.uncommitted.contains(&20) && h.uncommitted.contains(&2));
    // ... but read_committed stops at the hanging transaction, even after
    // transaction.timeout.ms: nothing will ever end it.
    assert!(
        !h.committed.contains(&20) && !h.committed.contains(&2),
        "read_committed stops below the late write: {:?}",
        h.committed
    );
}

#[test]
fn version_2_fences_the_write_after_the_abort_marker() {
    let h = late_write_after_the_marker(false);
    assert_eq!(h.late_offset, None, "the late write was refused");
    assert!(!h.uncommitted.contains(&2));
    assert!(
        h.committed.contains(&20),
        "read_committed reaches Q's commit: {:?}",
        h.committed
    );
}

/// What the delayed-EndTxn schedule left: read_committed's and
/// read_uncommitted's values, how the second transaction's abort ended, and
/// the coordinator states of the id as (broker, state, epoch).
struct LateEnd {
    committed: Vec<u64>,
    uncommitted: Vec<u64>,
    second_abort: String,
    states: Vec<(u32, String, i16)>,
    /// PRODUCER_FENCED refusals: (broker, the request's epoch, the current one).
    fenced: Vec<(u32, i16, i16)>,
    coordinator: u32,
}

/// Transaction N (value 1) ends with EndTxn(commit) held on the link to its
/// coordinator A; A is cut off from the cluster, the retried EndTxn commits
/// N at the new coordinator X, and the producer begins N+1 (value 2). A
/// rejoins and leads the id's `__transaction_state` partition again (X and
/// the third broker are cut off until A leads, then healed); then the held
/// EndTxn(commit) of N reaches A. N+1 then writes 3 and aborts.
fn delayed_end_txn(legacy_v1: bool) -> LateEnd {
    let mut config = txn_config(legacy_v1);
    // Longer than the whole schedule: no timeout abort interferes.
    config.producer.transaction_timeout_ms = 120_000;
    let mut t = TestCluster::new(config.clone(), 47);
    t.run_for(3_000);
    let flags: Vec<Rc<Cell<bool>>> = (0..5).map(|_| Rc::new(Cell::new(false))).collect();
    let (n_sent, go_commit, n_done, n1_sent, go_finish) = (
        flags[0].clone(),
        flags[1].clone(),
        flags[2].clone(),
        flags[3].clone(),
        flags[4].clone(),
    );
    let outcome: Rc<RefCell<String>> = Rc::default();
    let (ns, gc, nd, n1, gf, out) = (
        n_sent.clone(),
        go_commit.clone(),
        n_done.clone(),
        n1_sent.clone(),
        go_finish.clone(),
        outcome.clone(),
    );
    let (client, done) = t.txn_client(config, move |mut p| async move {
        p.init_transactions().await.expect("init");
        p.begin_transaction().unwrap();
        p.send(tp(0), record(1)).await.expect("N 1");
        ns.set(true);
        wait_for(&gc).await;
        p.commit_transaction()
            .await
            .expect("N commits (retried at X)");
        nd.set(true);
        p.begin_transaction().unwrap();
        p.send(tp(1), record(2)).await.expect("N+1 2");
        n1.set(true);
        wait_for(&gf).await;
        let third = p.send(tp(0), record(3)).await;
        let aborted = p.abort_transaction().await;
        *out.borrow_mut() = format!("{third:?} {aborted:?}");
    });
    assert!(t.run_until(20_000, |_| n_sent.get()), "N sent");
    let coordinator = t
        .events()
        .iter()
        .find_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged {
                broker,
                transactional_id,
                ..
            } if transactional_id == TXN_ID => Some(*broker),
            _ => None,
        })
        .expect("a coordinator");
    let a = broker_host(coordinator);
    t.sim.hold(client.as_str(), a.as_str());
    go_commit.set(true);
    t.run_for(500);
    t.isolate_from_cluster(coordinator);
    assert!(
        t.run_until(30_000, |_| n_done.get()),
        "N committed elsewhere"
    );
    assert!(t.run_until(10_000, |_| n1_sent.get()), "N+1 sent");
    t.heal_broker(coordinator);
    t.run_for(3_000);
    // A leads again: the others are cut off until it does, then healed.
    let others: Vec<u32> = (1..=3).filter(|&b| b != coordinator).collect();
    for &b in &others {
        t.isolate_from_cluster(b);
    }
    t.run_for(3_000);
    for &b in &others {
        t.heal_broker(b);
    }
    t.run_for(3_000);
    t.sim.release(client.as_str(), a.as_str());
    t.run_for(2_000);
    go_finish.set(true);
    assert!(t.run_until(30_000, |_| done.get()), "the script finished");
    t.run_for(2_000);
    let mut committed = read_values(&t.read_for(IsolationLevel::ReadCommitted, 1_500));
    committed.sort();
    let mut uncommitted = read_values(&t.read_for(IsolationLevel::ReadUncommitted, 1_500));
    uncommitted.sort();
    let states = t
        .events()
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::TxnStateChanged {
                broker,
                transactional_id,
                state,
                producer_epoch,
                ..
            } if transactional_id == TXN_ID => Some((*broker, state.clone(), *producer_epoch)),
            _ => None,
        })
        .collect();
    let fenced = t
        .events()
        .iter()
        .filter_map(|e| match &e.event {
            ClusterEvent::ProducerFenced {
                broker,
                transactional_id,
                producer_epoch,
                current_epoch,
            } if transactional_id == TXN_ID => Some((*broker, *producer_epoch, *current_epoch)),
            _ => None,
        })
        .collect();
    let second_abort = outcome.borrow().clone();
    LateEnd {
        committed,
        uncommitted,
        second_abort,
        states,
        fenced,
        coordinator,
    }
}

#[test]
fn version_1_a_delayed_end_txn_commits_the_next_transaction() {
    let r = delayed_end_txn(true);
    let a = r.coordinator;
    // N committed at the new coordinator, N+1 opened there on the same epoch
    // (version 1 keeps it); then A, leading again, took the held
    // EndTxn(commit) of N for N+1: a PrepareCommit on A of that epoch.
    let x_commit = r
        .states
        .iter()
        .position(|(b, s, _)| *b != a && s == "CompleteCommit")
        .expect("N committed at the new coordinator");
    let (_, _, epoch) = r.states[x_commit].clone();
    assert!(
        r.states[x_commit..]
            .iter()
            .any(|(b, s, e)| *b != a && s == "Ongoing" && *e == epoch),
        "N+1 opened on N's epoch: {:?}",
        r.states
    );
    assert!(
        r.states[x_commit..]
            .iter()
            .any(|(b, s, e)| *b == a && s == "PrepareCommit" && *e == epoch),
        "the late EndTxn committed N+1 at A: {:?}",
        r.states
    );
    assert!(r.second_abort.ends_with("Ok(())"), "{}", r.second_abort);
    // The application aborted N+1, yet its first write is committed (an
    // aborted read) and its second is not (a torn transaction).
    assert_eq!(r.uncommitted, vec![1, 2, 3]);
    assert_eq!(r.committed, vec![1, 2]);
}

#[test]
fn version_2_fences_the_delayed_end_txn() {
    let r = delayed_end_txn(false);
    let a = r.coordinator;
    assert!(
        !r.states
            .iter()
            .skip_while(|(b, s, _)| *b == a || s != "CompleteCommit")
            .any(|(b, s, _)| *b == a && s == "PrepareCommit"),
        "no commit at A after N's: {:?}",
        r.states
    );
    assert!(
        r.fenced
            .iter()
            .any(|&(b, late, current)| b == a && late < current),
        "A refused the held EndTxn as PRODUCER_FENCED: {:?}",
        r.fenced
    );
    assert!(r.second_abort.ends_with("Ok(())"), "{}", r.second_abort);
    assert_eq!(r.uncommitted, vec![1, 2, 3]);
    assert_eq!(r.committed, vec![1], "N+1 aborted whole");
}
