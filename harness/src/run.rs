//! One run: build the simulation, drive the workload through the fault window,
//! heal, recover, read everything back, and check the history.
use crate::nemesis::fault::{self, ScheduledFault};
use crate::nemesis::{generator, FaultRecord, Nemesis};
use crate::scenario::Scenario;
use crate::semantics::semantics_of_workload;
use crate::workload::{self, FinalReads, Shared};
use logjam_checker::history::History;
use logjam_checker::replicas::ReplicaLog;
use logjam_checker::{check_with_replicas, CheckOptions, CheckResult};
use logjam_models::cluster::{new_sim, Cluster, SimSettings};
use logjam_models::config::ConfigError;
use logjam_models::events::TimedEvent;
use logjam_models::ids::TopicPartition;
use std::time::Duration;

/// After the workload stops, how long in-flight operations get to finish
/// before the final reads start.
pub const SETTLE_MS: u64 = 2_000;

/// Slack past the final reads' deadline, so the step loop ends a run (final
/// reads unfinished) before turmoil's own time limit would fail it.
const END_SLACK_MS: u64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// A fault schedule that cannot fire in this scenario (a target that
    /// does not exist, a time past the fault window): bad input.
    #[error("invalid fault schedule: {0}")]
    Schedule(String),
    #[error("simulation failed: {0}")]
    Sim(String),
}

/// How many of the schedule's faults fired, for the summary line and
/// `result.json` ("2 of 12 faults did not fire").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FaultTally {
    /// Entries of the schedule (generated or given).
    pub scheduled: u64,
    /// Of those, the ones that did nothing: skipped when they came due
    /// because their role had no holder then (no lagging follower while all
    /// are in sync, a broker already down, a member already killed), or due
    /// after the fault window's last step.
    pub not_fired: u64,
}

#[derive(Debug)]
pub struct RunOutput {
    pub seed: u64,
    pub history: History,
    pub schedule: Vec<ScheduledFault>,
    pub faults: Vec<FaultRecord>,
    pub result: CheckResult,
    /// Each replica's log at the end (`replicas.jsonl`).
    pub replicas: Vec<ReplicaLog>,
    pub steps: u64,
    pub simulated_ms: u64,
    /// Final reads finished in time (if not, loss verdicts are weaker).
    pub final_reads_complete: bool,
    /// The cluster's own account of the run (`events.jsonl`): for
    /// explanations, never the checker's input.
    pub events: Vec<TimedEvent>,
    pub fault_tally: FaultTally,
}

/// The fault schedule a run of `scenario` with `seed` uses.
pub fn schedule_for(scenario: &Scenario, seed: u64) -> Vec<ScheduledFault> {
    let mut schedule = scenario.faults.schedule.clone();
    if let Some(mix) = &scenario.faults.mix {
        let tps: Vec<String> = partitions(scenario).iter().map(workload::key).collect();
        let clients = workload::host_names(&scenario.workload);
        schedule.extend(generator::generate(
            mix,
            &tps,
            &clients,
            seed,
            scenario.duration_ms,
        ));
    }
    fault::sort_by_time(&mut schedule);
    schedule
}

pub fn partitions(scenario: &Scenario) -> Vec<TopicPartition> {
    scenario
        .cluster
        .topics
        .iter()
        .flat_map(|t| (0..t.partitions).map(move |p| TopicPartition::new(t.name.clone(), p)))
        .collect()
}

pub fn run(
    scenario: &Scenario,
    seed: u64,
    schedule: Option<Vec<ScheduledFault>>,
) -> Result<RunOutput, RunError> {
    run_with_progress(scenario, seed, schedule, &mut |_, _| {})
}

/// [`run`], calling `progress(simulated_ms, total_ms)` every simulated
/// second (for a progress line; nothing in the run depends on it).
pub fn run_with_progress(
    scenario: &Scenario,
    seed: u64,
    schedule: Option<Vec<ScheduledFault>>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunOutput, RunError> {
    if let Some(given) = &schedule {
        crate::nemesis::targets::check_schedule(given, scenario, "faults")
            .map_err(RunError::Schedule)?;
    }
    let config = workload::cluster_config(&scenario.workload, scenario.cluster.clone());
    let cluster = Cluster::new(config.clone())?;
    let knobs = &scenario.sim;
    // Saturating: scenario times are validated to a day each, but a run
    // built in code must not overflow either.
    let total_ms = [
        knobs.recovery_ms,
        SETTLE_MS,
        knobs.final_read_timeout_ms,
        END_SLACK_MS,
    ]
    .iter()
    .fold(scenario.duration_ms, |t, ms| t.saturating_add(*ms));
    let mut sim = new_sim(&SimSettings {
        seed,
        tick_ms: knobs.tick_ms,
        duration_ms: total_ms,
        min_latency_ms: knobs.min_latency_ms,
        max_latency_ms: knobs.max_latency_ms,
    });
    cluster.install(&mut sim);
    let shared = Shared::new(seed, partitions(scenario), cluster.event_log());
    let clients = workload::install(&mut sim, &scenario.workload, &config, &shared);
    // Sorted as it enters the run (`schedule_for` sorts its own): run.json and
    // the nemesis see the order faults fire in.
    let schedule = match schedule {
        Some(mut given) => {
            fault::sort_by_time(&mut given);
            given
        }
        None => schedule_for(scenario, seed),
    };
    let mut nemesis = Nemesis::new(schedule.clone(), seed, clients);
    let mut steps = 0u64;
    let mut step = |sim: &mut turmoil::Sim<'_>| -> Result<(), RunError> {
        steps += 1;
        let ms = sim.elapsed().as_millis() as u64;
        if ms / 1_000 != ms.saturating_sub(knobs.tick_ms) / 1_000 {
            progress(ms, total_ms);
        }
        sim.step()
            .map(|_| ())
            .map_err(|e| RunError::Sim(e.to_string()))
    };
    let now_ms = |sim: &turmoil::Sim<'_>| sim.elapsed().as_millis() as u64;

    while now_ms(&sim) < scenario.duration_ms {
        for rec in nemesis.fire_due(now_ms(&sim), &mut sim, &cluster) {
            record_fault(&shared, &rec);
        }
        step(&mut sim)?;
    }
    let end_of_faults = now_ms(&sim);
    for rec in nemesis.heal_everything(end_of_faults, &mut sim, &cluster) {
        record_fault(&shared, &rec);
    }
    while now_ms(&sim) < end_of_faults.saturating_add(knobs.recovery_ms) {
        step(&mut sim)?;
    }
    shared.stop.set(true);
    // Let in-flight operations finish before the final reads.
    let settle_until = now_ms(&sim).saturating_add(SETTLE_MS);
    while now_ms(&sim) < settle_until {
        step(&mut sim)?;
    }
    let mut final_reads = FinalReads::start(&mut sim, &scenario.workload, &config, &shared);
    let deadline = now_ms(&sim).saturating_add(knobs.final_read_timeout_ms);
    while !final_reads.advance(&mut sim) && now_ms(&sim) < deadline {
        step(&mut sim)?;
    }
    let simulated_ms = now_ms(&sim);
    drop(sim);
    let replicas = crate::replica_dump::dump(&cluster);
    let history = shared
        .recorder
        .borrow_mut()
        .take_history(header(scenario, seed));
    let options = CheckOptions {
        semantics: Some(semantics_of_workload(&scenario.cluster, &scenario.workload)),
        faults: None,
        // Jepsen's verdict beside the promises, for the run page.
        jepsen: Some(logjam_checker::JepsenOptions::default()),
    };
    let result = check_with_replicas(&history, &replicas, &options);
    let fault_tally = FaultTally {
        scheduled: schedule.len() as u64,
        not_fired: nemesis.skipped + (schedule.len() as u64).saturating_sub(nemesis.fired),
    };
    Ok(RunOutput {
        seed,
        history,
        schedule,
        faults: nemesis.records,
        result,
        replicas,
        steps,
        simulated_ms,
        final_reads_complete: final_reads.partitions_read(),
        events: cluster.events(),
        fault_tally,
    })
}

fn record_fault(shared: &Shared, rec: &FaultRecord) {
    let ns = Duration::from_millis(rec.at_ms).as_nanos() as u64;
    shared
        .recorder
        .borrow_mut()
        .nemesis(ns, &rec.f, rec.value.clone());
}

fn header(scenario: &Scenario, seed: u64) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("logjam_history".into(), 1.into());
    m.insert("scenario".into(), scenario.name.clone().into());
    m.insert("seed".into(), seed.into());
    m.insert("logjam_version".into(), env!("CARGO_PKG_VERSION").into());
    // Every reader (polling consumers, group members, the final reader) runs
    // with the cluster's consumer settings. The checker judges
    // torn-transaction and stuck-lso on read_committed reads only, and reads
    // a history that states nothing as read_uncommitted (Kafka's default), so
    // a read_committed run must say so (HISTORY.md, "Isolation"). A
    // transactional run says so either way, so its anomaly sentences can name
    // how the reader read.
    let read_committed = scenario.cluster.consumer.isolation_level
        == logjam_models::config::IsolationLevel::ReadCommitted;
    if read_committed || scenario.cluster.producer.transactional_id.is_some() {
        let level = if read_committed {
            logjam_checker::history::IsolationLevel::ReadCommitted
        } else {
            logjam_checker::history::IsolationLevel::ReadUncommitted
        };
        m.insert(
            logjam_checker::history::ISOLATION_FIELD.into(),
            logjam_checker::history::Isolation::every(level).to_header_value(),
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::SimKnobs;
    use logjam_models::config::{
        BrokerConfig, ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig,
    };

    /// A one-broker cluster, one producer, half a second of workload.
    fn tiny(final_read_timeout_ms: u64) -> Scenario {
        Scenario {
            name: "tiny".into(),
            description: String::new(),
            preset: None,
            cluster: ClusterConfig {
                brokers: 1,
                kafka_version: Default::default(),
                broker: BrokerConfig::scaled_for_simulation(),
                topics: vec![TopicConfig {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 1,
                    ..TopicConfig::default()
                }],
                producer: ProducerConfig::scaled_for_simulation(),
                consumer: ConsumerConfig::scaled_for_simulation(),
            },
            workload: crate::workload::WorkloadSpec {
                producers: 1,
                consumers: 0,
                ..Default::default()
            },
            faults: Default::default(),
            duration_ms: 500,
            sim: SimKnobs {
                recovery_ms: 500,
                final_read_timeout_ms,
                ..SimKnobs::default()
            },
        }
    }

    /// The time limit covers the settle before the final reads: final reads
    /// that run out of time are a weaker verdict, not a failed simulation.
    #[test]
    fn final_reads_out_of_time_are_incomplete_not_a_failure() {
        let out = run(&tiny(10), 0, None).expect("the run ends within its time limit");
        assert!(!out.final_reads_complete);
        let out = run(&tiny(5_000), 0, None).expect("run");
        assert!(out.final_reads_complete);
    }

    /// `heal` releases a paused broker then and there, recorded as the
    /// `resume` it is; the end of the run has nothing left to resume.
    #[test]
    fn heal_releases_a_paused_broker() {
        use crate::nemesis::fault::{Fault, Target};
        let schedule = vec![
            ScheduledFault {
                at_ms: 100,
                hold_ms: None,
                fault: Fault::Pause {
                    target: Target::Broker(1),
                },
            },
            ScheduledFault {
                at_ms: 300,
                hold_ms: None,
                fault: Fault::Heal,
            },
        ];
        let out = run(&tiny(5_000), 0, Some(schedule)).expect("run");
        let fired: Vec<(u64, &str, String)> = out
            .faults
            .iter()
            .map(|r| (r.at_ms, r.f.as_str(), r.value.to_string()))
            .collect();
        assert_eq!(
            fired[1..3],
            [
                (300, "heal", "{}".to_string()),
                (300, "resume", r#"{"nodes":["broker-1"]}"#.to_string()),
            ],
            "{fired:?}"
        );
        assert!(
            !fired[3..].iter().any(|(_, f, _)| *f == "resume"),
            "nothing left paused at the end: {fired:?}"
        );
        assert!(out.final_reads_complete);
    }

    #[test]
    fn a_given_schedule_is_stored_sorted() {
        use crate::nemesis::fault::Fault;
        let given = vec![
            ScheduledFault {
                at_ms: 300,
                hold_ms: None,
                fault: Fault::Resume,
            },
            ScheduledFault {
                at_ms: 100,
                hold_ms: None,
                fault: Fault::Heal,
            },
        ];
        let out = run(&tiny(5_000), 0, Some(given)).expect("run");
        let times: Vec<u64> = out.schedule.iter().map(|f| f.at_ms).collect();
        assert_eq!(times, [100, 300]);
    }
}
