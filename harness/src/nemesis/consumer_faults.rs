//! Faults aimed at consumer group members and coordinators. Members are not
//! turmoil hosts of their own that can be crashed and restarted (a client
//! host's future cannot be restarted), so the nemesis acts on them through the
//! group workload's controls; coordinators are brokers, found by role.
use super::fault::Fault;
use crate::workload::group::GroupControls;
use logjam_models::cluster::Cluster;
use logjam_models::ids::BrokerId;
use logjam_models::{offsets_partition, OFFSETS_TOPIC};
use serde_json::{json, Value};

/// The broker coordinating `group` now, from the controller's view.
pub fn coordinator_of(cluster: &Cluster, group: &str) -> Option<BrokerId> {
    let partitions = cluster
        .config
        .topics
        .iter()
        .find(|t| t.name == OFFSETS_TOPIC)?
        .partitions;
    cluster.leader_of(&offsets_partition(group, partitions))
}

/// Apply a consumer fault; `Err` says why it was skipped.
pub fn apply(fault: &Fault, controls: &GroupControls) -> Result<Value, String> {
    let mut c = controls.borrow_mut();
    fn member<'a>(
        c: &'a mut std::collections::BTreeMap<String, crate::workload::group::MemberControl>,
        client: &str,
    ) -> Result<&'a mut crate::workload::group::MemberControl, String> {
        c.get_mut(client)
            .ok_or_else(|| format!("no group member host {client}"))
    }
    match fault {
        Fault::KillConsumer { client } => {
            let m = member(&mut c, client)?;
            if m.crashed {
                return Err(format!("{client} is already down"));
            }
            m.crashed = true;
            Ok(json!({ "client": client }))
        }
        Fault::PauseConsumer { client } => {
            let m = member(&mut c, client)?;
            m.stall.set(true);
            Ok(json!({ "client": client }))
        }
        Fault::ChurnConsumer { client } => {
            let m = member(&mut c, client)?;
            m.churn = true;
            Ok(json!({ "client": client }))
        }
        Fault::RestartConsumers => {
            let mut restarted = Vec::new();
            for (host, m) in c.iter_mut().filter(|(_, m)| m.crashed) {
                m.crashed = false;
                restarted.push(host.clone());
            }
            Ok(json!({ "clients": restarted }))
        }
        Fault::ResumeConsumers => {
            let mut resumed = Vec::new();
            for (host, m) in c.iter_mut().filter(|(_, m)| m.stall.get()) {
                m.stall.set(false);
                resumed.push(host.clone());
            }
            Ok(json!({ "clients": resumed }))
        }
        other => Err(format!("{} is not a consumer fault", other.name())),
    }
}

/// Anything to undo at the end of the fault window?
pub fn needs_undo(controls: &GroupControls) -> (bool, bool) {
    let c = controls.borrow();
    (
        c.values().any(|m| m.crashed),
        c.values().any(|m| m.stall.get()),
    )
}

/// Undo one held `kill-consumer`: a new member on `client`'s host.
pub fn restart_member(controls: &GroupControls, client: &str) -> Result<Value, String> {
    let mut c = controls.borrow_mut();
    match c.get_mut(client) {
        Some(m) if m.crashed => {
            m.crashed = false;
            Ok(json!({ "clients": [client] }))
        }
        Some(_) => Err(format!("{client} is not down")),
        None => Err(format!("no group member host {client}")),
    }
}

/// Undo one held `pause-consumer`: the member carries on.
pub fn resume_member(controls: &GroupControls, client: &str) -> Result<Value, String> {
    let c = controls.borrow();
    match c.get(client) {
        Some(m) if m.stall.get() => {
            m.stall.set(false);
            Ok(json!({ "clients": [client] }))
        }
        Some(_) => Err(format!("{client} is not stalled")),
        None => Err(format!("no group member host {client}")),
    }
}
