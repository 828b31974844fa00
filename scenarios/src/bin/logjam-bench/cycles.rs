//! The cycle search alone (`logjam_checker::find_cycles`) on a synthetic
//! transactional history (`synthetic_txn_history`: overlapping transactions,
//! read_committed consumers), with ww dependencies inferred so the graph has
//! every kind of edge and write cycles to find; median over several rounds.
use logjam_checker::find_cycles;
use logjam_checker::history::synthetic::synthetic_txn_history;
use std::time::Instant;

pub fn bench(ops: u64, rounds: u64) {
    let history = synthetic_txn_history(ops as usize, 1);
    let mut walls = Vec::new();
    let mut cycles = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let found = find_cycles(&history, true);
        walls.push(t.elapsed().as_secs_f64() * 1e3);
        cycles = found.values().map(Vec::len).sum::<usize>();
    }
    println!(
        "  cycles median {:.0} ms on a transactional history of {} operations (ww_deps on, gathering facts included; {cycles} cycles found)",
        super::median_ms(walls),
        history.ops.len()
    );
}
