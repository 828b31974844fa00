//! The dependency graph of the cycle search (JEPSEN_RULES.md, "Cycles"):
//! one vertex per completed-or-unknown `send`, `poll` or `txn` operation (a
//! `fail` one did not happen), and edges labelled by why one must precede
//! the other:
//! - `ww`: T2's write directly follows T1's in a key's version order
//!   (successive dense indices of Jepsen's `version_order`, each standing
//!   for its first-placed value; only with `ww_deps`);
//! - `wr`: T2 read a value T1 wrote;
//! - `process`: one process completed T1 `ok`, then performed T2;
//! - `realtime`: T1 completed `ok` before T2 was invoked.
//!
//! Realtime edges are Elle's transitive reduction: an invocation is linked
//! only from the completions not already implied by a later one (an `ok`
//! completion drops every buffered op that completed before it was invoked),
//! so each invocation gets about as many edges as ops were in flight, never
//! one per earlier op.
//!
//! The graph is built from the facts' arrays alone (`Facts::client_ops`,
//! each value's writer looked up once per value, not per read), never
//! reading an op's lines; its edges are enumerated twice, counted per
//! vertex and then placed straight into one adjacency array, so no list of
//! every edge is held (issue 13, "Speed"). The array holds each vertex's
//! edges *in* (its sources), because the edges come out grouped by target
//! (a reader's wr edges with its polls, an op's process and realtime edges
//! at its invocation): placing them is then a few sequential streams rather
//! than a scattered write per edge, the graph's largest cost. Strongly
//! connected components are the same in either direction, and a component
//! with a cycle gets its edges out (`Self::out_within`) for the search.
use crate::facts::Facts;
use crate::history::{OpPair, OpType};
use crate::version_order::VersionOrder;
use std::ops::Range;

pub(crate) const WW: u8 = 1;
pub(crate) const WR: u8 = 2;
pub(crate) const PROCESS: u8 = 4;
pub(crate) const REALTIME: u8 = 8;

/// No vertex.
pub(crate) const NONE: u32 = u32::MAX;

/// A graph's edges as (neighbour, labels), grouped by vertex and sorted by
/// neighbour: for `DepGraph` the edges into each vertex, for the search's
/// subgraphs the edges out.
pub(crate) trait Adjacency {
    fn vertex_count(&self) -> usize;
    fn out(&self, v: u32) -> &[(u32, u8)];
}

pub(crate) struct DepGraph {
    /// Per vertex, its operation's place in `Facts::pairs` (an index, not a
    /// copy: 4 bytes a vertex rather than 32, issue 13 "Speed").
    ops: Vec<u32>,
    /// Per history position, the vertex of the op there.
    vertex_at: Vec<u32>,
    /// Compressed adjacency: the edges into vertex v are
    /// `adj[start[v]..start[v+1]]`, as (source, labels), sorted by source,
    /// one entry per source with every label its edges have.
    start: Vec<u32>,
    adj: Vec<(u32, u8)>,
    pub ww_edges: u64,
    pub wr_edges: u64,
    /// Some edge runs from a vertex to a lower one. Every cycle has one
    /// (going only up it could not come back), so without one there is no
    /// cycle, and the adjacency is left empty: vertices are numbered in
    /// order of first line, which most edges follow (issue 13, "Speed").
    pub may_cycle: bool,
}

/// The graph reversed: `out(v)` is the edges into `v`, which is all that
/// strongly connected components need (they are the same reversed).
impl Adjacency for DepGraph {
    fn vertex_count(&self) -> usize {
        self.ops.len()
    }

    fn out(&self, v: u32) -> &[(u32, u8)] {
        let v = v as usize;
        match (self.start.get(v), self.start.get(v + 1)) {
            (Some(&a), Some(&b)) => self.adj.get(a as usize..b as usize).unwrap_or_default(),
            _ => &[],
        }
    }
}

impl DepGraph {
    pub fn build(facts: &Facts<'_>, order: Option<&VersionOrder>) -> Self {
        let mut vertex_at = vec![NONE; facts.ops.len()];
        let (mut ops, mut outcomes, mut processes) = (Vec::new(), Vec::new(), Vec::new());
        for op in facts
            .client_ops
            .iter()
            .filter(|op| op.outcome != OpType::Fail)
        {
            let Some(&pair) = facts.pairs.get(op.pair as usize) else {
                continue;
            };
            let v = ops.len() as u32;
            for pos in pair.invoke.into_iter().chain(pair.completion) {
                if let Some(slot) = vertex_at.get_mut(pos) {
                    *slot = v;
                }
            }
            ops.push(op.pair);
            outcomes.push(op.outcome);
            processes.push(op.process);
        }
        let vertex_of = |pos: usize| vertex_at.get(pos).copied().unwrap_or(NONE);
        // Per value, the vertex of the op that wrote it (NONE: none did, or
        // it failed), found once in write order rather than by two lookups
        // per read (issue 13, "Speed").
        let mut writer_vertices = vec![NONE; facts.values.len()];
        for (id, w) in facts.writes.iter().enumerate() {
            let first_writer = facts.value_facts(w.value_id).and_then(|v| v.write()) == Some(id);
            if let (true, false, Some(slot)) = (
                first_writer,
                w.outcome == OpType::Fail,
                writer_vertices.get_mut(w.value_id),
            ) {
                *slot = vertex_of(facts.pair_of(w).first());
            }
        }
        let edges = Edges {
            facts,
            order,
            vertex_at: &vertex_at,
            ops: &ops,
            outcomes: &outcomes,
            processes: &processes,
            writer_vertices: &writer_vertices,
        };
        // The edges are enumerated twice, to count each vertex's and then to
        // place them, so no list of every edge is ever held (issue 13,
        // "Speed": it was the check's largest transient allocation); and
        // only the first time when none runs back.
        let mut counts = vec![0u32; ops.len() + 1];
        let (mut ww_edges, mut wr_edges, mut may_cycle) = (0, 0, false);
        edges.each(|from, to, label| {
            if let Some(s) = counts.get_mut(to as usize + 1) {
                *s += 1;
            }
            ww_edges += u64::from(label == WW);
            wr_edges += u64::from(label == WR);
            may_cycle |= from > to;
        });
        let (start, adj) = match may_cycle {
            true => edges.place(counts),
            false => (vec![0; counts.len()], Vec::new()),
        };
        DepGraph {
            ops,
            vertex_at,
            start,
            adj,
            ww_edges,
            wr_edges,
            may_cycle,
        }
    }

    /// A vertex's operation.
    pub fn pair(&self, facts: &Facts<'_>, v: u32) -> Option<OpPair> {
        let at = *self.ops.get(v as usize)?;
        facts.pairs.get(at as usize).copied()
    }

    /// The edges out of each of `vertices` (sorted) that stay among them:
    /// one list per vertex, in the order of `vertices`, of (the target's
    /// place in `vertices`, its labels within `allowed`), sorted by target.
    /// Read from the edges in, for a component (small) only.
    pub fn out_within(&self, vertices: &[u32], allowed: u8) -> Vec<Vec<(u32, u8)>> {
        let local = |g: u32| vertices.binary_search(&g).ok();
        let mut out = vec![Vec::new(); vertices.len()];
        // Targets in increasing order, so each source's list comes sorted.
        for (to, &v) in vertices.iter().enumerate() {
            for &(from, labels) in self.out(v) {
                if let (Some(from), true) = (local(from), labels & allowed != 0) {
                    out[from].push((to as u32, labels & allowed));
                }
            }
        }
        out
    }

    /// The vertex of the op at a history position, if it is one.
    pub fn vertex_at(&self, pos: usize) -> Option<u32> {
        self.vertex_at.get(pos).copied().filter(|&v| v != NONE)
    }
}

/// Per vertex, its writes (a range of `Facts::writes`) and its polls (of
/// `Facts::polls`): what explains its edges. Made only once a cycle is
/// found, as most histories have none (issue 13, "Speed").
pub(crate) struct Evidence {
    pub writes: Vec<Range<usize>>,
    pub polls: Vec<Range<usize>>,
}

impl Evidence {
    pub fn of(facts: &Facts<'_>, graph: &DepGraph) -> Self {
        let n = graph.vertex_count();
        let vertex_of = |pos: usize| graph.vertex_at(pos).unwrap_or(NONE);
        let mut writes = vec![0..0; n];
        for (id, w) in facts.writes.iter().enumerate() {
            if let Some(r) = writes.get_mut(vertex_of(facts.pair_of(w).first()) as usize) {
                take(r, id);
            }
        }
        let mut polls = vec![0..0; n];
        for (i, poll) in facts.polls.iter().enumerate() {
            if let Some(r) = polls.get_mut(vertex_of(poll.op) as usize) {
                take(r, i);
            }
        }
        Evidence { writes, polls }
    }
}

/// What the edges are computed from.
struct Edges<'a, 'h> {
    facts: &'a Facts<'h>,
    order: Option<&'a VersionOrder>,
    vertex_at: &'a [u32],
    /// Per vertex: its op (its place in `Facts::pairs`), outcome and
    /// interned process.
    ops: &'a [u32],
    outcomes: &'a [OpType],
    processes: &'a [u32],
    writer_vertices: &'a [u32],
}

impl Edges<'_, '_> {
    /// The adjacency of edges in, from each vertex's count of them
    /// (`counts[v + 1]`): the starts, and the entries.
    fn place(&self, mut counts: Vec<u32>) -> (Vec<u32>, Vec<(u32, u8)>) {
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let start = counts;
        let mut fill = start.clone();
        let mut adj = vec![(0u32, 0u8); start.last().copied().unwrap_or(0) as usize];
        self.each(|from, to, label| {
            if let Some(at) = fill.get_mut(to as usize) {
                if let Some(slot) = adj.get_mut(*at as usize) {
                    *slot = (from, label);
                }
                *at += 1;
            }
        });
        drop(fill);
        let start = merge_neighbours(&start, &mut adj);
        (start, adj)
    }

    /// Every edge, as (from, to, label), in the same order each time.
    fn each(&self, mut edge: impl FnMut(u32, u32, u8)) {
        let facts = self.facts;
        let vertex_of = |pos: usize| self.vertex_at.get(pos).copied().unwrap_or(NONE);
        let writer_vertex =
            |value_id: usize| self.writer_vertices.get(value_id).copied().unwrap_or(NONE);

        // wr: the writer of every value read, to its reader.
        for poll in &facts.polls {
            let reader = vertex_of(poll.op);
            if reader == NONE {
                continue;
            }
            let mut last = NONE;
            for &value_id in facts.value_ids(poll) {
                let writer = writer_vertex(value_id as usize);
                if writer != NONE && writer != reader && writer != last {
                    edge(writer, reader, WR);
                }
                last = writer;
            }
        }

        // ww: successive values of a key's version order.
        if let Some(order) = self.order {
            for log in &order.logs {
                for pair in log.windows(2) {
                    let [s1, s2] = pair else {
                        continue;
                    };
                    let (Some(p1), Some(p2)) = (order.values(s1).first(), order.values(s2).first())
                    else {
                        continue;
                    };
                    let (a, b) = (writer_vertex(p1.value_id), writer_vertex(p2.value_id));
                    if a != NONE && b != NONE && a != b {
                        edge(a, b, WW);
                    }
                }
            }
        }

        // process: each process's ok operations in order (a process performs
        // one at a time, so order of first line is order of completion).
        let mut last_ok = vec![NONE; facts.processes];
        for (v, (&outcome, &process)) in self.outcomes.iter().zip(self.processes).enumerate() {
            if outcome != OpType::Ok {
                continue;
            }
            let Some(last) = last_ok.get_mut(process as usize) else {
                continue;
            };
            if *last != NONE {
                edge(*last, v as u32, PROCESS);
            }
            *last = v as u32;
        }

        // realtime: Elle's frontier of completions not implied by a later one.
        let pair_of = |v: u32| {
            let at = *self.ops.get(v as usize)?;
            facts.pairs.get(at as usize)
        };
        let mut frontier: Vec<u32> = Vec::new();
        for pos in 0..facts.ops.len() {
            let v = vertex_of(pos);
            let Some(pair) = pair_of(v) else {
                continue;
            };
            if pair.invoke == Some(pos) {
                for &b in &frontier {
                    edge(b, v, REALTIME);
                }
            } else if pair.completion == Some(pos)
                && self.outcomes.get(v as usize) == Some(&OpType::Ok)
            {
                if let Some(invoked) = pair.invoke {
                    frontier.retain(|&b| {
                        pair_of(b)
                            .and_then(|p| p.completion)
                            .is_some_and(|done| done > invoked)
                    });
                }
                frontier.push(v);
            }
        }
    }
}

/// Add item `i` to an op's range of adjacent items (its writes or polls).
fn take(r: &mut Range<usize>, i: usize) {
    if r.start == r.end {
        *r = i..i + 1;
    } else {
        r.end = i + 1;
    }
}

/// Each vertex's neighbours (its run of `adj`, from `start`) sorted and
/// merged so one entry carries every label of a pair of vertices,
/// compacting `adj` in place; the new starts.
fn merge_neighbours(start: &[u32], adj: &mut Vec<(u32, u8)>) -> Vec<u32> {
    let n = start.len().saturating_sub(1);
    let mut write = 0usize;
    let mut new_start = vec![0u32; n + 1];
    for v in 0..n {
        let (a, b) = (start[v] as usize, start[v + 1] as usize);
        adj[a..b].sort_unstable_by_key(|&(to, _)| to);
        new_start[v] = write as u32;
        let mut i = a;
        while i < b {
            let (to, mut labels) = adj[i];
            i += 1;
            while i < b && adj[i].0 == to {
                labels |= adj[i].1;
                i += 1;
            }
            adj[write] = (to, labels);
            write += 1;
        }
    }
    new_start[n] = write as u32;
    adj.truncate(write);
    adj.shrink_to_fit();
    new_start
}

#[cfg(test)]
mod tests {
    use super::DepGraph;
    use crate::facts::Facts;
    use crate::history::{parse_history, HistoryRef};

    fn graph_of(text: &str) -> (bool, u64, usize) {
        let history = parse_history(text).expect("parses");
        let facts = Facts::gather(HistoryRef::from(&history));
        let graph = DepGraph::build(&facts, None);
        (graph.may_cycle, graph.wr_edges, graph.adj.len())
    }

    /// Edges that all run forward prove there is no cycle: the adjacency is
    /// not even made. One edge back (T2 read T1's write, and T1 T2's) and it is.
    #[test]
    fn only_an_edge_back_makes_a_cycle_possible() {
        let forward = r#"{"process":1,"type":"invoke","f":"txn","value":[["send","x",1],["poll"]]}
{"process":2,"type":"invoke","f":"txn","value":[["send","y",2],["poll"]]}
{"process":1,"type":"ok","f":"txn","value":[["send","x",[0,1]],["poll",{"y":[]}]]}
{"process":2,"type":"ok","f":"txn","value":[["send","y",[0,2]],["poll",{"x":[[0,1]]}]]}
"#;
        assert_eq!(graph_of(forward), (false, 1, 0));
        let both_ways = forward.replace(r#"["poll",{"y":[]}]"#, r#"["poll",{"y":[[0,2]]}]"#);
        assert_eq!(graph_of(&both_ways), (true, 2, 2));
    }
}
