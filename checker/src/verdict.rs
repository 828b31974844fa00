//! From anomalies found to a verdict: which promises held, which broke, and
//! which anomalies the configuration allows.
use super::anomaly::{AnomalyKind, Findings};
use super::faults::FaultClasses;
use super::promise::{promises, Semantics};
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
