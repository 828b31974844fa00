//! Leader election, as a pure function of a partition's state and broker liveness.
use crate::ids::BrokerId;
use crate::metadata::PartitionState;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElectionOutcome {
    /// A live ISR member leads.
    Clean(BrokerId),
    /// No ISR member is alive and unclean election is on: a stale replica leads.
    Unclean(BrokerId),
    /// Nobody may lead: the partition stays offline.
    Offline,
}

/// Pick a leader for a partition that has none, in replica order (Kafka prefers
/// the first eligible replica in the assignment).
pub fn elect(
    state: &PartitionState,
    live: &BTreeSet<BrokerId>,
    unclean_enabled: bool,
) -> ElectionOutcome {
    if let Some(&b) = state
        .replicas
        .iter()
        .find(|b| state.isr.contains(b) && live.contains(b))
    {
        return ElectionOutcome::Clean(b);
    }
    if unclean_enabled {
        if let Some(&b) = state.replicas.iter().find(|b| live.contains(b)) {
            return ElectionOutcome::Unclean(b);
        }
    }
    ElectionOutcome::Offline
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(isr: &[BrokerId]) -> PartitionState {
        PartitionState {
            replicas: vec![1, 2, 3],
            leader: None,
            leader_epoch: 0,
            isr: isr.to_vec(),
            partition_epoch: 0,
        }
    }

    #[test]
    fn prefers_live_isr_member() {
        let live = BTreeSet::from([2, 3]);
        assert_eq!(
            elect(&state(&[1, 3]), &live, false),
            ElectionOutcome::Clean(3)
        );
    }

    #[test]
    fn unclean_only_when_enabled() {
        let live = BTreeSet::from([2]);
        assert_eq!(elect(&state(&[1]), &live, false), ElectionOutcome::Offline);
        assert_eq!(
            elect(&state(&[1]), &live, true),
            ElectionOutcome::Unclean(2)
        );
    }
}
