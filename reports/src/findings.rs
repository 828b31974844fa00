//! A run's verdict in words, led by what was found: "1,273 acknowledged
//! writes lost (not promised by acks=1: the leader acknowledges before any
//! follower has the record; ...)". The CLI row, the run page banner and the
//! index all say it this way. Red only for a broken promise, amber for
//! anomalies the configuration does not promise against, green only when the
//! run exercised what it was judged on and found nothing.
//!
//! The reasons come from the checker's promise table
//! ([`logjam_checker::promise`]): nothing here decides what is promised.
use crate::html::thousands;
use logjam_checker::{not_promised, AnomalyKind, CheckResult, NotPromised, PromiseName, Semantics};
use std::collections::BTreeSet;

/// How a verdict is coloured (also its CSS class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// A promise was broken: red.
    Broken,
    /// Anomalies found, none against a promise: amber.
    Allowed,
    /// Exercised, nothing found: green.
    Kept,
    /// Nothing found, but nothing judged was exercised either: grey.
    Unexercised,
    /// No configuration given, so nothing is judged: grey.
    Unjudged,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Broken => "broken",
            Tone::Allowed => "allowed",
            Tone::Kept => "kept",
            Tone::Unexercised => "unexercised",
            Tone::Unjudged => "unjudged",
        }
    }

    /// One word for a terminal table.
    pub fn word(self) -> &'static str {
        match self {
            Tone::Broken => "BROKEN",
            Tone::Allowed => "not promised",
            Tone::Kept => "kept",
            Tone::Unexercised => "nothing exercised",
            Tone::Unjudged => "not judged",
        }
    }
}

/// What one kind of anomaly found means against the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Breaks these promises (each with the reason it was promised).
    Breaks(Vec<(PromiseName, String)>),
    /// The promise that would forbid it is not made, for this reason.
    NotPromised(PromiseName, String),
    /// The promise is made and kept: the checker does not count these
    /// against it (e.g. an offset's second value that a loss explains).
    DoesNotBreak(PromiseName),
    /// No row of the promise table ever forbids it (poll order, ...).
    NeverPromised,
    /// Checked without a configuration.
    Unjudged,
}

/// One kind found, in words.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: AnomalyKind,
    pub count: u64,
    /// "1,273 acknowledged writes lost".
    pub what: String,
    pub standing: Standing,
}

/// The verdict: its tone, the findings (most severe first, broken ones
/// before the rest) and the sentence that leads with them.
#[derive(Clone, Debug)]
pub struct Headline {
    pub tone: Tone,
    pub findings: Vec<Finding>,
    pub text: String,
}

impl Headline {
    /// What was found, for a terminal: "1,273 acknowledged writes lost, 3
    /// values written more than once", or "nothing found". `logjam run`'s
    /// table and `logjam check` both print it.
    pub fn found(&self) -> String {
        if self.findings.is_empty() {
            return "nothing found".into();
        }
        self.findings
            .iter()
            .map(|f| f.what.clone())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The verdict beside it: "BROKEN no-acked-loss", "not promised
    /// (acks=1)", "kept", "nothing exercised", "not judged".
    pub fn verdict(&self) -> String {
        match self.tone {
            Tone::Broken => {
                let names: BTreeSet<&str> = self
                    .findings
                    .iter()
                    .filter_map(|f| match &f.standing {
                        Standing::Breaks(ps) => Some(ps.iter().map(|(p, _)| p.as_str())),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                format!(
                    "BROKEN {}",
                    names.into_iter().collect::<Vec<_>>().join(", ")
                )
            }
            Tone::Allowed => {
                let leads: BTreeSet<&str> = self
                    .not_promised_reasons()
                    .into_iter()
                    .map(reason_lead)
                    .collect();
                if leads.is_empty() {
                    "never promised".into()
                } else {
                    format!(
                        "not promised ({})",
                        leads.into_iter().collect::<Vec<_>>().join("; ")
                    )
                }
            }
            tone => tone.word().into(),
        }
    }

    /// Each reason a finding is not promised against, once, in full (the
    /// verdict names only the setting that leads it).
    pub fn not_promised_reasons(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .filter_map(|f| match &f.standing {
                Standing::NotPromised(_, reason) => Some(reason.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Each broken promise with the reason it was promised, once.
    pub fn broken_promises(&self) -> BTreeSet<(&str, &str)> {
        self.findings
            .iter()
            .filter_map(|f| match &f.standing {
                Standing::Breaks(ps) => Some(ps.iter().map(|(p, r)| (p.as_str(), r.as_str()))),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// What `n` anomalies of `kind` are, in words a user asked about.
pub fn what_was_found(kind: AnomalyKind, n: u64) -> String {
    // (one, many, what happened to them)
    let (one, many, rest) = match kind {
        AnomalyKind::LostWrite => ("acknowledged write", "acknowledged writes", "lost"),
        AnomalyKind::Unseen => ("acknowledged write", "acknowledged writes", "never read"),
        AnomalyKind::Duplicate => ("value", "values", "written more than once"),
        AnomalyKind::IntDuplicate => ("value", "values", "read twice within one read"),
        AnomalyKind::InconsistentOffsets => ("offset", "offsets", "read with two values"),
        AnomalyKind::NonmonotonicSend => ("send", "sends", "stored out of order"),
        AnomalyKind::IntNonmonotonicSend => ("send", "sends", "out of order within one request"),
        AnomalyKind::PollSkip => ("read", "reads", "that skipped records"),
        AnomalyKind::IntPollSkip => ("skip", "skips", "within one read"),
        AnomalyKind::NonmonotonicPoll => ("read", "reads", "that went backwards"),
        AnomalyKind::IntNonmonotonicPoll => ("backward step", "backward steps", "within one read"),
        AnomalyKind::G1a => ("read", "reads", "of failed or aborted writes"),
        AnomalyKind::PrecommittedRead => ("read", "reads", "of uncommitted writes"),
        AnomalyKind::LostProcessing => ("record", "records", "committed past but never processed"),
        AnomalyKind::DuplicateProcessing => ("record", "records", "processed more than once"),
        AnomalyKind::ReplicaDivergence => {
            ("replica", "replicas", "diverging below the high watermark")
        }
        AnomalyKind::IntSendSkip => ("send", "sends", "with another value between them"),
        AnomalyKind::EmptyTransactionGraph => (
            "history",
            "histories",
            "with no dependency between operations",
        ),
        // Jepsen's dependency cycles keep Jepsen's names.
        other => {
            let noun = if n == 1 { "cycle" } else { "cycles" };
            return format!("{} {} {noun}", thousands(n), other.as_str());
        }
    };
    format!(
        "{} {} {rest}",
        thousands(n),
        if n == 1 { one } else { many }
    )
}

/// The promise whose `broken_by` lists `kind`, if any.
fn promise_against(kind: AnomalyKind) -> Option<PromiseName> {
    <PromiseName as strum::VariantArray>::VARIANTS
        .iter()
        .copied()
        .find(|p| p.broken_by().contains(&kind))
}

/// The verdict of `result`, judged against `semantics` (the run's
/// configuration; `None` when it was checked without one).
pub fn headline(result: &CheckResult, semantics: Option<&Semantics>) -> Headline {
    let given_up: Vec<NotPromised> = semantics
        .map(|s| not_promised(s, &result.faults))
        .unwrap_or_default();
    let mut findings: Vec<Finding> = result
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(&kind, &count)| {
            let breaks: Vec<(PromiseName, String)> = result
                .promises
                .iter()
                .filter(|p| !p.kept && p.broken_by.contains_key(&kind))
                .map(|p| (p.name, p.reason.clone()))
                .collect();
            let standing = if result.valid.is_none() {
                Standing::Unjudged
            } else if !breaks.is_empty() {
                Standing::Breaks(breaks)
            } else {
                match promise_against(kind).and_then(|p| given_up.iter().find(|n| n.name == p)) {
                    Some(n) => Standing::NotPromised(n.name, n.reason.clone()),
                    None => Standing::NeverPromised,
                }
            };
            Finding {
                kind,
                count,
                what: what_was_found(kind, count),
                standing,
            }
        })
        .collect();
    findings.sort_by_key(|f| {
        (
            !matches!(f.standing, Standing::Breaks(_)),
            f.kind.severity(),
        )
    });
    // Green only for what the run exercised: a promise counts when the
    // history exercised one of the kinds that would break it.
    let exercised = if result.promises.is_empty() {
        !result.stats.exercised().is_empty()
    } else {
        !result.nothing_exercised()
    };
    let tone = if result.valid.is_none() {
        Tone::Unjudged
    } else if findings
        .iter()
        .any(|f| matches!(f.standing, Standing::Breaks(_)))
    {
        Tone::Broken
    } else if !findings.is_empty() {
        Tone::Allowed
    } else if exercised {
        Tone::Kept
    } else {
        Tone::Unexercised
    };
    let text = sentence(tone, &findings, result);
    Headline {
        tone,
        findings,
        text,
    }
}

/// Findings that share a standing are said together, the reason once.
fn sentence(tone: Tone, findings: &[Finding], result: &CheckResult) -> String {
    if findings.is_empty() {
        return match tone {
            Tone::Kept => {
                let names: Vec<&str> = result.promises.iter().map(|p| p.name.as_str()).collect();
                if names.is_empty() {
                    "No anomaly found (this configuration promises nothing the run could break)."
                        .into()
                } else {
                    format!(
                        "No anomaly found; every promise kept: {}.",
                        names.join(", ")
                    )
                }
            }
            Tone::Unjudged => "No anomaly found (no configuration given: nothing judged).".into(),
            _ => "Nothing exercised: the history has nothing the checker could judge.".into(),
        };
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < findings.len() {
        let mut j = i + 1;
        while j < findings.len() && findings[j].standing == findings[i].standing {
            j += 1;
        }
        let whats: Vec<String> = findings[i..j].iter().map(|f| f.what.clone()).collect();
        let why = match &findings[i].standing {
            Standing::Breaks(ps) => format!(
                "breaks {}",
                ps.iter()
                    .map(|(p, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Standing::NotPromised(_, reason) => format!("not promised by {reason}"),
            Standing::DoesNotBreak(p) => format!("does not break {}", p.as_str()),
            Standing::NeverPromised => "no configuration promises against this".into(),
            Standing::Unjudged => "no configuration given: not judged".into(),
        };
        parts.push(format!("{} ({why})", crate::html::and_list(&whats)));
        i = j;
    }
    format!("{}.", parts.join("; "))
}

/// The setting a reason is led by ("acks=1" of "acks=1: the leader ..."),
/// for a terminal row.
pub fn reason_lead(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason).trim()
}
