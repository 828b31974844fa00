//! Broker liveness: the controller fences a broker after about
//! broker.session.timeout.ms of silence, not after one lost heartbeat.
mod common;
use common::*;
use logjam_models::config::Acks;
use logjam_models::ids::{broker_host, CONTROLLER_HOST};

#[test]
fn one_lost_heartbeat_does_not_fence_a_broker() {
    let mut t = TestCluster::new(config(Acks::All, 2), 41);
    t.run_for(1_000);
    let follower = t.followers()[0];
    // Long enough to drop a heartbeat (one per 100 ms), far shorter than the
    // session timeout (600 ms).
    t.sim.partition(broker_host(follower), CONTROLLER_HOST);
    t.run_for(120);
    t.sim.repair(broker_host(follower), CONTROLLER_HOST);
    let fenced = t.run_until(2_000, |t| !t.isr().contains(&follower));
    assert!(
        !fenced,
        "broker {follower} was fenced (dropped from the ISR) after one lost heartbeat"
    );
}

#[test]
fn a_silent_broker_is_fenced_after_the_session_timeout() {
    let mut t = TestCluster::new(config(Acks::All, 2), 42);
    t.run_for(1_000);
    let follower = t.followers()[0];
    t.sim.partition(broker_host(follower), CONTROLLER_HOST);
    let start_ms = t.now_ms();
    let fenced = t.run_until(2_000, |t| !t.isr().contains(&follower));
    assert!(
        fenced,
        "a broker silent for longer than the session is fenced"
    );
    let after_ms = t.now_ms() - start_ms;
    assert!(
        (500..=800).contains(&after_ms),
        "fenced {after_ms} ms into the silence; the session timeout is 600 ms"
    );
}
