//! The history reader: JSON Lines in, a [`History`] out, or the first problem
//! with its line number. It never panics, whatever the input.
use super::contract::{normalise_times, wall_clock_origin, Contract};
use super::error::{HistoryError, LineProblem};
use super::op::{History, Op, OpType, Process};
use super::reads::Reads;
use super::table::{OpRef, OpTable, ValueRef};
use super::val::{Key, Val};
use super::value::{MicroOp, OpValue, ValueShape};
use super::{fast, scan};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// The major version of the format this reader understands.
pub const HISTORY_VERSION: u64 = 1;

/// Parse a whole history from text.
pub fn parse_history(text: &str) -> Result<History, HistoryError> {
    let mut reader = Reader::default();
    for (i, line) in text.lines().enumerate() {
        reader.line(line, i + 1)?;
    }
    Ok(reader.finish())
}

/// Read and parse a history file, a line at a time: the file's text is never
/// held whole, only the operations read from it.
pub fn read_history_file(path: impl AsRef<Path>) -> Result<History, HistoryError> {
    read_file(path.as_ref())
}

/// Read and parse a history file into the compact form the checker reads
/// fastest ([`OpTable`]): what `logjam check` does with a JSONL file.
pub fn read_table_file(path: impl AsRef<Path>) -> Result<OpTable, HistoryError> {
    read_file(path.as_ref())
}

fn read_file<S: OpSink>(path: &Path) -> Result<S, HistoryError> {
    let io_error = |e: std::io::Error| HistoryError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    read_lines(std::io::BufReader::with_capacity(1 << 16, file)).map_err(|e| match e {
        HistoryError::Io { message, .. } => HistoryError::Io {
            path: path.display().to_string(),
            message,
        },
        other => other,
    })
}

/// Parse a history from any reader of JSON Lines, a line at a time.
pub fn read_history(input: impl BufRead) -> Result<History, HistoryError> {
    read_lines(input)
}

/// Parse a history from any reader of JSON Lines into an [`OpTable`].
pub fn read_table(input: impl BufRead) -> Result<OpTable, HistoryError> {
    read_lines(input)
}

fn read_lines<S: OpSink>(mut input: impl BufRead) -> Result<S, HistoryError> {
    let mut reader = Reader::<S>::default();
    // A line split across two fills of the input's buffer; every other
    // line is read where it lies, never copied (issue 13, "Speed").
    let mut partial = Vec::new();
    let mut line_no = 0;
    loop {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(HistoryError::Io {
                    path: "the history".to_string(),
                    message: e.to_string(),
                })
            }
        };
        if available.is_empty() {
            if !partial.is_empty() {
                line_no += 1;
                reader.line(utf8(&partial, line_no)?, line_no)?;
            }
            return Ok(reader.finish());
        }
        let Some(end) = memchr::memchr(b'\n', available) else {
            partial.extend_from_slice(available);
            let n = available.len();
            input.consume(n);
            continue;
        };
        line_no += 1;
        if partial.is_empty() {
            reader.line(utf8(&available[..=end], line_no)?, line_no)?;
        } else {
            partial.extend_from_slice(&available[..=end]);
            reader.line(utf8(&partial, line_no)?, line_no)?;
            partial.clear();
        }
        input.consume(end + 1);
    }
}

fn utf8(bytes: &[u8], line_no: usize) -> Result<&str, HistoryError> {
    std::str::from_utf8(bytes).map_err(|_| HistoryError::Line {
        line: line_no,
        problem: LineProblem::NotUtf8,
    })
}

/// One line, as JSON: every field kept as a JSON value so that each can be
/// checked, and named in the error, by the reader; unknown fields are
/// skipped (other tools add their own). Absent and `null` both read as `None`.
#[derive(Deserialize)]
struct RawOp {
    index: Option<Value>,
    time: Option<Value>,
    process: Option<Value>,
    #[serde(rename = "type")]
    op_type: Option<Value>,
    f: Option<Value>,
    value: Option<Value>,
    node: Option<Value>,
    error: Option<Value>,
    rebalance_log: Option<Value>,
    #[serde(rename = "final")]
    final_read: Option<Value>,
    logjam_history: Option<Value>,
}

/// Where the reader puts what it reads: a [`History`] or an [`OpTable`].
pub(super) trait OpSink: Default {
    fn push_op(&mut self, op: Op) -> Result<(), LineProblem>;
    /// An op whose value is the micro-operations in `micro` (the scanner's
    /// buffer, left empty for the next line); its own `value` is ignored.
    fn push_micro_op(&mut self, op: Op, micro: &mut Vec<MicroOp>) -> Result<(), LineProblem>;
    fn set_header(&mut self, header: Map<String, Value>);
    /// Times recorded as wall-clock nanoseconds become nanoseconds since the
    /// earliest op, so pages draw them from 0 (HISTORY.md: `time` counts
    /// from the start of the run).
    fn normalise_times(&mut self);
}

impl OpSink for History {
    fn push_op(&mut self, op: Op) -> Result<(), LineProblem> {
        self.ops.push(op);
        Ok(())
    }

    fn push_micro_op(&mut self, mut op: Op, micro: &mut Vec<MicroOp>) -> Result<(), LineProblem> {
        // Given away at its exact size: a `History` keeps every op's own.
        let mut ops = std::mem::take(micro);
        ops.shrink_to_fit();
        op.value = OpValue::Micro(ops);
        self.push_op(op)
    }

    fn set_header(&mut self, header: Map<String, Value>) {
        self.header = Some(header);
    }

    fn normalise_times(&mut self) {
        normalise_times(self);
    }
}

impl OpSink for OpTable {
    fn push_op(&mut self, op: Op) -> Result<(), LineProblem> {
        self.push(op)
    }

    fn push_micro_op(&mut self, op: Op, micro: &mut Vec<MicroOp>) -> Result<(), LineProblem> {
        self.push_micro(op, micro)
    }

    fn set_header(&mut self, header: Map<String, Value>) {
        self.header = Some(header);
    }

    fn normalise_times(&mut self) {
        if let Some(origin) = wall_clock_origin(self.earliest_time()) {
            self.shift_times(origin);
        }
    }
}

/// Builds a [`History`] (or an [`OpTable`]) from lines (JSONL) or objects
/// (EDN), checking each op against HISTORY.md's contract as it comes.
#[derive(Default)]
pub(super) struct Reader<S: OpSink = History> {
    history: S,
    /// Set once a non-blank line was read: the metadata line may only come first.
    started: bool,
    previous_index: Option<u64>,
    contract: Contract,
    /// The scanner's scratch space, kept across lines.
    scratch: Vec<(i64, Val)>,
    /// The micro-operations of the line the scanner read, kept across lines.
    micro: Vec<MicroOp>,
}

/// A line's op; `micro`: its value is the micro-operations in the reader's
/// buffer (`Reader::micro`), not its own `value`.
struct LineOp {
    op: Op,
    micro: bool,
}

impl<S: OpSink> Reader<S> {
    /// One line of JSONL; `line_no` is 1-based.
    pub fn line(&mut self, line: &str, line_no: usize) -> Result<(), HistoryError> {
        self.json_line(line)
            .and_then(|op| match op {
                Some(LineOp { op, micro }) => self.push(op, micro, line_no),
                None => Ok(()),
            })
            .map_err(|problem| HistoryError::Line {
                line: line_no,
                problem,
            })
    }

    /// One operation given as a JSON object (the EDN reader's translation).
    pub fn object(
        &mut self,
        object: Map<String, Value>,
        line_no: usize,
    ) -> Result<(), HistoryError> {
        self.started = true;
        serde_json::from_value::<RawOp>(Value::Object(object))
            .map_err(json_problem)
            .and_then(|raw| self.op(raw))
            .and_then(|op| self.push(op, false, line_no))
            .map_err(|problem| HistoryError::Line {
                line: line_no,
                problem,
            })
    }

    /// `micro`: the op's value is the micro-operations in `self.micro`.
    fn push(&mut self, op: Op, micro: bool, line_no: usize) -> Result<(), LineProblem> {
        let mut view = OpRef::from(&op);
        if micro {
            view.value = ValueRef::Micro(&self.micro);
        }
        self.contract.check(view, line_no)?;
        self.previous_index = Some(op.index);
        if micro {
            self.history.push_micro_op(op, &mut self.micro)
        } else {
            self.history.push_op(op)
        }
    }

    /// The history read, its times made relative to its start.
    pub fn finish(mut self) -> S {
        self.history.normalise_times();
        self.history
    }

    /// The op on a line; `None` for a blank or metadata line.
    fn json_line(&mut self, line: &str) -> Result<Option<LineOp>, LineProblem> {
        // A byte-order mark some editors put first is not part of the JSON.
        let text = line.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            return Ok(None);
        }
        let first = !self.started;
        self.started = true;
        // serde would read a JSON array into the struct positionally, so
        // anything that is not an object is refused before.
        if !text.starts_with('{') {
            return match serde_json::from_str::<Value>(text) {
                Err(e) => Err(json_problem(e)),
                Ok(_) => Err(LineProblem::NotAnObject),
            };
        }
        // Emptied by every push, and by the scanner when it gives up.
        debug_assert!(self.micro.is_empty());
        if let Some(scanned) = scan::op_into(text, &mut self.scratch, &mut self.micro) {
            let mut op = scanned.op;
            op.index = self.index(scanned.index.map(Value::from))?;
            return Ok(Some(LineOp {
                op,
                micro: scanned.micro,
            }));
        }
        if let Some((index, mut op)) = fast::op(text) {
            op.index = self.index(index.map(Value::from))?;
            return Ok(Some(LineOp { op, micro: false }));
        }
        let op = self.general_line(text, first)?;
        Ok(op.map(|op| LineOp { op, micro: false }))
    }

    /// A line the fast path left alone, read field by field through
    /// `serde_json::Value` so each problem is named precisely.
    fn general_line(&mut self, text: &str, first: bool) -> Result<Option<Op>, LineProblem> {
        let raw: RawOp = serde_json::from_str(text).map_err(json_problem)?;
        if let Some(version) = &raw.logjam_history {
            if !first {
                return Err(LineProblem::MisplacedHeader);
            }
            check_version(version)?;
            // The metadata keeps every field, so read the line again whole.
            let header: Map<String, Value> = serde_json::from_str(text).map_err(json_problem)?;
            super::isolation::Isolation::from_header(&header)?;
            self.history.set_header(header);
            return Ok(None);
        }
        self.op(raw).map(Some)
    }

    fn op(&self, raw: RawOp) -> Result<Op, LineProblem> {
        let index = self.index(raw.index)?;
        let time_ns = match raw.time {
            None => None,
            Some(v) => Some(v.as_u64().ok_or(bad(
                "time",
                "a non-negative integer (simulated nanoseconds)",
            ))?),
        };
        let process = match raw.process {
            None => return Err(LineProblem::MissingField("process")),
            Some(Value::String(s)) => Process::Named(s),
            Some(v) => Process::Id(
                v.as_u64()
                    .ok_or(bad("process", "a non-negative integer or a string"))?,
            ),
        };
        let op_type = match raw.op_type {
            None => return Err(LineProblem::MissingField("type")),
            Some(v) => v
                .as_str()
                .and_then(OpType::parse)
                .ok_or(bad("type", "one of invoke, ok, fail, info"))?,
        };
        let f = match raw.f {
            None => return Err(LineProblem::MissingField("f")),
            Some(Value::String(s)) => Key::from(s),
            Some(_) => return Err(bad("f", "a string")),
        };
        let value = match raw.value {
            None => OpValue::Other(Value::Null),
            Some(v) => op_value(&f, v).map_err(LineProblem::BadValue)?,
        };
        let node = match raw.node {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(bad("node", "a string")),
        };
        // Other tools record structured errors; keep their JSON text rather
        // than refusing the history.
        let error = raw.error.map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        let rebalance_log = raw.rebalance_log.map(Box::new);
        let final_read = match raw.final_read {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err(bad("final", "true or false")),
        };
        Ok(Op {
            index,
            time_ns,
            process,
            op_type,
            f,
            value,
            node: node.map(Key::from),
            error: error.map(Key::from),
            rebalance_log,
            final_read,
        })
    }

    /// An absent index follows the previous one, so a file without indices
    /// is numbered by position.
    fn index(&self, field: Option<Value>) -> Result<u64, LineProblem> {
        let index = match (field, self.previous_index) {
            (Some(v), _) => v.as_u64().ok_or(bad("index", "a non-negative integer"))?,
            (None, None) => 0,
            // Saturating: after u64::MAX the check below reports the problem.
            (None, Some(previous)) => previous.saturating_add(1),
        };
        match self.previous_index {
            Some(previous) if index <= previous => Err(LineProblem::IndexNotIncreasing {
                previous,
                found: index,
            }),
            _ => Ok(index),
        }
    }
}

fn bad(field: &'static str, expected: &'static str) -> LineProblem {
    LineProblem::BadField { field, expected }
}

/// serde_json's message, without its "line 1 column N" (the line is ours).
fn json_problem(e: serde_json::Error) -> LineProblem {
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    LineProblem::InvalidJson(format!("{message} at column {}", e.column()))
}

fn check_version(version: &Value) -> Result<(), LineProblem> {
    let major = match version {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f.trunc() as u64)),
        Value::String(s) => s
            .split('.')
            .next()
            .and_then(|m| m.trim().parse::<u64>().ok()),
        _ => None,
    };
    if major == Some(HISTORY_VERSION) {
        Ok(())
    } else {
        Err(LineProblem::UnsupportedVersion {
            found: version.to_string(),
        })
    }
}

const MICRO_FORMS: &str = r#"must be ["send", KEY, VALUE], ["send", KEY, [OFFSET, VALUE]], ["poll"] or ["poll", {KEY: [[OFFSET, VALUE], ...]}]"#;

fn op_value(f: &str, v: Value) -> Result<OpValue, String> {
    match ValueShape::of(f) {
        ValueShape::Micro => micro_ops(f, v).map(OpValue::Micro),
        ValueShape::Keys => keys(f, v).map(OpValue::Keys),
        ValueShape::Offsets => offsets(f, v).map(OpValue::Offsets),
        ValueShape::Records => match v {
            Value::Object(obj) => reads(obj).map(OpValue::Records),
            _ => Err(format!(
                r#"must be an object {{KEY: [[OFFSET, VALUE], ...]}} for f "{f}""#
            )),
        },
        ValueShape::Raw => Ok(OpValue::Other(v)),
    }
}

fn micro_ops(f: &str, v: Value) -> Result<Vec<MicroOp>, String> {
    let Value::Array(items) = v else {
        return Err(format!(r#"must be a list of micro-operations for f "{f}""#));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| micro_op(item).map_err(|e| format!("item {}: {e}", i + 1)))
        .collect()
}

fn micro_op(v: Value) -> Result<MicroOp, String> {
    let Value::Array(parts) = v else {
        return Err(MICRO_FORMS.to_string());
    };
    let mut parts = parts.into_iter();
    let name = parts.next();
    let (a, b, extra) = (parts.next(), parts.next(), parts.next());
    match (name.as_ref().and_then(Value::as_str), a, b, extra) {
        (Some("send"), Some(key_v), Some(payload), None) => {
            let key = key(key_v).ok_or("KEY must be a string or an integer")?;
            let (offset, value) = match payload {
                Value::Array(pair) => {
                    let mut pair = pair.into_iter();
                    let (o, v, rest) = (pair.next(), pair.next(), pair.next());
                    match (o, v, rest) {
                        (Some(o), Some(v), None) => {
                            let offset = if o.is_null() {
                                None
                            } else {
                                Some(o.as_i64().ok_or("OFFSET must be an integer")?)
                            };
                            (
                                offset,
                                val(v).ok_or("VALUE must be an integer or a string")?,
                            )
                        }
                        _ => {
                            return Err(
                                r#"[OFFSET, VALUE] must have exactly two elements"#.to_string()
                            )
                        }
                    }
                }
                other => (
                    None,
                    val(other).ok_or("VALUE must be an integer or a string")?,
                ),
            };
            Ok(MicroOp::Send { key, value, offset })
        }
        (Some("poll"), None, None, None) | (Some("poll"), Some(Value::Null), None, None) => {
            Ok(MicroOp::Poll { reads: None })
        }
        (Some("poll"), Some(Value::Object(obj)), None, None) => Ok(MicroOp::Poll {
            reads: Some(reads(obj)?),
        }),
        _ => Err(MICRO_FORMS.to_string()),
    }
}

/// `{KEY: [[OFFSET, VALUE], ...]}`, as a poll result or a `process` value.
fn reads(obj: Map<String, Value>) -> Result<Reads, String> {
    let mut out = Reads::new();
    for (k, list) in obj {
        let Value::Array(items) = list else {
            return Err(format!(
                "key {}: must be a list of [OFFSET, VALUE]",
                Val::Str(k.into())
            ));
        };
        let mut records = Vec::with_capacity(items.len());
        for item in items {
            let pair = match item {
                Value::Array(pair) if pair.len() == 2 => pair,
                _ => {
                    return Err(format!(
                        "key {}: each read must be [OFFSET, VALUE]",
                        Val::Str(k.into())
                    ))
                }
            };
            let mut pair = pair.into_iter();
            let offset = pair.next().and_then(|o| o.as_i64());
            let value = pair.next().and_then(val);
            match (offset, value) {
                (Some(o), Some(v)) => records.push((o, v)),
                _ => {
                    return Err(format!(
                        "key {}: each read must be [OFFSET, VALUE] with an integer OFFSET and an integer or string VALUE",
                        Val::Str(k.into())
                    ))
                }
            }
        }
        out.insert(k, records);
    }
    Ok(out)
}

fn keys(f: &str, v: Value) -> Result<Vec<String>, String> {
    let expected = || format!(r#"must be a list of keys (strings or integers) for f "{f}""#);
    let Value::Array(items) = v else {
        return Err(expected());
    };
    items
        .into_iter()
        .map(|k| key(k).map(String::from).ok_or_else(expected))
        .collect()
}

fn offsets(f: &str, v: Value) -> Result<BTreeMap<String, i64>, String> {
    let expected =
        || format!(r#"must be an object {{KEY: OFFSET}} with integer offsets for f "{f}""#);
    let Value::Object(obj) = v else {
        return Err(expected());
    };
    obj.into_iter()
        .map(|(k, o)| o.as_i64().map(|o| (k, o)).ok_or_else(expected))
        .collect()
}

/// Integer keys are read as their decimal string (HISTORY.md).
fn key(v: Value) -> Option<Key> {
    match v {
        Value::String(s) => Some(s.into()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string().into()),
        _ => None,
    }
}

fn val(v: Value) -> Option<Val> {
    match v {
        Value::String(s) => Some(Val::Str(s.into())),
        Value::Number(n) => n.as_i64().map(Val::Int),
        _ => None,
    }
}

/// The general reader alone on one line, for the test that holds the fast
/// path to it: the op (index 0 when absent), or the problem.
#[cfg(test)]
pub(super) fn general_op(text: &str) -> Result<Option<Op>, LineProblem> {
    Reader::<History>::default().general_line(text, true)
}
