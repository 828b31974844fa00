//! Strongly connected components (Tarjan), iterative so a long chain of
//! dependencies cannot overflow the stack. Only edges carrying a label in
//! `mask` count. Components of one vertex are left out: no edge links a
//! vertex to itself, so they hold no cycle.
use super::graph::Adjacency;

const UNSEEN: u32 = u32::MAX;

/// The components with two vertices or more, each sorted, in order of their
/// smallest vertex.
pub(crate) fn components(g: &impl Adjacency, mask: u8) -> Vec<Vec<u32>> {
    let n = g.vertex_count();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // (vertex, next edge to look at)
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let mut counter = 0u32;
    let mut out = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        visit(
            root,
            &mut counter,
            &mut index,
            &mut low,
            &mut stack,
            &mut on_stack,
        );
        calls.push((root, 0));
        while let Some(&mut (v, ref mut next)) = calls.last_mut() {
            let edges = g.out(v);
            if let Some(&(w, labels)) = edges.get(*next) {
                *next += 1;
                if labels & mask == 0 {
                    continue;
                }
                let wi = w as usize;
                if index[wi] == UNSEEN {
                    visit(
                        w,
                        &mut counter,
                        &mut index,
                        &mut low,
                        &mut stack,
                        &mut on_stack,
                    );
                    calls.push((w, 0));
                } else if on_stack[wi] {
                    low[v as usize] = low[v as usize].min(index[wi]);
                }
                continue;
            }
            calls.pop();
            let vi = v as usize;
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[vi]);
            }
            if low[vi] == index[vi] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    out.push(component);
                }
            }
        }
    }
    out.sort_unstable_by_key(|c| c.first().copied());
    out
}

fn visit(
    v: u32,
    counter: &mut u32,
    index: &mut [u32],
    low: &mut [u32],
    stack: &mut Vec<u32>,
    on_stack: &mut [bool],
) {
    let vi = v as usize;
    index[vi] = *counter;
    low[vi] = *counter;
    *counter += 1;
    stack.push(v);
    on_stack[vi] = true;
}
