//! Faults as data. Targets are named by role ("the leader of orders/0") and
//! resolved when the fault fires, so a schedule written for one run means the
//! same thing in another.
use crate::workload::ClientHost;
use serde::{Deserialize, Serialize};

/// Which node a fault hits, resolved at the moment it fires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Target {
    /// A broker by id.
    Broker(u32),
    /// The current leader of a partition, e.g. "orders/0".
    LeaderOf(String),
    /// A follower of a partition (the first in replica order that is not leader).
    FollowerOf(String),
    /// A live follower in the partition's ISR, drawn from the nemesis stream
    /// (none when the ISR is the leader alone).
    IsrFollowerOf(String),
    /// A live replica outside the ISR (a lagging follower), drawn from the
    /// nemesis stream (none while every replica is in sync).
    LaggingFollowerOf(String),
    /// A broker drawn from the nemesis stream.
    RandomBroker,
    Controller,
    /// The coordinator of a consumer group: the leader of the group's
    /// `__consumer_offsets` partition.
    CoordinatorOf(String),
    /// A transaction coordinator: the leader of a `__transaction_state`
    /// partition drawn from the nemesis stream (each hosts some of the
    /// workload's transactional ids).
    TxnCoordinator,
}

/// A fault. The variant names are the single source of the kind names: serde
/// tags a schedule entry with the kebab-case name (`"kind": "partition-bridge"`),
/// and [`FaultTag`] (derived) lists the same names for `logjam list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
#[strum_discriminants(
    name(FaultTag),
    derive(strum::EnumIter, strum::IntoStaticStr, PartialOrd, Ord),
    strum(serialize_all = "kebab-case")
)]
pub enum Fault {
    /// Split brokers and the controller into two random halves.
    PartitionRandomHalves,
    /// Cut one node off from every other server (clients still reach it).
    Isolate {
        target: Target,
    },
    /// Cut one node off from everything, clients included.
    IsolateCompletely {
        target: Target,
    },
    /// Two halves that both see one bridge node (Jepsen's bridge).
    PartitionBridge,
    /// Messages from `from` to `to` are dropped; the other direction works.
    PartitionOneWay {
        from: Target,
        to: Target,
    },
    /// Cut the link between two nodes (both directions); every other link works.
    Cut {
        a: Target,
        b: Target,
    },
    /// Cut a client host off from a broker.
    PartitionClient {
        client: String,
        target: Target,
    },
    /// Hold every message between a client host and everything else until
    /// the fault is undone (a stopped process, as the network sees it):
    /// requests it sent arrive late, all at once.
    PauseClient {
        client: String,
    },
    /// Hold the messages between a client host and one broker, then deliver
    /// them when the fault is undone: requests arrive late and out of order
    /// with those sent meanwhile on other connections (turmoil hold/release).
    DelayClient {
        client: String,
        target: Target,
    },
    /// Repair every link; paused nodes are released too (recorded as the
    /// `resume` that follows).
    Heal,
    /// Kill a broker process (page cache survives); restart with `restart`.
    Crash {
        target: Target,
    },
    /// Power loss: unflushed writes are gone; restart with `restart`.
    PowerLoss {
        target: Target,
    },
    /// Every broker loses power at once.
    PowerLossAll,
    /// Start every stopped broker again.
    Restart,
    /// A node stops answering (its traffic is held), then `resume` releases it.
    Pause {
        target: Target,
    },
    Resume,
    /// Kill a group member's process mid-step; it stays down until
    /// `restart-consumers`, which starts a new member (new process id).
    KillConsumer {
        client: String,
    },
    /// Start a new member on every member host that was killed.
    RestartConsumers,
    /// Stall a group member, heartbeats included (a long GC pause, SIGSTOP);
    /// past the session timeout it comes back as a zombie.
    PauseConsumer {
        client: String,
    },
    /// Every stalled member carries on where it stopped.
    ResumeConsumers,
    /// Membership churn: the member leaves the group gracefully and a new one
    /// joins in its place.
    ChurnConsumer {
        client: String,
    },
}

impl Fault {
    /// The schedule kind of this fault: its `"kind"` tag.
    pub fn tag(&self) -> FaultTag {
        self.into()
    }

    /// The history's `f` for this fault (the checker derives fault classes from
    /// it, HISTORY.md). It is the schedule kind except for four older names
    /// that histories already carry.
    pub fn name(&self) -> &'static str {
        match self.tag() {
            FaultTag::PartitionBridge => "bridge",
            FaultTag::PartitionOneWay => "one-way",
            FaultTag::Cut => "partition-cut",
            FaultTag::ChurnConsumer => "rebalance-churn",
            other => other.as_str(),
        }
    }
}

impl FaultTag {
    /// The name a schedule entry gives as `"kind"`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every kind, in declaration order, for `logjam list`.
    pub fn all() -> impl Iterator<Item = FaultTag> {
        <FaultTag as strum::IntoEnumIterator>::iter()
    }

    /// One line for `logjam list`.
    pub fn description(self) -> &'static str {
        match self {
            FaultTag::PartitionRandomHalves => "split servers into two random halves",
            FaultTag::Isolate => "cut one node off from the other servers",
            FaultTag::IsolateCompletely => "cut one node off from everything, clients included",
            FaultTag::PartitionBridge => "two halves joined by one node",
            FaultTag::PartitionOneWay => {
                "drop messages from one node to another, one direction only"
            }
            FaultTag::Cut => "cut the link between two nodes",
            FaultTag::PartitionClient => "cut a client off from a broker",
            FaultTag::PauseClient => "a client host stops: everything it sends is held",
            FaultTag::DelayClient => {
                "hold a client's messages to one broker, deliver them late on resume"
            }
            FaultTag::Heal => "repair every link, release paused nodes",
            FaultTag::Crash => "kill a broker process (page cache survives)",
            FaultTag::PowerLoss => "power loss on a broker (unflushed writes lost)",
            FaultTag::PowerLossAll => "power loss on every broker at once",
            FaultTag::Restart => "start every stopped broker",
            FaultTag::Pause => "a node stops answering",
            FaultTag::Resume => "paused nodes answer again",
            FaultTag::KillConsumer => "kill a group member mid-step",
            FaultTag::RestartConsumers => "start new members where members were killed",
            FaultTag::PauseConsumer => "stall a group member, heartbeats included",
            FaultTag::ResumeConsumers => "stalled members carry on",
            FaultTag::ChurnConsumer => "a member leaves the group and a new one joins",
        }
    }

    /// A fault of this kind with example fields, so `logjam list` can show a
    /// complete schedule entry.
    pub fn example(self) -> Fault {
        let leader = || Target::LeaderOf("orders/0".into());
        let member = || ClientHost::GroupMember(1).name();
        match self {
            FaultTag::PartitionRandomHalves => Fault::PartitionRandomHalves,
            FaultTag::Isolate => Fault::Isolate { target: leader() },
            FaultTag::IsolateCompletely => Fault::IsolateCompletely { target: leader() },
            FaultTag::PartitionBridge => Fault::PartitionBridge,
            FaultTag::PartitionOneWay => Fault::PartitionOneWay {
                from: leader(),
                to: Target::Controller,
            },
            FaultTag::Cut => Fault::Cut {
                a: Target::Broker(1),
                b: Target::Broker(2),
            },
            FaultTag::PartitionClient => Fault::PartitionClient {
                client: ClientHost::Producer(1).name(),
                target: leader(),
            },
            FaultTag::PauseClient => Fault::PauseClient {
                client: ClientHost::Producer(1).name(),
            },
            FaultTag::DelayClient => Fault::DelayClient {
                client: ClientHost::Producer(1).name(),
                target: Target::TxnCoordinator,
            },
            FaultTag::Heal => Fault::Heal,
            FaultTag::Crash => Fault::Crash { target: leader() },
            FaultTag::PowerLoss => Fault::PowerLoss { target: leader() },
            FaultTag::PowerLossAll => Fault::PowerLossAll,
            FaultTag::Restart => Fault::Restart,
            FaultTag::Pause => Fault::Pause { target: leader() },
            FaultTag::Resume => Fault::Resume,
            FaultTag::KillConsumer => Fault::KillConsumer { client: member() },
            FaultTag::RestartConsumers => Fault::RestartConsumers,
            FaultTag::PauseConsumer => Fault::PauseConsumer { client: member() },
            FaultTag::ResumeConsumers => Fault::ResumeConsumers,
            FaultTag::ChurnConsumer => Fault::ChurnConsumer { client: member() },
        }
    }
}

/// Order a schedule by firing time, keeping the given order of faults due at
/// the same time. A run does this once, where the schedule enters it.
pub fn sort_by_time(schedule: &mut [ScheduledFault]) {
    schedule.sort_by_key(|f| f.at_ms);
}

/// One entry of a schedule: `{"at_ms": 5000, "fault": {"kind": "crash", "target": {"leader-of": "orders/0"}}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    pub at_ms: u64,
    /// How long the fault holds: `hold_ms` after it fired the nemesis undoes
    /// exactly what this fault did (the links it cut, the broker it stopped,
    /// the node it paused), leaving other faults in place. Without it the
    /// fault holds until an undo (`heal`, `restart`, `resume`, ...) or the end
    /// of the fault window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_ms: Option<u64>,
    pub fault: Fault,
}

impl ScheduledFault {
    /// A fault that holds until an undo or the end of the fault window.
    pub fn at(at_ms: u64, fault: Fault) -> Self {
        Self {
            at_ms,
            hold_ms: None,
            fault,
        }
    }

    /// A fault undone `hold_ms` after it fired (see [`ScheduledFault::hold_ms`]).
    pub fn held(at_ms: u64, hold_ms: u64, fault: Fault) -> Self {
        Self {
            at_ms,
            hold_ms: Some(hold_ms),
            fault,
        }
    }
}
