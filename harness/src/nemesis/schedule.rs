//! Hand-written schedules: a JSON array (or a TOML file with `[[fault]]` tables)
//! of `{at_ms, fault}` entries, to replay an incident exactly.
use super::fault::ScheduledFault;
use serde::Deserialize;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlSchedule {
    fault: Vec<ScheduledFault>,
}

pub fn parse_schedule(text: &str, path: &str) -> Result<Vec<ScheduledFault>, ScheduleError> {
    let parse_err = |message: String| ScheduleError::Parse {
        path: path.to_string(),
        message,
    };
    if path.ends_with(".toml") {
        toml::from_str::<TomlSchedule>(text)
            .map(|s| s.fault)
            .map_err(|e| parse_err(e.to_string()))
    } else {
        serde_json::from_str(text).map_err(|e| {
            parse_err(format!("line {} column {}: {e} (expected a JSON array of {{\"at_ms\", \"fault\"}} entries)", e.line(), e.column()))
        })
    }
}

pub fn load_schedule(path: &Path) -> Result<Vec<ScheduledFault>, ScheduleError> {
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
    use crate::nemesis::fault::{Fault, Target};

    #[test]
    fn json_schedule_round_trips() {
        let s = vec![
            ScheduledFault {
                at_ms: 100,
                fault: Fault::Crash {
                    target: Target::LeaderOf("orders/0".into()),
                },
            },
            ScheduledFault {
                at_ms: 900,
                fault: Fault::Restart,
            },
        ];
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(parse_schedule(&text, "x.json").unwrap(), s);
    }

    #[test]
    fn unknown_fault_kind_is_a_clear_error() {
        let err =
            parse_schedule(r#"[{"at_ms": 1, "fault": {"kind": "meteor"}}]"#, "f.json").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("f.json") && msg.contains("meteor"), "{msg}");
    }
}
