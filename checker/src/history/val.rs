//! A key and a record value, as a history names them (HISTORY.md, "Values").
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A key (topic-partition) or short name: inline up to 24 bytes, so the
/// millions of `"t/13"`s of a long history cost no allocation each
/// (issue 13, "Speed").
pub type Key = CompactString;

/// A record value: an integer or a string, unique per key across a history.
/// Sixteen bytes: the string is a thin box, so an integer needs no tag word
/// of its own, and the millions of records a long history reads take a
/// quarter less memory than with an inline string (issue 13, "Speed").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    Int(i64),
    Str(Box<str>),
}

impl fmt::Display for Val {
    /// As in the history file: integers bare, strings quoted, so an explanation
    /// never confuses the value `41` with the string `"41"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(i) => write!(f, "{i}"),
            Val::Str(s) => write!(f, "{}", serde_json::Value::String(s.to_string())),
        }
    }
}
