//! Client threads: the lanes of the timeline. A client host runs a fixed
//! number of threads; when one's process crashes or ends an operation with
//! an unknown outcome, HISTORY.md has it continue under a new process id.
//! From the history alone: on each node, a process whose first operation
//! starts after another's last one ended continues the thread of the
//! process that ended most recently (Jepsen draws `process mod concurrency`;
//! logjam's ids are not numbered that way, so the chain is read from times).
use super::load::RunData;
use logjam_checker::history::Process;
use std::collections::BTreeMap;

pub struct Thread {
    pub node: String,
    /// 1-based within its node.
    pub number: usize,
    /// In the order they ran.
    pub processes: Vec<Process>,
    /// When its last process's last op ended (ns).
    end_ns: u64,
}

impl Thread {
    /// "thread 2: 7 → 19 → 23", shortened past a few processes.
    pub fn label(&self) -> String {
        let ids: Vec<String> = self.processes.iter().map(|p| p.to_string()).collect();
        let shown = if ids.len() > 3 {
            format!("{} → … → {}", ids[0], ids[ids.len() - 1])
        } else {
            ids.join(" → ")
        };
        format!("thread {}: {shown}", self.number)
    }
}

pub struct Threads {
    /// Grouped by node, in node order.
    pub threads: Vec<Thread>,
    pub of: BTreeMap<Process, usize>,
}

/// Every client process of the history assigned to a thread.
pub fn threads(data: &RunData) -> Threads {
    // Each process's span and node.
    let mut spans: BTreeMap<Process, (u64, u64, String)> = BTreeMap::new();
    for pair in &data.pairs {
        let op = data.outcome_op(pair);
        if op.process.is_nemesis() {
            continue;
        }
        let (t0, t1) = (data.times[pair.first()], data.times[pair.last()]);
        let node = op.node.as_deref().unwrap_or("(no node)").to_string();
        let e = spans.entry(op.process.clone()).or_insert((t0, t1, node));
        e.0 = e.0.min(t0);
        e.1 = e.1.max(t1);
    }
    let mut by_node: BTreeMap<String, Vec<(u64, u64, Process)>> = BTreeMap::new();
    for (p, (t0, t1, node)) in spans {
        by_node.entry(node).or_default().push((t0, t1, p));
    }
    let mut threads: Vec<Thread> = Vec::new();
    let mut of = BTreeMap::new();
    for (node, mut procs) in by_node {
        procs.sort();
        let first = threads.len();
        for (t0, t1, p) in procs {
            // The thread on this node that went quiet most recently before t0.
            let free = threads[first..]
                .iter()
                .enumerate()
                .filter(|(_, t)| t.end_ns < t0)
                .max_by_key(|(i, t)| (t.end_ns, std::cmp::Reverse(*i)))
                .map(|(i, _)| first + i);
            let i = free.unwrap_or_else(|| {
                threads.push(Thread {
                    node: node.clone(),
                    number: threads.len() - first + 1,
                    processes: Vec::new(),
                    end_ns: 0,
                });
                threads.len() - 1
            });
            threads[i].processes.push(p.clone());
            threads[i].end_ns = t1;
            of.insert(p, i);
        }
    }
    Threads { threads, of }
}
