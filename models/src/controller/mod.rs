//! The controller host (KRaft's active controller, reduced to one node whose state
//! is durable): serves broker heartbeats and AlterPartition, fences brokers whose
//! session expired, and elects leaders.
pub mod election;
pub mod state;

use crate::ids::{now_ms, CONTROLLER_PORT};
use crate::protocol::{Request, Response};
use crate::rpc::serve;
use state::ControllerState;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

pub type SharedController = Rc<RefCell<ControllerState>>;

/// How often the controller looks for expired sessions.
const SESSION_CHECK_INTERVAL_MS: u64 = 20;

pub async fn run_controller(state: SharedController) -> turmoil::Result {
    tokio::task::spawn_local({
        let state = state.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(SESSION_CHECK_INTERVAL_MS)).await;
                state.borrow_mut().expire_sessions(now_ms());
            }
        }
    });
    serve(CONTROLLER_PORT, move |req| {
        let state = state.clone();
        async move { Some(handle(&state, req)) }
    })
    .await?;
    Ok(())
}

fn handle(state: &SharedController, req: Request) -> Response {
    let mut s = state.borrow_mut();
    match req {
        Request::BrokerHeartbeat {
            broker,
            incarnation,
            known_version,
        } => {
            s.heartbeat(broker, incarnation, now_ms());
            let image = (s.image().version > known_version).then(|| s.image().clone());
            Response::BrokerHeartbeat { image }
        }
        Request::AlterPartition {
            broker,
            incarnation,
            tp,
            leader_epoch,
            partition_epoch,
            new_isr,
        } => Response::AlterPartition {
            result: s
                .alter_partition(
                    broker,
                    incarnation,
                    &tp,
                    leader_epoch,
                    partition_epoch,
                    &new_isr,
                )
                .map(Box::new),
        },
        Request::Metadata => Response::Metadata(s.image().clone()),
        _ => Response::Metadata(s.image().clone()),
    }
}
