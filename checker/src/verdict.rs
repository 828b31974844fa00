//! From anomalies found to a verdict: which promises held, which broke, and
//! which anomalies the configuration allows.
use super::anomaly::{Anomaly, AnomalyKind};
use super::faults::FaultClasses;
use super::promise::{promises, Semantics};
use super::result::{CheckResult, PromiseVerdict, Stats};
use std::collections::BTreeMap;

pub(crate) fn judge(
    anomalies: BTreeMap<AnomalyKind, Vec<Anomaly>>,
    semantics: Option<&Semantics>,
    faults: FaultClasses,
    stats: Stats,
    ww_deps: bool,
) -> CheckResult {
    let counts: BTreeMap<AnomalyKind, u64> = anomalies
        .iter()
        .map(|(k, v)| (*k, v.len() as u64))
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
        };
    };
    let promised = promises(semantics, &faults);
    let verdicts: Vec<PromiseVerdict> = promised
        .into_iter()
        .map(|p| {
            let broken_by: BTreeMap<AnomalyKind, u64> = p
                .broken_by
                .iter()
                .filter(|k| !(ww_deps && is_g1c(**k)))
                .filter_map(|k| counts.get(k).map(|&n| (*k, n)))
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
    }
}

/// With `ww_deps`, cycles may run through write-write edges inferred from
/// log order, and Kafka does not isolate writes: a G1c is then expected
/// (Jepsen allows it likewise) and breaks no promise.
fn is_g1c(kind: AnomalyKind) -> bool {
    matches!(
        kind,
        AnomalyKind::G1c | AnomalyKind::G1cProcess | AnomalyKind::G1cRealtime
    )
}
