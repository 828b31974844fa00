//! `G0`, `G1c` and their `-process` and `-realtime` forms: cycles in the
//! dependency graph between operations (Elle's definitions and names,
//! JEPSEN_RULES.md "Cycles"; the graph is `graph`'s). A cycle is a set of
//! operations each of which must have happened before the next, around to
//! the first: no order of them all explains the history.
//! - `G0`: only write-write edges (`ww`, inferred from Jepsen's version
//!   order with `ww_deps`): write cycles, which Kafka allows (writes to different
//!   partitions are not isolated).
//! - `G1c`: at least one write-read edge, among ww and wr edges: circular
//!   information flow. With read_committed readers and no inferred ww edges
//!   every edge orders commits, so a G1c shows a read of uncommitted data.
//! - `-process` / `-realtime`: the cycle also needs a process-order or a
//!   realtime edge (one op completed before the other was invoked).
//!
//! The search finds strongly connected components over every edge
//! (`scc`), then a short cycle of each kind in each (`search`), and
//! explains its steps (`steps`). Graph and components are linear in the
//! history; each component's search is linear in the component. A graph
//! whose edges all run from a vertex to a later one (in order of first
//! line, as they mostly do) has no cycle, and is not searched.
mod graph;
mod scc;
mod search;
mod steps;

use super::anomaly::Findings;
use super::facts::Facts;
use super::version_order::VersionOrder;
use graph::{DepGraph, Evidence, PROCESS, REALTIME, WR, WW};

/// What the search built, for `Stats`.
pub(crate) struct Searched {
    pub ww_edges: u64,
    pub wr_edges: u64,
}

/// `order` is Jepsen's version order (`version_order`); its successive
/// values give the ww edges, only with `ww_deps`.
pub(crate) fn find(
    facts: &Facts<'_>,
    order: &VersionOrder,
    ww_deps: bool,
    found: &mut Findings,
) -> Searched {
    let order = ww_deps.then_some(order);
    let graph = DepGraph::build(facts, order);
    let components = match graph.may_cycle {
        true => scc::components(&graph, WW | WR | PROCESS | REALTIME),
        false => Vec::new(),
    };
    let mut evidence = None;
    for component in components {
        for (kind, cycle) in search::cycles_in(&graph, &component) {
            let evidence = evidence.get_or_insert_with(|| Evidence::of(facts, &graph));
            found.push(steps::anomaly(facts, &graph, evidence, order, kind, &cycle));
        }
    }
    Searched {
        ww_edges: graph.ww_edges,
        wr_edges: graph.wr_edges,
    }
}
