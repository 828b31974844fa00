//! Hand-written schedules, to replay an incident exactly: a JSON array of
//! `{at_ms, fault}` entries, or a JSON object `{"duration_ms": N, "faults": [...]}`
//! that also fixes the fault window (what `logjam shrink` writes), or a TOML
//! file with an optional `duration_ms` and `[[fault]]` tables.
use super::fault::ScheduledFault;
use crate::scenario::MAX_SIMULATED_MS;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
}

/// A schedule file: the faults and, optionally, the fault window they were
/// found in (a run replaying them needs the same window to behave the same).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Replaces the scenario's `duration_ms` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    pub faults: Vec<ScheduledFault>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlSchedule {
    #[serde(default)]
    duration_ms: Option<u64>,
    fault: Vec<ScheduledFault>,
}

const EXPECTED_JSON: &str = "expected a JSON array of {\"at_ms\", \"fault\"} entries, \
     or an object {\"duration_ms\": N, \"faults\": [...]}";

pub fn parse_schedule(text: &str, path: &str) -> Result<Schedule, ScheduleError> {
    let parse_err = |message: String| ScheduleError::Parse {
        path: path.to_string(),
        message,
    };
    let schedule = if path.ends_with(".toml") {
        toml::from_str::<TomlSchedule>(text)
            .map(|s| Schedule {
                duration_ms: s.duration_ms,
                faults: s.fault,
            })
            .map_err(|e| parse_err(e.to_string()))?
    } else {
        // Parse by the outer shape, so the error is about the shape the file has.
        let parsed = if text.trim_start().starts_with('{') {
            serde_json::from_str::<Schedule>(text)
        } else {
            serde_json::from_str::<Vec<ScheduledFault>>(text).map(|faults| Schedule {
                duration_ms: None,
                faults,
            })
        };
        // serde_json's message already ends with "at line L column C".
        parsed.map_err(|e| parse_err(format!("{e} ({EXPECTED_JSON})")))?
    };
    match schedule.duration_ms {
        Some(ms) if ms > MAX_SIMULATED_MS => Err(parse_err(format!(
            "`duration_ms`: expected at most {MAX_SIMULATED_MS} ms (a simulated day), got {ms}"
        ))),
        _ => Ok(schedule),
    }
}

pub fn load_schedule(path: &Path) -> Result<Schedule, ScheduleError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScheduleError::Io {
        path: p.clone(),
        source,
    })?;
    parse_schedule(&text, &p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nemesis::fault::{Fault, FaultTag, Target};

    fn two_faults() -> Vec<ScheduledFault> {
        vec![
            ScheduledFault {
                at_ms: 100,
                hold_ms: None,
                fault: Fault::Crash {
                    target: Target::LeaderOf("orders/0".into()),
                },
            },
            ScheduledFault {
                at_ms: 900,
                hold_ms: None,
                fault: Fault::Restart,
            },
        ]
    }

    #[test]
    fn json_schedule_round_trips() {
        let s = two_faults();
        let text = serde_json::to_string(&s).unwrap();
        let parsed = parse_schedule(&text, "x.json").unwrap();
        assert_eq!(parsed.faults, s);
        assert_eq!(parsed.duration_ms, None);
    }

    #[test]
    fn json_object_carries_the_duration() {
        let s = Schedule {
            duration_ms: Some(7_000),
            faults: two_faults(),
        };
        let text = serde_json::to_string_pretty(&s).unwrap();
        assert_eq!(parse_schedule(&text, "x.json").unwrap(), s);
    }

    #[test]
    fn an_endless_fault_window_is_a_clear_error() {
        let text = r#"{"duration_ms": 18446744073709551615, "faults": []}"#;
        let msg = parse_schedule(text, "x.json").unwrap_err().to_string();
        assert!(
            msg.contains("x.json") && msg.contains("duration_ms"),
            "{msg}"
        );
    }

    #[test]
    fn toml_schedule_with_duration() {
        let text = "duration_ms = 5000\n[[fault]]\nat_ms = 10\nfault = { kind = \"heal\" }\n";
        let s = parse_schedule(text, "x.toml").unwrap();
        assert_eq!(s.duration_ms, Some(5_000));
        assert_eq!(s.faults[0].fault, Fault::Heal);
    }

    #[test]
    fn unknown_fault_kind_is_a_clear_error() {
        let err =
            parse_schedule(r#"[{"at_ms": 1, "fault": {"kind": "meteor"}}]"#, "f.json").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("f.json") && msg.contains("meteor"), "{msg}");
        assert_eq!(msg.matches("line").count(), 1, "position once: {msg}");
    }

    /// What `logjam list` shows is what a schedule accepts: every kind's
    /// example entry parses, and carries that kind's name as its tag.
    #[test]
    fn every_listed_kind_parses_as_a_schedule_entry() {
        for tag in FaultTag::all() {
            let fault = tag.example();
            let entry = serde_json::json!([{ "at_ms": 0, "fault": fault }]);
            assert_eq!(entry[0]["fault"]["kind"], tag.as_str());
            let parsed = parse_schedule(&entry.to_string(), "list.json")
                .unwrap_or_else(|e| panic!("{}: {e}", tag.as_str()));
            assert_eq!(parsed.faults[0].fault.tag(), tag);
            assert_eq!(parsed.faults[0].fault, fault);
        }
    }
}
