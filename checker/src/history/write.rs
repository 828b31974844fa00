//! The history writer. Output is byte-stable: fields in a fixed order (index,
//! time, process, type, f, value, then node, error, rebalance_log and final only
//! when present), maps in key order, so the same history always gives the same
//! bytes and two runs can be compared with `cmp`.
use super::op::{History, Op, Process};
use super::reads::Reads;
use super::val::Val;
use super::value::{MicroOp, OpValue};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Write a history as JSON Lines: the metadata line (if any), then one line
/// per operation.
pub fn write_jsonl(history: &History, mut out: impl Write) -> io::Result<()> {
    if let Some(header) = &history.header {
        out.write_all(header_line(header).as_bytes())?;
        out.write_all(b"\n")?;
    }
    for op in &history.ops {
        out.write_all(op.to_json_line().as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

impl History {
    /// The whole history as JSON Lines text (see [`write_jsonl`]).
    pub fn to_jsonl(&self) -> String {
        let mut text = String::new();
        if let Some(header) = &self.header {
            text.push_str(&header_line(header));
            text.push('\n');
        }
        for op in &self.ops {
            text.push_str(&op.to_json_line());
            text.push('\n');
        }
        text
    }
}

/// The metadata line, `logjam_history` first so a reader (or a person) can
/// tell the format from the first bytes.
pub fn header_line(header: &Map<String, Value>) -> String {
    let mut line = String::from("{\"logjam_history\":");
    match header.get("logjam_history") {
        Some(v) => line.push_str(&v.to_string()),
        None => line.push('1'),
    }
    for (k, v) in header
        .iter()
        .filter(|(k, _)| k.as_str() != "logjam_history")
    {
        line.push(',');
        push_str(&mut line, k);
        line.push(':');
        line.push_str(&v.to_string());
    }
    line.push('}');
    line
}

impl Op {
    /// This operation as one line of JSON, without the newline.
    pub fn to_json_line(&self) -> String {
        let mut line = String::with_capacity(96);
        let _ = write!(line, "{{\"index\":{}", self.index);
        if let Some(t) = self.time_ns {
            let _ = write!(line, ",\"time\":{t}");
        }
        line.push_str(",\"process\":");
        match &self.process {
            Process::Id(id) => {
                let _ = write!(line, "{id}");
            }
            Process::Named(name) => push_str(&mut line, name),
        }
        let _ = write!(line, ",\"type\":\"{}\",\"f\":", self.op_type.as_str());
        push_str(&mut line, &self.f);
        line.push_str(",\"value\":");
        push_value(&mut line, &self.value);
        if let Some(node) = &self.node {
            line.push_str(",\"node\":");
            push_str(&mut line, node);
        }
        if let Some(error) = &self.error {
            line.push_str(",\"error\":");
            push_str(&mut line, error);
        }
        if let Some(log) = &self.rebalance_log {
            line.push_str(",\"rebalance_log\":");
            line.push_str(&log.to_string());
        }
        if self.final_read {
            line.push_str(",\"final\":true");
        }
        line.push('}');
        line
    }
}

fn push_value(line: &mut String, value: &OpValue) {
    match value {
        OpValue::Micro(ops) => {
            line.push('[');
            for (i, op) in ops.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_micro(line, op);
            }
            line.push(']');
        }
        OpValue::Keys(keys) => {
            line.push('[');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_str(line, k);
            }
            line.push(']');
        }
        OpValue::Offsets(offsets) => {
            line.push('{');
            for (i, (k, o)) in offsets.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_str(line, k);
                let _ = write!(line, ":{o}");
            }
            line.push('}');
        }
        OpValue::Records(reads) => push_reads(line, reads),
        OpValue::Other(v) => line.push_str(&v.to_string()),
    }
}

fn push_micro(line: &mut String, op: &MicroOp) {
    match op {
        MicroOp::Send { key, value, offset } => {
            line.push_str("[\"send\",");
            push_str(line, key);
            line.push(',');
            match offset {
                Some(o) => {
                    let _ = write!(line, "[{o},");
                    push_val(line, value);
                    line.push(']');
                }
                None => push_val(line, value),
            }
            line.push(']');
        }
        MicroOp::Poll { reads: None } => line.push_str("[\"poll\"]"),
        MicroOp::Poll { reads: Some(reads) } => {
            line.push_str("[\"poll\",");
            push_reads(line, reads);
            line.push(']');
        }
    }
}

fn push_reads(line: &mut String, reads: &Reads) {
    line.push('{');
    for (i, (k, records)) in reads.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_str(line, k);
        line.push_str(":[");
        for (j, (o, v)) in records.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(line, "[{o},");
            push_val(line, v);
            line.push(']');
        }
        line.push(']');
    }
    line.push('}');
}

fn push_val(line: &mut String, v: &Val) {
    match v {
        Val::Int(i) => {
            let _ = write!(line, "{i}");
        }
        Val::Str(s) => push_str(line, s),
    }
}

/// A JSON string literal, escaped exactly as serde_json does it, without the
/// allocation and the `Result` of going through serde.
fn push_str(line: &mut String, s: &str) {
    line.push('"');
    for c in s.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push_str("\\t"),
            '\u{08}' => line.push_str("\\b"),
            '\u{0c}' => line.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(line, "\\u{:04x}", c as u32);
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::push_str;

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "plain",
            "quote \" and \\ slash /",
            "ctl \u{1}\u{1f}\n\r\t\u{8}\u{c}",
            "ünï \u{7f} 🦀",
        ] {
            let mut ours = String::new();
            push_str(&mut ours, s);
            assert_eq!(
                ours,
                serde_json::to_string(s).unwrap_or_default(),
                "for {s:?}"
            );
        }
    }
}
