//! HISTORY.md's rules that a well-formed line can still break: one operation
//! at a time per process, a completion only for an open invocation, send and
//! poll completions that say what happened, final `committed` offsets that
//! are offsets, times that can be drawn. Both readers (JSONL and EDN) apply
//! them, so a history that `check` accepts is one every consumer can use
//! (issue 14 §6: overlapping operations produced spurious anomalies, a huge
//! `time` aborted `report`).
use super::error::LineProblem;
use super::op::{History, OpType, Process};
use super::table::{OpRef, ValueRef};
use super::value::OpValue;
use rustc_hash::FxHashMap;

/// Times below 2^63 ns fit every signed consumer (charts, JSON readers).
pub const MAX_TIME_NS: u64 = i64::MAX as u64;

/// A history whose earliest time is this late recorded a wall clock
/// (nanoseconds since 1970), not time since its start: no test runs for
/// 3 years, and Jepsen's `:time` starts near 0.
pub const WALL_CLOCK_NS: u64 = 100_000_000_000_000_000;

/// The cross-line state: which processes have an operation open.
#[derive(Default)]
pub(super) struct Contract {
    /// Process -> the line of its open invocation, or `None` between
    /// operations. A process not here has recorded no invocation: a
    /// hand-written history may record only outcomes. Looked up, never
    /// iterated.
    open: FxHashMap<Process, Option<usize>>,
}

impl Contract {
    /// Check one operation read from `line` (1-based).
    pub fn check(&mut self, op: OpRef<'_>, line: usize) -> Result<(), LineProblem> {
        if op.time_ns.is_some_and(|t| t > MAX_TIME_NS) {
            return Err(LineProblem::BadField {
                field: "time",
                expected: "a non-negative integer below 2^63 (nanoseconds since the start)",
            });
        }
        check_value(&op)?;
        // The nemesis records faults as it likes (Jepsen pairs them, logjam
        // writes a lone `info`); its ops are never paired with client ops.
        if op.process.is_nemesis() {
            return Ok(());
        }
        match (op.op_type, self.open.get_mut(op.process)) {
            (OpType::Invoke, Some(Some(open_line))) => Err(LineProblem::ProcessBusy {
                process: op.process.to_string(),
                open_line: *open_line,
            }),
            (OpType::Invoke, Some(slot)) => {
                *slot = Some(line);
                Ok(())
            }
            (OpType::Invoke, None) => {
                self.open.insert(op.process.clone(), Some(line));
                Ok(())
            }
            // A client crash ends whatever the process had open (logjam
            // records it alone, Jepsen as its own invoke/info pair).
            (_, Some(slot)) if *op.f == "crash" => {
                *slot = None;
                Ok(())
            }
            (_, Some(slot @ Some(_))) => {
                *slot = None;
                Ok(())
            }
            // A process that records its invocations must record each one.
            (_, Some(None)) => Err(LineProblem::NoInvocation {
                process: op.process.to_string(),
            }),
            (_, None) => Ok(()),
        }
    }
}

/// What a completion must carry for its `f`.
fn check_value(op: &OpRef<'_>) -> Result<(), LineProblem> {
    if op.op_type == OpType::Invoke {
        return Ok(());
    }
    match (op.f.as_str(), op.value) {
        // An ok `["poll"]` with no result is a poll that returned nothing:
        // Jepsen's own checker tests write it so (kafka_test.clj).
        ("send" | "poll" | "txn", ValueRef::Micro(_) | ValueRef::Whole(OpValue::Micro(_))) => {
            Ok(())
        }
        ("send" | "poll" | "txn", _) => Err(LineProblem::MissingCompletionValue {
            f: op.f.to_string(),
        }),
        ("committed", ValueRef::Whole(OpValue::Other(value))) if op.op_type == OpType::Ok => {
            let offsets_ok = value.as_object().is_some_and(|offsets| {
                offsets
                    .values()
                    .all(|o| o.as_u64().is_some_and(|o| o <= i64::MAX as u64))
            });
            if offsets_ok {
                Ok(())
            } else {
                Err(LineProblem::BadValue(
                    r#"of an ok "committed" completion must be {KEY: OFFSET} with non-negative integer offsets"#
                        .to_string(),
                ))
            }
        }
        _ => Ok(()),
    }
}

/// Times recorded as wall-clock nanoseconds become nanoseconds since the
/// earliest op, so pages draw them from 0 (HISTORY.md: `time` counts from
/// the start of the run).
pub(super) fn normalise_times(history: &mut History) {
    let Some(origin) = wall_clock_origin(history.ops.iter().filter_map(|op| op.time_ns).min())
    else {
        return;
    };
    for op in &mut history.ops {
        if let Some(t) = op.time_ns.as_mut() {
            *t -= origin;
        }
    }
}

/// What times count from, given the earliest: itself when times are
/// wall-clock nanoseconds, else nothing (they already count from the start).
pub(super) fn wall_clock_origin(earliest: Option<u64>) -> Option<u64> {
    earliest.filter(|&t| t >= WALL_CLOCK_NS)
}
