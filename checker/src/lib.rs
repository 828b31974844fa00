//! logjam's checker: a history (and, optionally, the configuration it ran
//! under) in; anomalies with their proof ops, and promises kept or broken, out.
//!
//! This crate depends on no other logjam crate, so Cargo itself keeps the
//! rule that the checker reads only the history, never the models: anyone
//! with a Kafka history (Jepsen's, their own rig's) can depend on it without
//! the simulator. [`history`] is the format (HISTORY.md): reader and writer.
//!
//! It follows Jepsen's Kafka checker's rules exactly where it uses Jepsen's
//! names (docs/JEPSEN.md, with the places it deliberately differs). A send
//! must have committed when its op completed `ok`, or `info` with one of the
//! op's sends read by an `ok` op; a `fail` send definitely did not happen.
//! Every poll result, whatever its outcome, tells the truth about offsets;
//! only `ok` reads prove a write committed or satisfy lost-write and unseen.
//! Final reads are the ops marked `"final": true`.
//!
//! Each anomaly has its own module with a `find` function over the facts
//! gathered in one pass (`facts`) and Jepsen's version order built from them
//! (`version_order`); the group-level `lost-processing` and
//! `duplicate-processing` make a second pass over the processing ops
//! (`processing`). A new kind is a new module, a new [`AnomalyKind`] (its
//! name comes from the variant; [`AnomalyKind::severity`] ranks it), and a
//! line in [`check`]. Fault names are read once, in [`fault_class`]. The work is linear in the history, apart from sorting
//! each key's offsets once.
mod aborted_read;
mod anomaly;
mod assignment;
mod buckets;
mod cycles;
mod duplicate;
mod empty_transaction_graph;
mod explain;
mod facts;
pub mod fault_class;
mod faults;
pub mod history;
mod inconsistent_offsets;
mod jepsen;
mod key_groups;
mod lost_write;
mod poll_order;
mod precommitted_read;
mod processing;
pub mod promise;
mod realtime_lag;
mod replica_divergence;
pub mod replicas;
mod result;
mod send_order;
mod stuck_lso;
mod torn_transaction;
mod unseen;
mod value_index;
mod verdict;
mod version_order;

pub use anomaly::{Anomaly, AnomalyKind};
pub use fault_class::{FaultClass, FaultUndo};
pub use faults::FaultClasses;
pub use jepsen::{JepsenOptions, JepsenVerdict};
pub use promise::{
    not_promised, promises, Acks, CommitMode, NotPromised, Promise, PromiseName, Semantics,
};
pub use result::{CheckResult, KeyLag, PromiseVerdict, Series, SeriesPoint, Stats};

use crate::history::{read_table_file, HistoryError, HistoryRef};
use anomaly::Findings;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckOptions {
    /// The configuration the history ran under; `None` reports anomalies
    /// only, with no promises and no verdict.
    pub semantics: Option<Semantics>,
    /// The fault classes injected; `None` derives them from the history's
    /// nemesis ops.
    pub faults: Option<FaultClasses>,
    /// Also judge validity as Jepsen's Kafka checker does (`logjam check
    /// --jepsen`), with its test options. Its `ww_deps` also drives logjam's
    /// cycle search ([`CheckOptions::ww_deps`]).
    pub jepsen: Option<JepsenOptions>,
}

impl CheckOptions {
    /// Write-write dependencies are inferred from each key's version order
    /// (Jepsen's `:ww-deps`, `logjam check --jepsen --ww-deps`): the cycle
    /// search then finds G0, and G1c breaks no promise (Kafka does not
    /// isolate writes), as Jepsen's verdict allows it.
    pub fn ww_deps(&self) -> bool {
        self.jepsen.is_some_and(|j| j.ww_deps)
    }
}

/// Check a history: a [`History`] or, read faster from a file, an
/// [`history::OpTable`].
pub fn check<'h>(history: impl Into<HistoryRef<'h>>, opts: &CheckOptions) -> CheckResult {
    check_with_replicas(history, &[], opts)
}

/// Check a history together with the end-of-run replica dump
/// ([`replicas`]), which adds `replica-divergence`. An empty dump judges
/// the history alone, exactly as [`check`].
pub fn check_with_replicas<'h>(
    history: impl Into<HistoryRef<'h>>,
    replicas: &[replicas::ReplicaLog],
    opts: &CheckOptions,
) -> CheckResult {
    let history = history.into();
    let facts = facts::Facts::gather(history);
    let order = version_order::VersionOrder::build(&facts);
    let mut found = Findings::default();
    lost_write::find(&facts, &order, &mut found);
    unseen::find(&facts, &mut found);
    duplicate::find(&facts, &order, &mut found);
    inconsistent_offsets::find(&facts, &order, &mut found);
    send_order::find(&facts, &order, &mut found);
    poll_order::find(&facts, &order, &mut found);
    aborted_read::find(&facts, &mut found);
    precommitted_read::find(&facts, &mut found);
    torn_transaction::find(&facts, &order, &mut found);
    stuck_lso::find(&facts, &order, &mut found);
    let searched = cycles::find(&facts, &order, opts.ww_deps(), &mut found);
    let mut stats = facts.stats.clone();
    (stats.ww_dependencies, stats.wr_dependencies) = (searched.ww_edges, searched.wr_edges);
    (stats.processed, stats.records_processed) =
        processing::find(history, &facts.pairs, &mut found);
    for anomaly in replica_divergence::find(replicas) {
        found.push(anomaly);
    }
    stats.replica_logs = replicas.len() as u64;
    let series = Series {
        unseen: result::downsample(unseen::series(&facts)),
        realtime_lag: realtime_lag::by_key(history, &facts.pairs),
    };
    let faults = opts
        .faults
        .unwrap_or_else(|| FaultClasses::from_history(history));
    let jepsen = opts.jepsen.map(|o| {
        let empty_graph = empty_transaction_graph::is_empty(&facts, &order, o.ww_deps);
        jepsen::judge(&found, o, history, empty_graph)
    });
    let mut result = verdict::judge(
        found,
        opts.semantics.as_ref(),
        faults,
        stats,
        opts.ww_deps(),
    );
    result.series = series;
    result.jepsen = jepsen;
    result
}

/// The cycle search alone (G0, G1c and their -process and -realtime forms,
/// ww dependencies inferred only with `ww_deps`), for benchmarks and tools:
/// what it found, by kind. [`check`] runs it too.
pub fn find_cycles<'h>(
    history: impl Into<HistoryRef<'h>>,
    ww_deps: bool,
) -> BTreeMap<AnomalyKind, Vec<Anomaly>> {
    let history = history.into();
    let facts = facts::Facts::gather(history);
    let order = version_order::VersionOrder::build(&facts);
    let mut found = Findings::default();
    cycles::find(&facts, &order, ww_deps, &mut found);
    found.by_kind
}

/// Read a history file and check it. An unreadable history is an error
/// (exit status 2 for `logjam check`), never a verdict.
pub fn check_file(
    path: impl AsRef<Path>,
    opts: &CheckOptions,
) -> Result<CheckResult, HistoryError> {
    let table = read_table_file(path)?;
    Ok(check(&table, opts))
}

#[cfg(test)]
mod tests;
