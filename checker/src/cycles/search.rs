//! A short cycle of each kind inside one strongly connected component, the
//! way Elle looks for them: the weakest kind first (G0, G1c, then their
//! -process and -realtime forms), skipping kinds a cycle already found
//! implies. A kind allows some edge labels and requires others (G1c: ww or
//! wr edges, at least one wr); the component is cut down to the allowed
//! edges and split again into components, and in one that holds every
//! required label a breadth-first search over (vertex, required labels seen
//! so far) finds the shortest closed walk through a required edge's source.
//! Each step is linear in the component.
use super::graph::{Adjacency, DepGraph, PROCESS, REALTIME, WR, WW};
use super::scc::components;
use crate::anomaly::AnomalyKind;
use std::collections::VecDeque;

/// One kind of cycle: the labels its edges may carry and those it needs.
struct Spec {
    kind: AnomalyKind,
    allowed: u8,
    required: &'static [u8],
    /// Data dependencies (0: ww only, 1: with wr) and ordering edges
    /// (0: none, 1: process, 2: realtime): a cycle of one kind implies every
    /// kind at least as high on both.
    data: u8,
    order: u8,
}

const SPECS: [Spec; 6] = [
    Spec {
        kind: AnomalyKind::G0,
        allowed: WW,
        required: &[WW],
        data: 0,
        order: 0,
    },
    Spec {
        kind: AnomalyKind::G1c,
        allowed: WW | WR,
        required: &[WR],
        data: 1,
        order: 0,
    },
    Spec {
        kind: AnomalyKind::G0Process,
        allowed: WW | PROCESS,
        required: &[PROCESS],
        data: 0,
        order: 1,
    },
    Spec {
        kind: AnomalyKind::G1cProcess,
        allowed: WW | WR | PROCESS,
        required: &[WR, PROCESS],
        data: 1,
        order: 1,
    },
    Spec {
        kind: AnomalyKind::G0Realtime,
        allowed: WW | PROCESS | REALTIME,
        required: &[REALTIME],
        data: 0,
        order: 2,
    },
    Spec {
        kind: AnomalyKind::G1cRealtime,
        allowed: WW | WR | PROCESS | REALTIME,
        required: &[WR, REALTIME],
        data: 1,
        order: 2,
    },
];

/// One step of a cycle: from, to, and every allowed label the edge carries.
pub(crate) type Step = (u32, u32, u8);

/// The cycles found in one component, each with its kind.
pub(crate) fn cycles_in(graph: &DepGraph, component: &[u32]) -> Vec<(AnomalyKind, Vec<Step>)> {
    let mut found: Vec<(AnomalyKind, Vec<Step>)> = Vec::new();
    let mut implied: Vec<(u8, u8)> = Vec::new();
    for spec in &SPECS {
        if implied
            .iter()
            .any(|&(d, o)| spec.data >= d && spec.order >= o)
        {
            continue;
        }
        let sub = Sub::new(graph, component, spec.allowed);
        if let Some(steps) = search(&sub, spec) {
            implied.push((spec.data, spec.order));
            let steps = steps
                .into_iter()
                .map(|(a, b, l)| (sub.global[a as usize], sub.global[b as usize], l))
                .collect();
            found.push((spec.kind, steps));
        }
    }
    found
}

/// A component's vertices renumbered from 0, with only the allowed edges
/// that stay inside it.
struct Sub {
    global: Vec<u32>,
    start: Vec<u32>,
    adj: Vec<(u32, u8)>,
}

impl Adjacency for Sub {
    fn vertex_count(&self) -> usize {
        self.global.len()
    }

    fn out(&self, v: u32) -> &[(u32, u8)] {
        let v = v as usize;
        &self.adj[self.start[v] as usize..self.start[v + 1] as usize]
    }
}

impl Sub {
    fn new(graph: &DepGraph, vertices: &[u32], allowed: u8) -> Self {
        // Each vertex's edges, in the order `from` asks for them.
        let mut out = graph.out_within(vertices, allowed).into_iter();
        Sub::from(vertices, |_| out.next().unwrap_or_default())
    }

    /// `vertices` sorted; `out` gives each vertex's edges in local
    /// numbering, asked in the order of `vertices`.
    fn from(vertices: &[u32], mut out: impl FnMut(u32) -> Vec<(u32, u8)>) -> Self {
        let mut start = Vec::with_capacity(vertices.len() + 1);
        let mut adj = Vec::new();
        for &v in vertices {
            start.push(adj.len() as u32);
            adj.extend(out(v));
        }
        start.push(adj.len() as u32);
        Sub {
            global: vertices.to_vec(),
            start,
            adj,
        }
    }
}

fn search(sub: &Sub, spec: &Spec) -> Option<Vec<Step>> {
    for part in components(sub, spec.allowed) {
        let inside = Sub::from(&part, |v| {
            sub.out(v)
                .iter()
                .filter_map(|&(w, l)| part.binary_search(&w).ok().map(|i| (i as u32, l)))
                .collect()
        });
        let has = |label: u8| inside.adj.iter().any(|(_, l)| l & label != 0);
        if !spec.required.iter().all(|&r| has(r)) {
            continue;
        }
        let first = spec.required.first().copied().unwrap_or(0);
        let start = (0..inside.global.len() as u32)
            .find(|&v| inside.out(v).iter().any(|(_, l)| l & first != 0))?;
        if let Some(steps) = shortest_closed_walk(&inside, start, spec) {
            return Some(
                steps
                    .into_iter()
                    .map(|(a, b, l)| (part[a as usize], part[b as usize], l))
                    .collect(),
            );
        }
    }
    None
}

/// Breadth-first over (vertex, required labels seen): the shortest walk from
/// `start` back to it carrying every required label.
fn shortest_closed_walk(g: &Sub, start: u32, spec: &Spec) -> Option<Vec<Step>> {
    let bits = spec.required.len();
    let full = (1usize << bits) - 1;
    let states = g.vertex_count() << bits;
    let state = |v: u32, seen: usize| ((v as usize) << bits) | seen;
    // Per state: the state it was reached from and the label taken.
    let mut parent: Vec<Option<(usize, u8)>> = vec![None; states];
    let mut queue = VecDeque::new();
    let origin = state(start, 0);
    queue.push_back(origin);
    let mut end = None;
    'bfs: while let Some(s) = queue.pop_front() {
        let (v, seen) = ((s >> bits) as u32, s & full);
        for &(w, labels) in g.out(v) {
            let mut now = seen;
            for (i, &r) in spec.required.iter().enumerate() {
                if labels & r != 0 {
                    now |= 1 << i;
                }
            }
            let label = labels;
            let next = state(w, now);
            if next == state(start, full) {
                parent[next] = Some((s, label));
                end = Some(next);
                break 'bfs;
            }
            if next != origin && parent[next].is_none() {
                parent[next] = Some((s, label));
                queue.push_back(next);
            }
        }
    }
    let mut at = end?;
    let mut steps = Vec::new();
    loop {
        let (from, label) = parent[at]?;
        steps.push(((from >> bits) as u32, (at >> bits) as u32, label));
        if from == origin {
            break;
        }
        at = from;
    }
    steps.reverse();
    Some(steps)
}
