//! The classes of fault a run injected, derived from the nemesis's ops
//! (process `"nemesis"`). Promises depend on them: acknowledged writes
//! survive process crashes but not, without fsync, power loss.
use crate::history::{History, Op, OpType, OpValue};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultClasses {
    /// Network partitions of any shape: halves, isolation, bridge, one-way.
    pub partition: bool,
    /// A broker process killed; its page cache survives.
    pub process_crash: bool,
    /// A broker lost power; unflushed writes are gone.
    pub power_loss: bool,
    /// A node stopped answering for a while.
    pub pause: bool,
    /// A client process killed.
    pub client_crash: bool,
    /// A consumer group rebalance forced by the nemesis.
    pub rebalance: bool,
}

impl FaultClasses {
    /// The classes of the nemesis ops in a history. A client op `crash`
    /// (a client that died) counts as a client crash.
    pub fn from_history(history: &History) -> Self {
        let mut classes = FaultClasses::default();
        for op in &history.ops {
            classes.note(op);
        }
        classes
    }

    /// Count one op. Failed nemesis ops did nothing.
    pub fn note(&mut self, op: &Op) {
        if op.op_type == OpType::Fail {
            return;
        }
        if !op.process.is_nemesis() {
            self.client_crash |= op.f == "crash";
            return;
        }
        let f = op.f.as_str();
        if ["partition", "isolate", "bridge", "one-way"]
            .iter()
            .any(|p| f.starts_with(p))
        {
            self.partition = true;
        } else if f.starts_with("power-loss") {
            self.power_loss = true;
        } else if f == "crash-client" || f == "kill-consumer" {
            self.client_crash = true;
        } else if f.starts_with("crash") {
            if power_loss_flag(&op.value) {
                self.power_loss = true;
            } else {
                self.process_crash = true;
            }
        } else if f.starts_with("pause") {
            self.pause = true;
        } else if f.starts_with("rebalance") {
            self.rebalance = true;
        }
    }
}

/// `{"power_loss": true}` on a crash.
fn power_loss_flag(value: &OpValue) -> bool {
    match value {
        OpValue::Other(v) => v
            .get("power_loss")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        _ => false,
    }
}
