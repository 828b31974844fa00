//! Committed records: what a run's producers got into the log for good, as
//! their history shows it. A *committed record* is one `["send", KEY, ...]`
//! micro-operation of a client operation that completed `ok`: an `ok` send
//! (the broker acknowledged it, with the preset's acks) or an `ok` txn (its
//! transaction committed; every send in it counts). Sends of `fail` ops
//! (definitely not written, or aborted) and of `info` ops (outcome unknown,
//! even if a read later proves them) do not count, so the figure is what the
//! clients were told, the same for every preset.
use logjam_checker::history::{History, MicroOp, OpType};

/// What one run's producers were told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// Committed records (see the module's doc).
    pub records: u64,
    /// Of `records`, those inside committed transactions.
    pub in_txns: u64,
    pub txns_committed: u64,
    pub txns_aborted: u64,
    pub txns_unknown: u64,
}

impl Committed {
    pub fn of(history: &History) -> Committed {
        let mut c = Committed::default();
        for op in &history.ops {
            if op.process.is_nemesis() || op.is_invoke() {
                continue;
            }
            let is_txn = match op.f.as_str() {
                "txn" => true,
                "send" => false,
                _ => continue,
            };
            if is_txn {
                match op.op_type {
                    OpType::Ok => c.txns_committed += 1,
                    OpType::Fail => c.txns_aborted += 1,
                    _ => c.txns_unknown += 1,
                }
            }
            if op.op_type != OpType::Ok {
                continue;
            }
            let sends = op
                .value
                .micro_ops()
                .iter()
                .filter(|m| matches!(m, MicroOp::Send { .. }))
                .count() as u64;
            c.records += sends;
            if is_txn {
                c.in_txns += sends;
            }
        }
        c
    }

    pub fn add(&mut self, other: Committed) {
        self.records += other.records;
        self.in_txns += other.in_txns;
        self.txns_committed += other.txns_committed;
        self.txns_aborted += other.txns_aborted;
        self.txns_unknown += other.txns_unknown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logjam_checker::history::parse_history;

    /// Counted: the ok send (1) and the committed txn's two sends; not the
    /// failed send, the unknown send, the aborted txn, the unknown txn, the
    /// poll inside the committed txn, nor any invocation.
    #[test]
    fn only_sends_of_ok_sends_and_committed_txns_count() {
        let lines = [
            r#"{"process":0,"type":"invoke","f":"send","value":[["send","t/0",1]]}"#,
            r#"{"process":0,"type":"ok","f":"send","value":[["send","t/0",[0,1]]]}"#,
            r#"{"process":0,"type":"invoke","f":"send","value":[["send","t/0",2]]}"#,
            r#"{"process":0,"type":"fail","f":"send","value":[["send","t/0",2]]}"#,
            r#"{"process":0,"type":"invoke","f":"send","value":[["send","t/0",3]]}"#,
            r#"{"process":0,"type":"info","f":"send","value":[["send","t/0",3]]}"#,
            r#"{"process":1,"type":"invoke","f":"txn","value":[["send","t/0",4],["poll"],["send","t/1",5]]}"#,
            r#"{"process":1,"type":"ok","f":"txn","value":[["send","t/0",[1,4]],["poll",{"t/0":[[0,1]]}],["send","t/1",[0,5]]]}"#,
            r#"{"process":1,"type":"invoke","f":"txn","value":[["send","t/0",6]]}"#,
            r#"{"process":1,"type":"fail","f":"txn","value":[["send","t/0",6]]}"#,
            r#"{"process":1,"type":"invoke","f":"txn","value":[["send","t/0",7]]}"#,
            r#"{"process":1,"type":"info","f":"txn","value":[["send","t/0",7]]}"#,
        ];
        let history = parse_history(&lines.join("\n")).unwrap();
        assert_eq!(
            Committed::of(&history),
            Committed {
                records: 3,
                in_txns: 2,
                txns_committed: 1,
                txns_aborted: 1,
                txns_unknown: 1,
            }
        );
    }
}
