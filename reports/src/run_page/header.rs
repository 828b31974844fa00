//! The page header: the configuration settings that decide the promises
//! (under Kafka's names), and the verdict in words.
use super::load::RunData;
use crate::html::thousands;
use logjam_checker::{Acks, CommitMode};
use logjam_harness::semantics::semantics_of_workload;

pub struct Setting {
    pub name: String,
    pub value: String,
}

pub struct PromiseRow {
    pub name: String,
    pub kept: bool,
    pub reason: String,
    pub broken_by: String,
}

fn set(name: &str, value: impl ToString) -> Setting {
    Setting {
        name: name.into(),
        value: value.to_string(),
    }
}

pub fn settings(data: &RunData) -> Vec<Setting> {
    let sc = &data.meta.resolved_scenario;
    let s = semantics_of_workload(&sc.cluster, &sc.workload);
    let mut out = vec![
        set(
            "acks",
            match s.acks {
                Acks::Zero => "0",
                Acks::One => "1",
                Acks::All => "all",
            },
        ),
        set(
            "enable.idempotence",
            if s.idempotent() {
                "true".to_string()
            } else if s.enable_idempotence {
                "requested, not in effect".into()
            } else {
                "false".into()
            },
        ),
        set("retries", s.retries),
        set("max.in.flight.requests.per.connection", s.max_in_flight),
        set("min.insync.replicas", s.min_insync_replicas),
        set("replication.factor", s.replication_factor),
        set("unclean.leader.election.enable", s.unclean_leader_election),
        set(
            "flush.messages",
            s.flush_messages
                .map_or("never (page cache)".to_string(), |n| n.to_string()),
        ),
        set("brokers", sc.cluster.brokers),
        set(
            "partitions",
            sc.cluster
                .topics
                .iter()
                .map(|t| format!("{}×{}", t.name, t.partitions))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ];
    if s.transactional {
        out.push(set("transactional.id", "set"));
    }
    if s.read_committed {
        out.push(set("isolation.level", "read_committed"));
    }
    if let Some(mode) = s.commit_mode {
        out.push(set(
            "commit mode",
            match mode {
                CommitMode::Auto => "auto-commit",
                CommitMode::BeforeProcessing => "commit before processing",
                CommitMode::AfterProcessing => "commit after processing",
            },
        ));
    }
    if s.legacy_hw_truncation {
        out.push(set("logjam.legacy.hw.truncation", true));
    }
    // Not in the checker's semantics: on its own it changes no promise.
    if sc.cluster.broker.legacy_restart_keeps_isr {
        out.push(set("logjam.legacy.restart.keeps.isr", true));
    }
    if s.legacy_no_commit_fencing {
        out.push(set("logjam.legacy.no.commit.fencing", true));
    }
    out.push(set("fault window", crate::html::ms_secs(sc.duration_ms)));
    out.push(set(
        "simulated",
        crate::html::ms_secs(data.meta.simulated_ms),
    ));
    out.push(set("operations", thousands(data.result.stats.ops)));
    out
}

/// (CSS class, one line).
/// Jepsen's verdict in one sentence, when the check computed it.
pub fn jepsen(data: &RunData) -> Option<String> {
    let j = data.result.jepsen.as_ref()?;
    let how = format!(
        "consumers {}, ww edges {}",
        if j.options.subscribe {
            "subscribe"
        } else {
            "assign"
        },
        if j.options.ww_deps {
            "inferred"
        } else {
            "not inferred"
        }
    );
    Some(if j.valid {
        format!("Jepsen's checker would call this run valid ({how}).")
    } else {
        let bad: Vec<&str> = j.bad.iter().map(|k| k.as_str()).collect();
        format!(
            "Jepsen's checker would call this run invalid ({how}): {}.",
            bad.join(", ")
        )
    })
}

pub fn verdict(data: &RunData) -> (&'static str, String) {
    let r = &data.result;
    let found: u64 = r.counts.values().sum();
    match r.valid {
        Some(true) if found == 0 => ("kept", "Every promise kept; no anomaly found.".into()),
        Some(true) => (
            "kept",
            format!(
                "Every promise kept; {} allowed anomalies found.",
                thousands(found)
            ),
        ),
        Some(false) => {
            let names: Vec<&str> = r.broken().map(|p| p.name.as_str()).collect();
            ("broken", format!("Promise broken: {}.", names.join(", ")))
        }
        None if found == 0 => (
            "unjudged",
            "No configuration given; no anomaly found.".into(),
        ),
        None => (
            "unjudged",
            format!(
                "No configuration given; {} anomalies found.",
                thousands(found)
            ),
        ),
    }
}

pub fn promises(data: &RunData) -> Vec<PromiseRow> {
    data.result
        .promises
        .iter()
        .map(|p| PromiseRow {
            name: p.name.as_str().into(),
            kept: p.kept,
            reason: p.reason.clone(),
            broken_by: p
                .broken_by
                .iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}
