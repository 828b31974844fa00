//! Fault names read once: what a nemesis op's `f` (HISTORY.md) says about the
//! fault, its [`FaultClass`], and the op that undoes it. The checker's fault
//! classes (which decide the promises) and the reports' fault bands both
//! come from here. Names are read by prefix where they come in families
//! (`partition-*`, `crash-*`), so histories from other tools and fault names
//! added later still classify.
use serde_json::Value;

/// What a fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultClass {
    /// A network partition of any shape: halves, isolation, bridge, one-way,
    /// a cut link, a client cut off.
    Partition,
    /// A broker process killed; its page cache survives.
    Crash,
    /// A broker (or every broker) lost power; unflushed writes are gone.
    PowerLoss,
    /// A node stopped answering for a while.
    Pause,
    /// A client process killed.
    ClientCrash,
    /// A consumer group member stalled, heartbeats included.
    ClientPause,
    /// A consumer group rebalance forced by the nemesis (churn).
    Rebalance,
    /// A client's requests to one node held, then released: they arrive late
    /// and out of order across connections (`delay-client`).
    Delay,
}

/// The nemesis op that undoes a fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, strum::EnumString)]
#[strum(serialize_all = "kebab-case")]
pub enum FaultUndo {
    /// `heal`: every link repaired.
    Heal,
    /// `restart`: stopped brokers start again.
    Restart,
    /// `resume`: paused nodes answer again.
    Resume,
    /// `restart-consumers`: new members where members were killed.
    RestartConsumers,
    /// `resume-consumers`: stalled members carry on.
    ResumeConsumers,
}

impl FaultUndo {
    /// The undo a nemesis op `f` names, if it is one.
    pub fn of_name(fault_name: &str) -> Option<FaultUndo> {
        fault_name.parse().ok()
    }
}

/// The class of the fault a nemesis op `f` names, with the op's value (a
/// `crash` whose value says `"power_loss": true` lost power). `None` for
/// undo ops and names that are no known fault.
pub fn classify(fault_name: &str, value: &Value) -> Option<FaultClass> {
    let f = fault_name;
    Some(
        if ["partition", "isolate", "bridge", "one-way"]
            .iter()
            .any(|p| f.starts_with(p))
        {
            FaultClass::Partition
        } else if f.starts_with("power-loss") {
            FaultClass::PowerLoss
        } else if f == "crash-client" || f == "kill-consumer" {
            FaultClass::ClientCrash
        } else if f.starts_with("crash") {
            if value.get("power_loss").and_then(Value::as_bool) == Some(true) {
                FaultClass::PowerLoss
            } else {
                FaultClass::Crash
            }
        } else if f == "pause-consumer" {
            FaultClass::ClientPause
        } else if f.starts_with("pause") {
            FaultClass::Pause
        } else if f.starts_with("rebalance") {
            FaultClass::Rebalance
        } else if f.starts_with("delay") {
            FaultClass::Delay
        } else {
            return None;
        },
    )
}

impl FaultClass {
    /// The op that undoes a fault of this class; `None` for a fault that is
    /// over at once (churn).
    pub fn undone_by(self) -> Option<FaultUndo> {
        match self {
            FaultClass::Partition => Some(FaultUndo::Heal),
            FaultClass::Crash | FaultClass::PowerLoss => Some(FaultUndo::Restart),
            FaultClass::Pause | FaultClass::Delay => Some(FaultUndo::Resume),
            FaultClass::ClientCrash => Some(FaultUndo::RestartConsumers),
            FaultClass::ClientPause => Some(FaultUndo::ResumeConsumers),
            FaultClass::Rebalance => None,
        }
    }
}
