//! The run page (`report.html` inside a run folder): header and verdict,
//! anomaly cards, timeline, throughput and latency, the offset grid, the
//! faults and the operations table. Each part is its own module producing
//! plain data or escaped SVG; `templates/run.html` lays them out.
mod cards;
mod charts;
mod cluster_events;
mod describe;
mod explain;
pub mod faults;
mod grid;
mod header;
mod incidents;
mod load;
mod losses;
mod ops;
mod plots;
mod select;
mod series;
mod threads;
mod timeline;
mod transactions;

use crate::error::ReportError;
use askama::Template;
use load::RunData;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where a large history stops being drawn in full. The defaults keep the
/// page for a 100,000-operation history to a few MB.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Operations drawn in the timeline and listed in the ops table (plus
    /// every nemesis op and every op a card cites).
    pub ops: usize,
    /// Rows of the offset grid per partition.
    pub offsets_per_partition: usize,
    /// Anomaly cards per kind.
    pub cards_per_kind: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            ops: 5_000,
            offsets_per_partition: 2_000,
            cards_per_kind: 20,
        }
    }
}

/// The file name of the run page inside a run folder.
pub const REPORT_FILE: &str = "report.html";

struct FaultRow {
    at: String,
    f: String,
    text: String,
    skipped: bool,
}

#[derive(Template)]
#[template(path = "run.html")]
struct RunPage {
    title: String,
    scenario: String,
    preset: String,
    seed: u64,
    version: &'static str,
    run_version: String,
    replay_command: String,
    final_reads_complete: bool,
    settings: Vec<header::Setting>,
    verdict_class: &'static str,
    verdict: String,
    /// "2 of 12 faults did not fire", when some did not.
    faults_not_fired: Option<String>,
    promises: Vec<header::PromiseRow>,
    sections: Vec<cards::KindSection>,
    first_anomaly: Option<String>,
    timeline: String,
    timeline_notes: Vec<String>,
    /// The timeline's plot area (px) and span (ns), for "zoom to this proof".
    timeline_x0: f64,
    timeline_x1: f64,
    end_ns: u64,
    /// Lost and unseen writes per second by send time ("" when none).
    loss_rate: String,
    /// Every operation's latency, log scale.
    latency_raw: String,
    /// Group runs: committed offset per partition over time ("" otherwise).
    committed: String,
    /// The run folder has `events.jsonl`: the timeline has its lanes.
    has_events: bool,
    /// The history has transactions: the timeline's legend names their spans.
    has_transactions: bool,
    throughput: String,
    latency: String,
    unseen_chart: String,
    lag_chart: String,
    lag_note: Option<String>,
    /// Jepsen's verdict, when the check computed it.
    jepsen: Option<String>,
    partitions: Vec<grid::PartitionGrid>,
    faults: Vec<FaultRow>,
    ops: Vec<ops::OpRow>,
    ops_note: Option<String>,
}

/// Render `report.html` inside a run folder; returns its path.
pub fn write_run_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let html = render_run_page(run_dir)?;
    let path = run_dir.join(REPORT_FILE);
    fs::write(&path, html).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

/// Render a run page to a string (for tests / benches), with the default caps.
pub fn render_run_page(run_dir: &Path) -> Result<String, ReportError> {
    render_run_page_with(run_dir, &Limits::default())
}

/// Render a run page with explicit caps.
pub fn render_run_page_with(run_dir: &Path, limits: &Limits) -> Result<String, ReportError> {
    let data = RunData::load(run_dir)?;
    render(&data, limits)
}

fn render(data: &RunData, limits: &Limits) -> Result<String, ReportError> {
    let bands = faults::bands(&data.faults, data.end_ns);
    let headline = header::verdict(data);
    let (sections, proof) = cards::sections(data, &bands, limits.cards_per_kind, &headline);
    let lost = losses::lost_sends(data);
    // Every lost write's send gets a row, so its timeline mark has a target.
    let rows_needed: BTreeSet<u64> = proof
        .iter()
        .copied()
        .chain(lost.iter().map(|l| l.op))
        .collect();
    let sel = select::Selection::new(data, limits.ops, &rows_needed);
    let threads = threads::threads(data);
    let (timeline, lane_note) = timeline::render(data, &bands, &sel, &proof, &threads, &lost);
    let (throughput, latency) = charts::render(data, &bands);
    let (unseen_chart, lag_chart, lag_note) = series::render(data, &bands);
    let meta = &data.meta;
    let preset = meta
        .preset
        .clone()
        .unwrap_or_else(|| crate::summary::NO_PRESET.into());
    let page = RunPage {
        title: format!("{} / {} / seed {}", meta.scenario, preset, meta.seed),
        scenario: meta.scenario.clone(),
        preset,
        seed: meta.seed,
        version: crate::LOGJAM_VERSION,
        run_version: meta.logjam_version.clone(),
        replay_command: meta.replay_command.clone(),
        final_reads_complete: meta.final_reads_complete,
        settings: header::settings(data),
        verdict_class: headline.tone.class(),
        verdict: headline.text.clone(),
        faults_not_fired: (data.fault_tally.not_fired > 0).then(|| {
            let t = data.fault_tally;
            format!(
                "{} of {} faults did not fire (see Faults).",
                t.not_fired, t.scheduled
            )
        }),
        promises: header::promises(data),
        first_anomaly: sections
            .first()
            .and_then(|s| s.cards.first())
            .map(|c| c.id.clone()),
        sections,
        timeline,
        has_events: !data.events.is_empty(),
        has_transactions: data
            .pairs
            .iter()
            .any(|p| transactions::is_transaction(data, p)),
        timeline_notes: sel.note("Timeline").into_iter().chain(lane_note).collect(),
        throughput,
        latency,
        timeline_x0: timeline::LABEL_W,
        timeline_x1: timeline::WIDTH - 12.0,
        end_ns: data.end_ns,
        loss_rate: plots::loss_rate(data, &bands, &lost).unwrap_or_default(),
        latency_raw: plots::latency_raw(data, &bands),
        committed: plots::committed_offsets(data, &bands).unwrap_or_default(),
        unseen_chart,
        lag_chart,
        lag_note,
        jepsen: header::jepsen(data),
        partitions: grid::render(data, limits.offsets_per_partition),
        faults: data
            .faults
            .iter()
            .map(|f| FaultRow {
                at: crate::html::ms_secs(f.at_ms),
                f: f.f.clone(),
                text: f.describe(),
                skipped: f.skipped().is_some(),
            })
            .collect(),
        ops: ops::rows(data, &sel, &proof),
        ops_note: sel.note("Operations"),
    };
    page.render()
        .map_err(|e| ReportError::render("run page", e))
}
