//! From anomalies found to a verdict: which promises held, which broke, and
//! which anomalies the configuration allows.
use super::anomaly::{AnomalyKind, Findings};
use super::faults::FaultClasses;
use super::promise::{promises, Promise, Semantics};
use super::result::{CheckResult, PromiseVerdict, Stats};
use std::collections::BTreeMap;

pub(crate) fn judge(
    found: Findings,
    semantics: Option<&Semantics>,
    faults: FaultClasses,
    stats: Stats,
) -> CheckResult {
    let anomalies = found.by_kind;
    let counts: BTreeMap<AnomalyKind, u64> = anomalies
        .iter()
        .map(|(k, v)| (*k, v.len() as u64))
        .collect();
    // What counts against promises: Jepsen's findings that logjam's promises
    // leave aside (docs/JEPSEN.md, "Differences") are reported, not judged.
    let judged: BTreeMap<AnomalyKind, u64> = counts
        .iter()
        .map(|(k, n)| (*k, n - found.outside_promises.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let Some(semantics) = semantics else {
        // Nothing was promised, so nothing is judged allowed either.
        return CheckResult {
            valid: None,
            promises: Vec::new(),
            anomalies,
            counts,
            allowed: BTreeMap::new(),
            faults,
            stats,
            series: Default::default(),
            jepsen: None,
        };
    };
    let promised = promises(semantics, &faults);
    let verdicts: Vec<PromiseVerdict> = promised
        .into_iter()
        .map(|p| {
            let broken_by: BTreeMap<AnomalyKind, u64> = p
                .broken_by
                .iter()
                .filter_map(|k| judged.get(k).map(|&n| (*k, n)))
                .collect();
            PromiseVerdict {
                exercised: exercised(&p, &stats),
                name: p.name,
                reason: p.reason,
                kept: broken_by.is_empty(),
                broken_by,
            }
        })
        .collect();
    let allowed = counts
        .iter()
        .filter(|(kind, _)| !verdicts.iter().any(|v| v.broken_by.contains_key(*kind)))
        .map(|(k, n)| (*k, *n))
        .collect();
    let valid = Some(verdicts.iter().all(|v| v.kept));
    CheckResult {
        valid,
        promises: verdicts,
        anomalies,
        counts,
        allowed,
        faults,
        stats,
        series: Default::default(),
        jepsen: None,
    }
}

/// Whether a history could have shown `promise` broken: at least one anomaly
/// kind that breaks it was exercised ([`Stats::exercises`]: a lost write needs
/// an acknowledged send and a final read, a duplicate sends and polls, lost
/// processing a completed `process`, ...). A promise nothing exercised is
/// neither kept nor broken: an empty, header-only or all-unknown history says
/// nothing about it (issue 14).
pub(crate) fn exercised(promise: &Promise, stats: &Stats) -> bool {
    promise.broken_by.iter().any(|k| stats.exercises(*k))
}

#[cfg(test)]
mod tests {
    use crate::history::parse_history;
    use crate::{check, CheckOptions, Semantics};

    fn judged(text: &str) -> crate::CheckResult {
        let history = parse_history(text).expect("a history");
        check(
            &history,
            &CheckOptions {
                semantics: Some(Semantics {
                    min_insync_replicas: 2,
                    ..Semantics::default()
                }),
                faults: None,
                jepsen: None,
            },
        )
    }

    /// An empty history and one whose only send ended unknown exercise
    /// nothing; an acknowledged send read back by a final poll exercises
    /// the no-loss promise (and the history is judged kept).
    #[test]
    fn a_promise_is_exercised_only_by_what_could_break_it() {
        let empty = judged("");
        assert!(empty.nothing_exercised(), "{empty:?}");
        assert!(empty.promises.iter().all(|p| p.kept && !p.exercised));
        let unknown = judged(concat!(
            "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
            "{\"index\":1,\"process\":0,\"type\":\"info\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
        ));
        assert!(unknown.nothing_exercised(), "{unknown:?}");
        let read_back = judged(concat!(
            "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
            "{\"index\":1,\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[0,1]]]}\n",
            "{\"index\":2,\"process\":1,\"type\":\"invoke\",\"f\":\"poll\",\"value\":[[\"poll\"]],\"final\":true}\n",
            "{\"index\":3,\"process\":1,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[0,1]]}]],\"final\":true}\n",
        ));
        assert!(!read_back.nothing_exercised());
        assert_eq!(read_back.valid, Some(true));
        assert!(read_back.promises.iter().any(|p| p.exercised && p.kept));
    }
}
