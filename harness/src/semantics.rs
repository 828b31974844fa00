//! From a cluster configuration to the checker's model-independent description of
//! it. Where topics differ, the weakest setting wins: a promise must hold for
//! every partition the history touches.
use logjam_checker::{Acks, Semantics};
use logjam_models::config::{self, ClusterConfig, IsolationLevel};

pub fn semantics_of(c: &ClusterConfig) -> Semantics {
    let topics: Vec<_> = c.topics.iter().map(|t| t.effective(&c.broker)).collect();
    let weakest_flush = if topics.iter().any(|t| t.flush_messages.is_none()) {
        None
    } else {
        topics.iter().filter_map(|t| t.flush_messages).max()
    };
    Semantics {
        acks: match c.producer.acks {
            config::Acks::Zero => Acks::Zero,
            config::Acks::One => Acks::One,
            config::Acks::All => Acks::All,
        },
        min_insync_replicas: topics
            .iter()
            .map(|t| t.min_insync_replicas)
            .min()
            .unwrap_or(c.broker.min_insync_replicas),
        replication_factor: topics
            .iter()
            .map(|t| t.replication_factor)
            .min()
            .unwrap_or(1),
        unclean_leader_election: topics.iter().any(|t| t.unclean_leader_election_enable),
        enable_idempotence: c.producer.idempotence_enabled(),
        retries: c.producer.retries,
        max_in_flight: c.producer.max_in_flight_requests_per_connection,
        flush_messages: weakest_flush,
        transactional: c.producer.transactional_id.is_some(),
        read_committed: c.consumer.isolation_level == IsolationLevel::ReadCommitted,
        commit_mode: None,
        legacy_hw_truncation: c.broker.legacy_hw_truncation,
        legacy_no_commit_fencing: c.broker.legacy_no_commit_fencing,
        legacy_transaction_v1: c.broker.legacy_transaction_v1,
        eligible_leader_replicas: c.kafka_version.eligible_leader_replicas(),
    }
}

/// As [`semantics_of`], plus the commit mode of the run's consumer group, if
/// it has one: the workload decides when members commit (auto-commit runs
/// with `enable.auto.commit`; members process synchronously between polls).
pub fn semantics_of_workload(c: &ClusterConfig, w: &crate::workload::WorkloadSpec) -> Semantics {
    let mut s = semantics_of(c);
    if w.group_consumers > 0 {
        s.commit_mode = Some(w.commit_mode);
    }
    s
}
