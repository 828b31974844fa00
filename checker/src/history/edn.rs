//! Jepsen's own history files: a store's `history.edn`, one op map per form
//! (`{:index 0, :time 12, :type :invoke, :process 0, :f :send, :value [[:send
//! 3 1]]}`, possibly tagged `#jepsen.history.Op{...}`, or all of them in one
//! vector). Each op is translated to the JSON object HISTORY.md describes and
//! read by the JSONL reader's rules, so both formats mean the same thing:
//! keywords become their names (`:invoke` → `"invoke"`, `:nemesis` →
//! `"nemesis"`), integer keys their decimal strings (partition 3 → `"3"`),
//! field names lose Clojure's dashes (`:rebalance-log` → `rebalance_log`), and
//! an `:error` of any shape is kept as its EDN text. Parsing is
//! clojure-reader's (a maintained reader; edn-rs, its predecessor, is
//! deprecated in its favour).
use super::error::{HistoryError, LineProblem};
use super::op::History;
use super::read::{OpSink, Reader};
use super::table::OpTable;
use clojure_reader::edn::{self, Edn};
use serde_json::{Map, Number, Value};
use std::path::Path;

/// Deeper than any op map: a fuzzed `[[[[...` is refused, not recursed into.
const MAX_DEPTH: usize = 64;

/// Parse a whole `history.edn`.
pub fn parse_edn_history(text: &str) -> Result<History, HistoryError> {
    parse_edn(text)
}

pub(super) fn parse_edn<S: OpSink>(text: &str) -> Result<S, HistoryError> {
    let mut reader = Reader::<S>::default();
    let mut rest = text;
    let mut line = 1;
    loop {
        let (skipped, form) = skip_blank(rest);
        line += count_lines(skipped);
        rest = form;
        if rest.is_empty() {
            return Ok(reader.finish());
        }
        let at_line = |problem| HistoryError::Line { line, problem };
        let (value, after) = edn::read(rest).map_err(|e| {
            // clojure-reader counts lines from the start of the text it was given.
            let line = line + e.line.unwrap_or(1).saturating_sub(1);
            HistoryError::Line {
                line,
                problem: LineProblem::InvalidEdn(format!("{:?}", e.code)),
            }
        })?;
        match untag(&value) {
            Edn::Vector(items) | Edn::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let object = op_object(item).map_err(|p| {
                        at_line(LineProblem::InvalidEdn(format!(
                            "item {} of the list: {p}",
                            i + 1
                        )))
                    })?;
                    reader.object(object, line)?;
                }
            }
            form => {
                let object = op_object(form).map_err(|p| at_line(LineProblem::InvalidEdn(p)))?;
                reader.object(object, line)?;
            }
        }
        line += count_lines(rest.get(..rest.len() - after.len()).unwrap_or_default());
        rest = after;
    }
}

/// Read and parse a `history.edn` file.
pub fn read_edn_history_file(path: impl AsRef<Path>) -> Result<History, HistoryError> {
    read_edn_file(path.as_ref())
}

/// Read and parse a `history.edn` file into the compact form the checker
/// reads fastest ([`OpTable`]), as `logjam check` does.
pub fn read_edn_table_file(path: impl AsRef<Path>) -> Result<OpTable, HistoryError> {
    read_edn_file(path.as_ref())
}

fn read_edn_file<S: OpSink>(path: &Path) -> Result<S, HistoryError> {
    let bytes = std::fs::read(path).map_err(|e| HistoryError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse_edn(text),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            Err(HistoryError::Line {
                line: count_lines(std::str::from_utf8(valid).unwrap_or_default()) + 1,
                problem: LineProblem::NotUtf8,
            })
        }
    }
}

fn count_lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// Whitespace, commas and `;` comments before the next form: (skipped, rest).
fn skip_blank(text: &str) -> (&str, &str) {
    let mut pos = 0;
    let bytes = text.as_bytes();
    while let Some(&b) = bytes.get(pos) {
        if b == b';' {
            pos = text
                .get(pos..)
                .and_then(|t| t.find('\n'))
                .map_or(text.len(), |n| pos + n);
        } else if b == b',' || b.is_ascii_whitespace() {
            pos += 1;
        } else if text.get(pos..).is_some_and(|t| t.starts_with('\u{feff}')) {
            pos += '\u{feff}'.len_utf8();
        } else {
            break;
        }
    }
    text.split_at(pos)
}

/// A record tag (`#jepsen.history.Op{...}`) says nothing the map does not.
fn untag<'a, 'e>(value: &'a Edn<'e>) -> &'a Edn<'e> {
    match value {
        Edn::Tagged(_, inner) => untag(inner),
        other => other,
    }
}

/// One op map as the JSON object HISTORY.md describes.
fn op_object(form: &Edn<'_>) -> Result<Map<String, Value>, String> {
    let Edn::Map(fields) = untag(form) else {
        return Err(format!(
            "expected an op map {{:type ..., :f ..., :process ...}}, found {}",
            shorten(&form.to_string())
        ));
    };
    let mut object = Map::new();
    for (name, value) in fields {
        let name = match name {
            Edn::Key(k) => k.trim_start_matches(':').replace('-', "_"),
            other => {
                return Err(format!(
                    "field names must be keywords, found {}",
                    shorten(&other.to_string())
                ))
            }
        };
        let value = match (name.as_str(), value) {
            // Jepsen's errors are any data; keep what it printed.
            ("error", Edn::Str(s)) => Value::String(s.to_string()),
            ("error", Edn::Nil) => Value::Null,
            ("error", other) => Value::String(other.to_string()),
            _ => json(value, 0)?,
        };
        object.insert(name, value);
    }
    Ok(object)
}

/// EDN data as JSON: keywords and symbols by name, integer map keys as
/// their decimal strings, sets as lists.
fn json(value: &Edn<'_>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} deep"));
    }
    let list = |items: &mut dyn Iterator<Item = &Edn<'_>>| -> Result<Value, String> {
        items
            .map(|item| json(item, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    };
    Ok(match value {
        Edn::Nil => Value::Null,
        Edn::Bool(b) => Value::Bool(*b),
        Edn::Int(i) => Value::Number((*i).into()),
        Edn::Double(d) => Number::from_f64(d.into_inner()).map_or(Value::Null, Value::Number),
        Edn::Str(s) => Value::String(s.to_string()),
        Edn::Key(k) => Value::String(k.trim_start_matches(':').to_string()),
        Edn::Symbol(s) => Value::String(s.to_string()),
        Edn::Char(c) => Value::String(c.to_string()),
        Edn::Vector(items) | Edn::List(items) => list(&mut items.iter())?,
        Edn::Set(items) => list(&mut items.iter())?,
        Edn::Map(entries) => {
            let mut object = Map::new();
            for (k, v) in entries {
                let key = match k {
                    Edn::Str(s) => s.to_string(),
                    Edn::Key(k) => k.trim_start_matches(':').to_string(),
                    other => other.to_string(),
                };
                object.insert(key, json(v, depth + 1)?);
            }
            Value::Object(object)
        }
        Edn::Tagged(_, inner) => json(inner, depth + 1)?,
        other => Value::String(other.to_string()),
    })
}

/// At most 80 characters of a form, for an error message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}
