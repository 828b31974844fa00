//! What one simulation can hold (issue 14): a scenario past these sizes would
//! panic inside turmoil, exhaust memory or run for hours, so it is refused
//! before it starts, with the key and the limit. The connection bound is
//! turmoil's: every simulated host queues at most
//! [`LISTEN_BACKLOG`] connections it has not accepted yet.
use crate::scenario::Scenario;
use logjam_models::cluster::LISTEN_BACKLOG;

/// Brokers in one cluster: each is a turmoil host heartbeating the one
/// controller; past this a run takes minutes per simulated second.
pub const MAX_BROKERS: u32 = 100;
/// Client hosts (producers, consumers, group members): each connects to
/// every broker it sends to or reads from.
pub const MAX_CLIENT_HOSTS: u32 = 1_000;
/// Concurrent sending processes per producer host.
pub const MAX_PROCESSES_PER_PRODUCER: u32 = 1_000;
/// Records per `send` operation: each operation holds all of its records
/// and their outcomes in memory until the last is acknowledged (10^8 filled
/// 23 GB).
pub const MAX_SENDS_PER_OP: u32 = 10_000;

/// The scenario's sizes are within what a simulation holds; the error names
/// the key, the limit and what was asked.
pub fn check_sizes(scenario: &Scenario) -> Result<(), String> {
    let over = |key: &str, limit: u64, got: u64, why: &str| {
        Err(format!("`{key}`: at most {limit} ({why}), got {got}"))
    };
    let cluster = &scenario.cluster;
    let w = &scenario.workload;
    if cluster.brokers > MAX_BROKERS {
        return over(
            "cluster.brokers",
            MAX_BROKERS.into(),
            cluster.brokers.into(),
            "brokers a simulated cluster runs in useful time",
        );
    }
    let clients = u64::from(w.producers) + u64::from(w.consumers) + u64::from(w.group_consumers);
    if clients > u64::from(MAX_CLIENT_HOSTS) {
        return over(
            "workload.producers + workload.consumers + workload.group_consumers",
            MAX_CLIENT_HOSTS.into(),
            clients,
            "client hosts in one simulation",
        );
    }
    if w.processes_per_producer > MAX_PROCESSES_PER_PRODUCER {
        return over(
            "workload.processes_per_producer",
            MAX_PROCESSES_PER_PRODUCER.into(),
            w.processes_per_producer.into(),
            "sending processes per producer host",
        );
    }
    if w.sends_per_op > MAX_SENDS_PER_OP {
        return over(
            "workload.sends_per_op",
            MAX_SENDS_PER_OP.into(),
            w.sends_per_op.into(),
            "records per send operation, all held in memory until acknowledged",
        );
    }
    let backlog = LISTEN_BACKLOG as u64;
    let partitions: u64 = cluster.topics.iter().map(|t| u64::from(t.partitions)).sum();
    if partitions > backlog {
        return over(
            "cluster.topics[*].partitions",
            backlog,
            partitions,
            "partitions over every topic: a consumer may open a connection per partition it looks up",
        );
    }
    // A follower fetches each partition on its own connection to the
    // leader, and after failovers one broker may lead every partition: all
    // those connections, and every client's, can arrive at one broker at once.
    let mut followers: u64 = cluster
        .topics
        .iter()
        .map(|t| u64::from(t.partitions) * u64::from(t.replication_factor.saturating_sub(1)))
        .sum();
    if w.group_consumers > 0 {
        let rf = cluster
            .broker
            .offsets_topic_replication_factor
            .min(cluster.brokers);
        followers += u64::from(cluster.broker.offsets_topic_num_partitions)
            * u64::from(rf.saturating_sub(1));
    }
    // A client host connects to a broker at most twice (data and group
    // coordinator); the final readers add two hosts.
    let connections = followers + 2 * (clients + 2);
    if connections > backlog {
        return Err(format!(
            "`cluster.topics[*].partitions`: {followers} follower replicas (partitions × \
             (replication.factor − 1), over every topic) and {clients} client hosts could all \
             connect to one broker at once: {connections} connections, at most {backlog} \
             (what a simulated host can queue)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(partitions: u32, rf: u32) -> Scenario {
        let text = format!(
            r#"{{"name": "s", "cluster": {{"brokers": 3, "topics": [{{"name": "t", "partitions": {partitions}, "replication.factor": {rf}}}]}}}}"#
        );
        serde_json::from_str(&text).expect("a scenario")
    }

    #[test]
    fn sizes_past_the_simulation_name_the_key_and_the_limit() {
        assert_eq!(check_sizes(&scenario(1_000, 3)), Ok(()));
        let e = check_sizes(&scenario(3_000, 3)).unwrap_err();
        assert!(
            e.contains("cluster.topics[*].partitions") && e.contains("at most 4096"),
            "{e}"
        );
        let e = check_sizes(&scenario(1_000_000, 1)).unwrap_err();
        assert!(
            e.contains("at most 4096") && e.contains("got 1000000"),
            "{e}"
        );
        let mut s = scenario(1, 1);
        s.workload.sends_per_op = 100_000_000;
        let e = check_sizes(&s).unwrap_err();
        assert!(
            e.starts_with("`workload.sends_per_op`: at most 10000"),
            "{e}"
        );
        let mut s = scenario(1, 1);
        s.cluster.brokers = 1_000;
        assert!(check_sizes(&s)
            .unwrap_err()
            .starts_with("`cluster.brokers`: at most 100"));
        let mut s = scenario(1, 1);
        s.workload.producers = 100_000;
        assert!(check_sizes(&s).unwrap_err().contains("at most 1000"));
    }
}
