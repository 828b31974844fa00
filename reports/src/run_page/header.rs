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
    /// `kept`, `broken` or `not promised` (also the cell's CSS class, spaces as dashes).
    pub status: &'static str,
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
    if sc.cluster.kafka_version != Default::default() {
        out.push(set("kafka.version", sc.cluster.kafka_version));
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

/// The run's semantics, as the checker judged it.
fn semantics(data: &RunData) -> logjam_checker::Semantics {
    let sc = &data.meta.resolved_scenario;
    semantics_of_workload(&sc.cluster, &sc.workload)
}

/// The verdict, led by what was found.
pub fn verdict(data: &RunData) -> crate::findings::Headline {
    let sem = semantics(data);
    let judged = data.result.valid.is_some().then_some(&sem);
    crate::findings::headline(&data.result, judged)
}

/// The verdict table: the promises made (kept or broken), then those the
/// configuration does not make, each with the promise table's reason.
pub fn promises(data: &RunData) -> Vec<PromiseRow> {
    let made = data.result.promises.iter().map(|p| PromiseRow {
        name: p.name.as_str().into(),
        status: if p.kept { "kept" } else { "broken" },
        reason: p.reason.clone(),
        broken_by: p
            .broken_by
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(", "),
    });
    let given_up: Vec<PromiseRow> = if data.result.valid.is_some() {
        logjam_checker::not_promised(&semantics(data), &data.result.faults)
            .into_iter()
            .map(|n| PromiseRow {
                name: n.name.as_str().into(),
                status: "not promised",
                reason: n.reason,
                broken_by: n
                    .name
                    .broken_by()
                    .iter()
                    .filter_map(|k| data.result.counts.get(k).map(|c| format!("{k}×{c} found")))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect()
    } else {
        Vec::new()
    };
    made.chain(given_up).collect()
}
