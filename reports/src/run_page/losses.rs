//! Lost and unseen writes as points in time: each at the moment its send was
//! made, on the lane of the thread that made it, so a timeline and a
//! per-second plot show when the data that was lost was written.
use super::load::RunData;
use logjam_checker::AnomalyKind;
use std::collections::BTreeSet;

pub struct LostSend {
    /// Position in `RunData::pairs` of the send.
    pub pair: usize,
    pub kind: AnomalyKind,
    /// The send's invocation time (ns).
    pub at_ns: u64,
    /// The send's `index` (its `#op-N`).
    pub op: u64,
    pub key: String,
}

/// Every lost-write and unseen anomaly's send, once per (send, kind).
pub fn lost_sends(data: &RunData) -> Vec<LostSend> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for kind in [AnomalyKind::LostWrite, AnomalyKind::Unseen] {
        for a in data.result.anomalies.get(&kind).into_iter().flatten() {
            let send = a
                .ops
                .iter()
                .filter_map(|i| data.pos_of(*i))
                .map(|pos| data.pair_of[pos])
                .find(|pi| data.outcome_op(&data.pairs[*pi]).f == "send");
            let Some(pi) = send else { continue };
            if !seen.insert((pi, kind)) {
                continue;
            }
            let pair = &data.pairs[pi];
            out.push(LostSend {
                pair: pi,
                kind,
                at_ns: data.times[pair.first()],
                op: data.op(pair.first()).index,
                key: a.key.clone(),
            });
        }
    }
    out.sort_by_key(|l| (l.at_ns, l.pair));
    out
}
