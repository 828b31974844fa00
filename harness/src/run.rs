//! One run: build the simulation, drive the workload through the fault window,
//! heal, recover, read everything back, and check the history.
use crate::check::{self, CheckOptions, CheckResult};
use crate::history::History;
use crate::nemesis::fault::ScheduledFault;
use crate::nemesis::{generator, FaultRecord, Nemesis};
use crate::scenario::Scenario;
use crate::semantics::semantics_of_workload;
use crate::workload::{self, final_read, Shared};
use logjam_models::cluster::{new_sim, Cluster, SimSettings};
use logjam_models::config::ConfigError;
use logjam_models::ids::TopicPartition;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("simulation failed: {0}")]
    Sim(String),
}

#[derive(Debug)]
pub struct RunOutput {
    pub seed: u64,
    pub history: History,
    pub schedule: Vec<ScheduledFault>,
    pub faults: Vec<FaultRecord>,
    pub result: CheckResult,
    pub steps: u64,
    pub simulated_ms: u64,
    /// Final reads finished in time (if not, loss verdicts are weaker).
    pub final_reads_complete: bool,
}

/// The fault schedule a run of `scenario` with `seed` uses.
pub fn schedule_for(scenario: &Scenario, seed: u64) -> Vec<ScheduledFault> {
    let mut schedule = scenario.faults.schedule.clone();
    if let Some(mix) = &scenario.faults.mix {
        let tps: Vec<String> = partitions(scenario).iter().map(workload::key).collect();
        let clients = client_hosts(scenario);
        schedule.extend(generator::generate(
            mix,
            &tps,
            &clients,
            seed,
            scenario.duration_ms,
        ));
    }
    schedule.sort_by_key(|f| f.at_ms);
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

fn client_hosts(scenario: &Scenario) -> Vec<String> {
    let w = &scenario.workload;
    (1..=w.producers)
        .map(|i| format!("producer-{i}"))
        .chain((1..=w.consumers).map(|i| format!("consumer-{i}")))
        .chain((1..=w.group_consumers).map(workload::group::host_name))
        .collect()
}

pub fn run(
    scenario: &Scenario,
    seed: u64,
    schedule: Option<Vec<ScheduledFault>>,
) -> Result<RunOutput, RunError> {
    let config = workload::group::cluster_config(
        scenario.workload.group_consumers,
        scenario.cluster.clone(),
    );
    let cluster = Cluster::new(config.clone())?;
    let knobs = &scenario.sim;
    let total_ms = scenario.duration_ms + knobs.recovery_ms + knobs.final_read_timeout_ms + 1_000;
    let mut sim = new_sim(&SimSettings {
        seed,
        tick_ms: knobs.tick_ms,
        duration_ms: total_ms,
        ..SimSettings::default()
    });
    cluster.install(&mut sim);
    let shared = Shared::new(seed, partitions(scenario));
    let mut clients = workload::install(&mut sim, &scenario.workload, &config, &shared);
    let group_controls = workload::group::GroupControls::default();
    clients.extend(workload::group::install(
        &mut sim,
        scenario.workload.group_consumers,
        scenario.workload.commit_mode,
        scenario.workload.processing_ms,
        &config,
        &shared,
        &group_controls,
    ));
    let schedule = schedule.unwrap_or_else(|| schedule_for(scenario, seed));
    let mut nemesis =
        Nemesis::new(schedule.clone(), seed, clients).with_group_controls(group_controls);
    let mut steps = 0u64;
    let mut step = |sim: &mut turmoil::Sim<'_>| -> Result<(), RunError> {
        steps += 1;
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
    while now_ms(&sim) < end_of_faults + knobs.recovery_ms {
        step(&mut sim)?;
    }
    shared.stop.set(true);
    // Let in-flight operations finish before the final reads.
    let settle_until = now_ms(&sim) + 2_000;
    while now_ms(&sim) < settle_until {
        step(&mut sim)?;
    }
    let done = final_read::install(&mut sim, &config, shared.clone());
    let deadline = now_ms(&sim) + knobs.final_read_timeout_ms;
    while !done.get() && now_ms(&sim) < deadline {
        step(&mut sim)?;
    }
    // A group's committed offsets, read last: lost processing is judged against them.
    if scenario.workload.group_consumers > 0 && done.get() {
        let committed = workload::group::install_final_committed(&mut sim, &config, shared.clone());
        while !committed.get() && now_ms(&sim) < deadline {
            step(&mut sim)?;
        }
    }
    let simulated_ms = now_ms(&sim);
    drop(sim);
    let history = shared
        .recorder
        .borrow_mut()
        .take_history(header(scenario, seed));
    let options = CheckOptions {
        semantics: Some(semantics_of_workload(&scenario.cluster, &scenario.workload)),
        faults: None,
    };
    let result = check::check(&history, &options);
    Ok(RunOutput {
        seed,
        history,
        schedule,
        faults: nemesis.records,
        result,
        steps,
        simulated_ms,
        final_reads_complete: done.get(),
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
    m
}
