//! The client host names of a run, spelled once: histories (`node`), fault
//! schedules (`client`) and turmoil all carry them, so they never change.
use super::WorkloadSpec;
use std::fmt;

/// A client host, by role and 1-based index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClientHost {
    /// `producer-N`.
    Producer(u32),
    /// `consumer-N`: manual assignment.
    Consumer(u32),
    /// `group-consumer-N`: a consumer group member host.
    GroupMember(u32),
    /// `final-reader`: reads every partition after recovery.
    FinalReader,
    /// `final-committed`: reads a group's committed offsets last.
    FinalCommitted,
}

const GROUP_MEMBER_PREFIX: &str = "group-consumer-";

impl ClientHost {
    /// The host name.
    pub fn name(self) -> String {
        self.to_string()
    }

    /// A group member's host name (`group-consumer-N`)?
    pub fn is_group_member(host: &str) -> bool {
        host.starts_with(GROUP_MEMBER_PREFIX)
    }
}

impl fmt::Display for ClientHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientHost::Producer(i) => write!(f, "producer-{i}"),
            ClientHost::Consumer(i) => write!(f, "consumer-{i}"),
            ClientHost::GroupMember(i) => write!(f, "{GROUP_MEMBER_PREFIX}{i}"),
            ClientHost::FinalReader => f.write_str("final-reader"),
            ClientHost::FinalCommitted => f.write_str("final-committed"),
        }
    }
}

/// The workload's client hosts in the order they are installed (the order
/// turmoil creates them in): producers, consumers, group members.
pub fn workload_hosts(spec: &WorkloadSpec) -> Vec<ClientHost> {
    (1..=spec.producers)
        .map(ClientHost::Producer)
        .chain((1..=spec.consumers).map(ClientHost::Consumer))
        .chain((1..=spec.group_consumers).map(ClientHost::GroupMember))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_histories_carry() {
        let names: Vec<String> = [
            ClientHost::Producer(1),
            ClientHost::Consumer(2),
            ClientHost::GroupMember(3),
            ClientHost::FinalReader,
            ClientHost::FinalCommitted,
        ]
        .iter()
        .map(|h| h.name())
        .collect();
        assert_eq!(
            names,
            [
                "producer-1",
                "consumer-2",
                "group-consumer-3",
                "final-reader",
                "final-committed"
            ]
        );
        assert!(ClientHost::is_group_member("group-consumer-3"));
        assert!(!ClientHost::is_group_member("consumer-3"));
    }
}
