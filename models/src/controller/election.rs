//! Leader election and KIP-966's eligible leader replicas, as pure functions
//! of a partition's state and broker liveness.
use crate::ids::BrokerId;
use crate::metadata::PartitionState;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElectionOutcome {
    /// A live ISR member leads.
    Clean(BrokerId),
    /// The ISR is empty and a live eligible leader replica leads (KIP-966):
    /// clean, since it left the ISR when the HW could no longer pass it.
    Eligible(BrokerId),
    /// No ISR member is alive and unclean election is on: a stale replica leads.
    Unclean(BrokerId),
    /// Nobody may lead: the partition stays offline.
    Offline,
}

/// Pick a leader for a partition that has none, in replica order (Kafka's
/// PartitionChangeBuilder.electAnyLeader takes the first valid replica of the
/// assignment): an ISR member, or an ELR member while the ISR is empty
/// (`isValidNewLeader`), else, if allowed, any live replica.
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
    if state.isr.is_empty() {
        if let Some(&b) = state
            .replicas
            .iter()
            .find(|b| state.elr.contains(b) && live.contains(b))
        {
            return ElectionOutcome::Eligible(b);
        }
    }
    if unclean_enabled {
        if let Some(&b) = state.replicas.iter().find(|b| live.contains(b)) {
            return ElectionOutcome::Unclean(b);
        }
    }
    ElectionOutcome::Offline
}

/// The ELR and last known ELR after the ISR changes from `state.isr` to
/// `target_isr` (Kafka's PartitionChangeBuilder.maybePopulateTargetElr). At or
/// above `min.insync.replicas` both are empty. Below it the HW stands still
/// (Partition.maybeIncrementLeaderHW, KIP-966), so every replica leaving the
/// ISR now holds every committed record: it joins the ELR, unless it is
/// `unclean_shutdown` (a broker that restarted without a clean shutdown may
/// have lost its tail). The last known ELR keeps whoever left either set.
/// Both come back in replica order.
pub fn eligible_after(
    state: &PartitionState,
    target_isr: &[BrokerId],
    min_insync_replicas: u32,
    unclean_shutdown: Option<BrokerId>,
) -> (Vec<BrokerId>, Vec<BrokerId>) {
    if target_isr.len() as u32 >= min_insync_replicas {
        return (Vec::new(), Vec::new());
    }
    let candidates: BTreeSet<BrokerId> = state.elr.iter().chain(&state.isr).copied().collect();
    let in_order = |keep: &dyn Fn(BrokerId) -> bool| -> Vec<BrokerId> {
        state
            .replicas
            .iter()
            .copied()
            .filter(|&b| keep(b))
            .collect()
    };
    let elr = in_order(&|b| {
        candidates.contains(&b) && !target_isr.contains(&b) && Some(b) != unclean_shutdown
    });
    let last_known_elr = in_order(&|b| {
        (candidates.contains(&b) || state.last_known_elr.contains(&b))
            && !target_isr.contains(&b)
            && !elr.contains(&b)
    });
    (elr, last_known_elr)
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
            elr: Vec::new(),
            last_known_elr: Vec::new(),
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

    #[test]
    fn an_eligible_replica_leads_only_once_the_isr_is_empty() {
        let live = BTreeSet::from([3]);
        let mut s = state(&[1]);
        s.elr = vec![3];
        assert_eq!(
            elect(&s, &live, false),
            ElectionOutcome::Offline,
            "1 may return"
        );
        s.isr.clear();
        assert_eq!(elect(&s, &live, false), ElectionOutcome::Eligible(3));
        s.elr.clear();
        assert_eq!(elect(&s, &live, true), ElectionOutcome::Unclean(3));
    }

    #[test]
    fn replicas_leaving_an_isr_below_min_isr_become_eligible() {
        // {1, 2, 3} to {1} with min.insync.replicas=2: 2 and 3 had the HW.
        let (elr, last) = eligible_after(&state(&[1, 2, 3]), &[1], 2, None);
        assert_eq!((elr, last), (vec![2, 3], vec![]));
        // {1, 2, 3} to {1, 3}: still at min ISR, so the HW may pass 2: no ELR.
        assert_eq!(
            eligible_after(&state(&[1, 2, 3]), &[1, 3], 2, None),
            (vec![], vec![])
        );
        // The last ISR member restarted uncleanly: it may have lost its tail.
        let mut s = state(&[1]);
        s.elr = vec![2, 3];
        let (elr, last) = eligible_after(&s, &[], 2, Some(1));
        assert_eq!(elr, vec![2, 3]);
        assert_eq!(last, vec![1]);
        // Back at min ISR: both are cleared.
        assert_eq!(eligible_after(&s, &[1, 2], 2, None), (vec![], vec![]));
    }
}
