//! A schedule checked against the scenario it runs in, before the run: a
//! fault whose target does not exist (broker 99, `order/0` for `orders/0`, a
//! client the scenario lacks, a group it has not) or that is due after the
//! fault window would silently do nothing, so it is an error naming the
//! entry (`faults[3].fault.target`) and what exists (issue 14). Roles that
//! exist but may have no holder when the fault fires (a lagging follower
//! while all are in sync) are not errors: the run counts those as not fired.
use super::fault::{Fault, ScheduledFault, Target};
use super::parse_tp;
use crate::run::partitions;
use crate::scenario::Scenario;
use crate::workload::{self, ClientHost};
use logjam_models::ids::TopicPartition;
use logjam_models::OFFSETS_TOPIC;

/// Every entry of `schedule` (named `{prefix}[i]`, in the order given) can
/// fire in `scenario`.
pub fn check_schedule(
    schedule: &[ScheduledFault],
    scenario: &Scenario,
    prefix: &str,
) -> Result<(), String> {
    let world = World::of(scenario);
    for (i, entry) in schedule.iter().enumerate() {
        let at = format!("{prefix}[{i}]");
        if entry.at_ms >= scenario.duration_ms {
            return Err(format!(
                "`{at}.at_ms`: {} ms is past the fault window (`duration_ms` = {}), so it would \
                 never fire: expected less than {}",
                entry.at_ms, scenario.duration_ms, scenario.duration_ms
            ));
        }
        for (field, target) in targets(&entry.fault) {
            world
                .check_target(target)
                .map_err(|what| format!("`{at}.fault.{field}`: {what}"))?;
        }
        if let Some(client) = client(&entry.fault) {
            world
                .check_client(
                    client,
                    !matches!(entry.fault, Fault::PartitionClient { .. }),
                )
                .map_err(|what| format!("`{at}.fault.client`: {what}"))?;
        }
    }
    Ok(())
}

/// The role targets of a fault, by field name.
fn targets(fault: &Fault) -> Vec<(&'static str, &Target)> {
    match fault {
        Fault::Isolate { target }
        | Fault::IsolateCompletely { target }
        | Fault::PartitionClient { target, .. }
        | Fault::Crash { target }
        | Fault::PowerLoss { target }
        | Fault::Pause { target } => vec![("target", target)],
        Fault::PartitionOneWay { from, to } => vec![("from", from), ("to", to)],
        Fault::Cut { a, b } => vec![("a", a), ("b", b)],
        _ => Vec::new(),
    }
}

fn client(fault: &Fault) -> Option<&str> {
    match fault {
        Fault::PartitionClient { client, .. }
        | Fault::KillConsumer { client }
        | Fault::PauseConsumer { client }
        | Fault::ChurnConsumer { client } => Some(client),
        _ => None,
    }
}

/// What a scenario's faults can name.
struct World {
    brokers: u32,
    partitions: Vec<TopicPartition>,
    /// Topics with their partition counts, for messages.
    topics: Vec<(String, u32)>,
    clients: Vec<String>,
    group: Option<String>,
}

impl World {
    fn of(scenario: &Scenario) -> Self {
        let config = workload::cluster_config(&scenario.workload, scenario.cluster.clone());
        let group = (scenario.workload.group_consumers > 0)
            .then(|| config.consumer.group_id.clone())
            .flatten();
        let mut topics: Vec<(String, u32)> = scenario
            .cluster
            .topics
            .iter()
            .map(|t| (t.name.clone(), t.partitions))
            .collect();
        let mut partitions = partitions(scenario);
        if group.is_some() {
            let n = config.broker.offsets_topic_num_partitions;
            topics.push((OFFSETS_TOPIC.to_string(), n));
            partitions.extend((0..n).map(|p| TopicPartition::new(OFFSETS_TOPIC, p)));
        }
        World {
            brokers: scenario.cluster.brokers,
            partitions,
            topics,
            clients: workload::host_names(&scenario.workload),
            group,
        }
    }

    fn check_target(&self, target: &Target) -> Result<(), String> {
        match target {
            Target::Broker(id) if *id == 0 || *id > self.brokers => Err(format!(
                "no broker {id}: the cluster has brokers 1 to {}",
                self.brokers
            )),
            Target::LeaderOf(tp)
            | Target::FollowerOf(tp)
            | Target::IsrFollowerOf(tp)
            | Target::LaggingFollowerOf(tp) => match parse_tp(tp) {
                Some(p) if self.partitions.contains(&p) => Ok(()),
                _ => Err(format!(
                    "no partition {tp:?}: expected TOPIC/N, one of {}",
                    self.topic_list()
                )),
            },
            Target::CoordinatorOf(group) => match &self.group {
                Some(g) if g == group => Ok(()),
                Some(g) => Err(format!("no group {group:?}: the scenario's group is {g:?}")),
                None => Err(format!(
                    "no group {group:?}: the scenario has no consumer group \
                     (`workload.group_consumers` = 0)"
                )),
            },
            _ => Ok(()),
        }
    }

    /// `member_only`: the fault acts on a group member.
    fn check_client(&self, client: &str, member_only: bool) -> Result<(), String> {
        let known: Vec<&String> = self
            .clients
            .iter()
            .filter(|c| !member_only || ClientHost::is_group_member(c))
            .collect();
        if known.iter().any(|c| *c == client) {
            return Ok(());
        }
        let what = if member_only {
            "group member"
        } else {
            "client"
        };
        let list = if known.is_empty() {
            "none".to_string()
        } else {
            known
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(format!(
            "no {what} host {client:?}: the scenario's {what} hosts are {list}"
        ))
    }

    fn topic_list(&self) -> String {
        self.topics
            .iter()
            .map(|(t, n)| format!("{t}/0..{t}/{}", n.saturating_sub(1)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        serde_json::from_str(
            r#"{"name": "s", "duration_ms": 10000, "cluster": {"brokers": 3, "topics": [{"name": "orders", "partitions": 2}]}}"#,
        )
        .expect("a scenario")
    }

    fn error(fault: Fault, at_ms: u64) -> String {
        let schedule = vec![
            ScheduledFault::at(0, Fault::Heal),
            ScheduledFault::at(at_ms, fault),
        ];
        check_schedule(&schedule, &scenario(), "faults").unwrap_err()
    }

    #[test]
    fn a_target_that_does_not_exist_names_the_entry_and_what_exists() {
        let crash = |target| Fault::Crash { target };
        let e = error(crash(Target::Broker(99)), 5);
        assert_eq!(
            e,
            "`faults[1].fault.target`: no broker 99: the cluster has brokers 1 to 3"
        );
        let e = error(crash(Target::LeaderOf("order/0".into())), 5);
        assert!(
            e.contains("no partition \"order/0\"") && e.contains("orders/0..orders/1"),
            "{e}"
        );
        let e = error(
            Fault::PartitionClient {
                client: "producer-7".into(),
                target: Target::Controller,
            },
            5,
        );
        assert!(
            e.starts_with("`faults[1].fault.client`: no client host \"producer-7\""),
            "{e}"
        );
        assert!(e.contains("producer-1, producer-2"), "{e}");
        let e = error(
            Fault::KillConsumer {
                client: "group-consumer-1".into(),
            },
            5,
        );
        assert!(e.contains("group member hosts are none"), "{e}");
        let e = error(crash(Target::CoordinatorOf("g".into())), 5);
        assert!(e.contains("no consumer group"), "{e}");
        let e = error(Fault::Restart, 10_000);
        assert!(
            e.starts_with("`faults[1].at_ms`: 10000 ms is past the fault window"),
            "{e}"
        );
        let ok = vec![ScheduledFault::at(
            9_999,
            crash(Target::IsrFollowerOf("orders/1".into())),
        )];
        assert_eq!(check_schedule(&ok, &scenario(), "faults"), Ok(()));
    }
}
