//! Partition assignors: who in a group consumes which partition. Pure
//! functions of the members (by id, so the result is deterministic) and the
//! partitions of the topics they subscribe to.
use crate::config::AssignmentStrategy;
use crate::ids::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// What a member told the coordinator when it joined.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    pub topics: Vec<String>,
    /// Partitions it still owns (cooperative protocol only).
    pub owned: Vec<TopicPartition>,
}

pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// Assign `partitions` (every partition of the subscribed topics) to `members`.
/// Every member appears in the result, possibly with nothing.
pub fn assign(
    strategy: AssignmentStrategy,
    members: &BTreeMap<String, Subscription>,
    partitions: &[TopicPartition],
) -> Assignment {
    let mut out: Assignment = members.keys().map(|m| (m.clone(), Vec::new())).collect();
    let sorted: BTreeSet<&TopicPartition> = partitions.iter().collect();
    match strategy {
        AssignmentStrategy::Range => range(members, &sorted, &mut out),
        AssignmentStrategy::RoundRobin => round_robin(members, &sorted, &mut out),
        AssignmentStrategy::CooperativeSticky => sticky(members, &sorted, &mut out),
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn subscribes(s: &Subscription, tp: &TopicPartition) -> bool {
    s.topics.contains(&tp.topic)
}

/// RangeAssignor: per topic, member i (by id) gets a contiguous run; the first
/// `len % members` members get one partition more.
fn range(
    members: &BTreeMap<String, Subscription>,
    partitions: &BTreeSet<&TopicPartition>,
    out: &mut Assignment,
) {
    let topics: BTreeSet<&str> = partitions.iter().map(|tp| tp.topic.as_str()).collect();
    for topic in topics {
        let tps: Vec<&TopicPartition> = partitions
            .iter()
            .copied()
            .filter(|tp| tp.topic == topic)
            .collect();
        let consumers: Vec<&String> = members
            .iter()
            .filter(|(_, s)| s.topics.iter().any(|t| t == topic))
            .map(|(m, _)| m)
            .collect();
        if consumers.is_empty() {
            continue;
        }
        let (per, extra) = (tps.len() / consumers.len(), tps.len() % consumers.len());
        let mut next = 0;
        for (i, m) in consumers.iter().enumerate() {
            let n = per + usize::from(i < extra);
            let mine = out.get_mut(*m).expect("every member has an entry");
            mine.extend(tps[next..next + n].iter().map(|tp| (*tp).clone()));
            next += n;
        }
    }
}

/// RoundRobinAssignor: partitions in order, dealt to members in id order,
/// skipping members not subscribed to the partition's topic.
fn round_robin(
    members: &BTreeMap<String, Subscription>,
    partitions: &BTreeSet<&TopicPartition>,
    out: &mut Assignment,
) {
    let ids: Vec<&String> = members.keys().collect();
    if ids.is_empty() {
        return;
    }
    let mut turn = 0;
    for tp in partitions {
        for _ in 0..ids.len() {
            let m = ids[turn % ids.len()];
            turn += 1;
            if subscribes(&members[m], tp) {
                out.get_mut(m).expect("entry").push((*tp).clone());
                break;
            }
        }
    }
}

/// CooperativeStickyAssignor (simplified: every member subscribes to the same
/// topics, which is what the workloads do): a balanced assignment that keeps
/// each member's owned partitions where balance allows, so a rebalance moves
/// as few partitions as possible. Balanced: counts differ by at most one.
fn sticky(
    members: &BTreeMap<String, Subscription>,
    partitions: &BTreeSet<&TopicPartition>,
    out: &mut Assignment,
) {
    if members.is_empty() {
        return;
    }
    let (min_quota, extra) = (
        partitions.len() / members.len(),
        partitions.len() % members.len(),
    );
    let mut at_max = 0;
    let mut taken: BTreeSet<&TopicPartition> = BTreeSet::new();
    // Keep owned partitions: up to the minimum quota for everyone, one more for
    // as many members as the remainder allows.
    for (m, s) in members {
        let mut owned: Vec<&TopicPartition> = s
            .owned
            .iter()
            .filter(|tp| partitions.contains(tp) && subscribes(s, tp) && !taken.contains(tp))
            .collect();
        owned.sort();
        owned.dedup();
        let mut keep = owned.len().min(min_quota);
        if owned.len() > min_quota && at_max < extra {
            keep += 1;
            at_max += 1;
        }
        for tp in owned.into_iter().take(keep) {
            taken.insert(tp);
            out.get_mut(m).expect("entry").push(tp.clone());
        }
    }
    // Hand out the rest, each to the least loaded member (ties by id) that may
    // still take one.
    for tp in partitions.iter().filter(|tp| !taken.contains(*tp)) {
        let cap = |n: usize, at_max: usize| n < min_quota || (n == min_quota && at_max < extra);
        let target = members
            .iter()
            .filter(|(m, s)| subscribes(s, tp) && cap(out[*m].len(), at_max))
            .min_by_key(|(m, _)| (out[*m].len(), (*m).clone()))
            .map(|(m, _)| m.clone());
        if let Some(m) = target {
            let mine = out.get_mut(&m).expect("entry");
            if mine.len() == min_quota {
                at_max += 1;
            }
            mine.push((*tp).clone());
        }
    }
}

/// The cooperative protocol's first round: a partition that moves from one
/// member to another is withheld from its new owner until the old owner has
/// revoked it (and rejoined), so no partition is ever owned twice.
pub fn withhold_moving(target: &mut Assignment, members: &BTreeMap<String, Subscription>) {
    let mut owner: BTreeMap<&TopicPartition, &String> = BTreeMap::new();
    for (m, s) in members {
        for tp in &s.owned {
            owner.entry(tp).or_insert(m);
        }
    }
    for (m, tps) in target.iter_mut() {
        tps.retain(|tp| owner.get(tp).is_none_or(|o| *o == m));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tps(n: u32) -> Vec<TopicPartition> {
        (0..n).map(|p| TopicPartition::new("t", p)).collect()
    }

    fn members(owned: &[&[u32]]) -> BTreeMap<String, Subscription> {
        owned
            .iter()
            .enumerate()
            .map(|(i, o)| {
                (
                    format!("m{i}"),
                    Subscription {
                        topics: vec!["t".into()],
                        owned: o.iter().map(|&p| TopicPartition::new("t", p)).collect(),
                    },
                )
            })
            .collect()
    }

    fn parts(a: &Assignment, m: &str) -> Vec<u32> {
        a[m].iter().map(|tp| tp.partition).collect()
    }

    #[test]
    fn range_and_round_robin() {
        let m = members(&[&[], &[]]);
        let r = assign(AssignmentStrategy::Range, &m, &tps(5));
        assert_eq!(parts(&r, "m0"), vec![0, 1, 2]);
        assert_eq!(parts(&r, "m1"), vec![3, 4]);
        let rr = assign(AssignmentStrategy::RoundRobin, &m, &tps(5));
        assert_eq!(parts(&rr, "m0"), vec![0, 2, 4]);
        assert_eq!(parts(&rr, "m1"), vec![1, 3]);
    }

    #[test]
    fn sticky_keeps_owned_and_balances() {
        // m0 owned everything; m1 and m2 are new.
        let m = members(&[&[0, 1, 2, 3, 4, 5], &[], &[]]);
        let a = assign(AssignmentStrategy::CooperativeSticky, &m, &tps(6));
        assert_eq!(parts(&a, "m0"), vec![0, 1]);
        assert_eq!(a["m1"].len() + a["m2"].len(), 4);
        assert!(a.values().all(|v| v.len() == 2));
        // Only what moves is withheld in the first cooperative round.
        let mut first = a.clone();
        withhold_moving(&mut first, &m);
        assert_eq!(parts(&first, "m0"), vec![0, 1]);
        assert!(first["m1"].is_empty() && first["m2"].is_empty());
    }

    #[test]
    fn every_partition_assigned_once() {
        for strategy in [
            AssignmentStrategy::Range,
            AssignmentStrategy::RoundRobin,
            AssignmentStrategy::CooperativeSticky,
        ] {
            let m = members(&[&[3], &[3, 4], &[]]);
            let a = assign(strategy, &m, &tps(7));
            let mut all: Vec<u32> = a.values().flatten().map(|tp| tp.partition).collect();
            all.sort();
            assert_eq!(all, (0..7).collect::<Vec<_>>(), "{strategy:?}");
            let sizes: Vec<usize> = a.values().map(Vec::len).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }
}
