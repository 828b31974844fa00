//! The classes of fault a run injected, derived from the nemesis's ops
//! (process `"nemesis"`) through [`classify`]. Promises depend on them: acknowledged writes
//! survive process crashes but not, without fsync, power loss.
use crate::fault_class::{classify, FaultClass};
use crate::history::{HistoryRef, OpRef, OpType, OpValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultClasses {
    /// Network partitions of any shape: halves, isolation, bridge, one-way.
    pub partition: bool,
    /// A broker process killed; its page cache survives.
    pub process_crash: bool,
    /// A broker lost power; unflushed writes are gone.
    pub power_loss: bool,
    /// How many broker power losses and process crashes the run injected:
    /// each is an unclean shutdown to Kafka 4.1 (KIP-966), which takes the
    /// broker out of every ISR and ELR when it comes back. One that hit every
    /// broker at once counts as `u32::MAX`. Eligible leader replicas keep
    /// acknowledged records through fewer than `min.insync.replicas` of them.
    #[serde(skip_serializing_if = "is_zero")]
    pub unclean_shutdowns: u32,
    /// A node stopped answering for a while.
    pub pause: bool,
    /// A client process killed.
    pub client_crash: bool,
    /// A consumer group rebalance forced by the nemesis.
    pub rebalance: bool,
    /// A client's requests to a node held, then released (delayed requests).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delay: bool,
}

impl FaultClasses {
    /// The classes of the nemesis ops in a history. A client op `crash`
    /// (a client that died) counts as a client crash.
    pub fn from_history<'h>(history: impl Into<HistoryRef<'h>>) -> Self {
        let mut classes = FaultClasses::default();
        for op in history.into().iter() {
            classes.note(op);
        }
        classes
    }

    /// Count one op. Failed nemesis ops did nothing.
    pub fn note<'h>(&mut self, op: impl Into<OpRef<'h>>) {
        let op = op.into();
        if op.op_type == OpType::Fail {
            return;
        }
        if !op.process.is_nemesis() {
            self.client_crash |= op.f == "crash";
            return;
        }
        let value = match op.value.whole() {
            Some(OpValue::Other(v)) => v,
            _ => &Value::Null,
        };
        match classify(op.f, value) {
            Some(FaultClass::Partition) => self.partition = true,
            Some(FaultClass::Crash) => {
                self.process_crash = true;
                self.unclean_shutdowns = self.unclean_shutdowns.saturating_add(1);
            }
            Some(FaultClass::PowerLoss) => {
                self.power_loss = true;
                let hit = if op.f.starts_with("power-loss-all") {
                    u32::MAX
                } else {
                    1
                };
                self.unclean_shutdowns = self.unclean_shutdowns.saturating_add(hit);
            }
            // A stalled group member counts as a pause, as a paused node does.
            Some(FaultClass::Pause | FaultClass::ClientPause) => self.pause = true,
            Some(FaultClass::ClientCrash) => self.client_crash = true,
            Some(FaultClass::Rebalance) => self.rebalance = true,
            Some(FaultClass::Delay) => self.delay = true,
            None => {}
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
