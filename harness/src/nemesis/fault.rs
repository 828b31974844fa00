//! Faults as data. Targets are named by role ("the leader of orders/0") and
//! resolved when the fault fires, so a schedule written for one run means the
//! same thing in another.
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
    /// A broker drawn from the nemesis stream.
    RandomBroker,
    Controller,
    /// The coordinator of a consumer group: the leader of the group's
    /// `__consumer_offsets` partition.
    CoordinatorOf(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
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
    /// Repair every link and release every held message.
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
    /// The history's `f` for this fault (the checker derives fault classes from it).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::PartitionRandomHalves => "partition-random-halves",
            Fault::Isolate { .. } => "isolate",
            Fault::IsolateCompletely { .. } => "isolate-completely",
            Fault::PartitionBridge => "bridge",
            Fault::PartitionOneWay { .. } => "one-way",
            Fault::Cut { .. } => "partition-cut",
            Fault::PartitionClient { .. } => "partition-client",
            Fault::Heal => "heal",
            Fault::Crash { .. } => "crash",
            Fault::PowerLoss { .. } => "power-loss",
            Fault::PowerLossAll => "power-loss-all",
            Fault::Restart => "restart",
            Fault::Pause { .. } => "pause",
            Fault::Resume => "resume",
            Fault::KillConsumer { .. } => "kill-consumer",
            Fault::RestartConsumers => "restart-consumers",
            Fault::PauseConsumer { .. } => "pause-consumer",
            Fault::ResumeConsumers => "resume-consumers",
            Fault::ChurnConsumer { .. } => "rebalance-churn",
        }
    }

    /// Every fault kind, for `logjam list`.
    pub const KINDS: &'static [(&'static str, &'static str)] = &[
        (
            "partition-random-halves",
            "split servers into two random halves",
        ),
        ("isolate", "cut one node off from the other servers"),
        (
            "isolate-completely",
            "cut one node off from everything, clients included",
        ),
        ("bridge", "two halves joined by one node"),
        ("one-way", "drop messages in one direction only"),
        ("cut", "cut the link between two nodes"),
        ("partition-client", "cut a client off from a broker"),
        ("heal", "repair every link, release held messages"),
        ("crash", "kill a broker process (page cache survives)"),
        (
            "power-loss",
            "power loss on a broker (unflushed writes lost)",
        ),
        ("power-loss-all", "power loss on every broker at once"),
        ("restart", "start every stopped broker"),
        ("pause", "a node stops answering"),
        ("resume", "paused nodes answer again"),
        ("kill-consumer", "kill a group member mid-step"),
        (
            "restart-consumers",
            "start new members where members were killed",
        ),
        (
            "pause-consumer",
            "stall a group member, heartbeats included",
        ),
        ("resume-consumers", "stalled members carry on"),
        (
            "rebalance-churn",
            "a member leaves the group and a new one joins",
        ),
    ];
}

/// One entry of a schedule: `{"at_ms": 5000, "fault": {"kind": "crash", "target": {"leader-of": "orders/0"}}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledFault {
    pub at_ms: u64,
    pub fault: Fault,
}
