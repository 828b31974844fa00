//! Which readers read committed data only: Kafka's consumer setting
//! `isolation.level`, stated by the history's metadata line (HISTORY.md,
//! "Isolation"). `torn-transaction` and `stuck-lso` judge only the reads of
//! read_committed processes; a reader the history says nothing about reads
//! read_uncommitted, Kafka's default, so it proves nothing about either.
//!
//! The field is `"isolation_level"`: one level for every reader
//! (`"read_committed"`), or an object from process to level for runs that mix
//! them (`{"7": "read_committed", "8": "read_uncommitted"}`; integer processes
//! as their decimal string, like keys).
use super::error::LineProblem;
use super::op::{History, Process};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The metadata field.
pub const ISOLATION_FIELD: &str = "isolation_level";

/// Kafka's `isolation.level`, spelled as Kafka spells it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IsolationLevel {
    #[default]
    ReadUncommitted,
    ReadCommitted,
}

impl IsolationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    }

    fn parse(v: &Value) -> Option<Self> {
        match v.as_str()? {
            "read_uncommitted" => Some(IsolationLevel::ReadUncommitted),
            "read_committed" => Some(IsolationLevel::ReadCommitted),
            _ => None,
        }
    }
}

/// Every reader's isolation level, as the metadata line states it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Isolation {
    /// The level of every process not named in `by_process`.
    every: IsolationLevel,
    /// Keyed by the process as the history spells it (`"7"`, `"final-0"`).
    by_process: BTreeMap<String, IsolationLevel>,
    /// The history states the field at all.
    stated: bool,
}

const EXPECTED: &str =
    "\"read_committed\", \"read_uncommitted\", or an object from process to one of them";

impl Isolation {
    /// One level for every reader.
    pub fn every(level: IsolationLevel) -> Self {
        Isolation {
            every: level,
            by_process: BTreeMap::new(),
            stated: true,
        }
    }

    /// The level stated by a metadata line; Kafka's default when it states none.
    pub fn from_header(header: &Map<String, Value>) -> Result<Self, LineProblem> {
        let bad = LineProblem::BadField {
            field: ISOLATION_FIELD,
            expected: EXPECTED,
        };
        match header.get(ISOLATION_FIELD) {
            None | Some(Value::Null) => Ok(Isolation::default()),
            Some(Value::Object(levels)) => {
                let mut by_process = BTreeMap::new();
                for (process, level) in levels {
                    let level = IsolationLevel::parse(level).ok_or(bad.clone())?;
                    by_process.insert(process.clone(), level);
                }
                Ok(Isolation {
                    every: IsolationLevel::default(),
                    by_process,
                    stated: true,
                })
            }
            Some(level) => IsolationLevel::parse(level)
                .map(Isolation::every)
                .ok_or(bad),
        }
    }

    /// The metadata value that states this.
    pub fn to_header_value(&self) -> Value {
        if self.by_process.is_empty() {
            return Value::String(self.every.as_str().into());
        }
        Value::Object(
            self.by_process
                .iter()
                .map(|(p, l)| (p.clone(), Value::String(l.as_str().into())))
                .collect(),
        )
    }

    pub fn of(&self, process: &Process) -> IsolationLevel {
        if self.by_process.is_empty() {
            return self.every;
        }
        self.by_process
            .get(&process.to_string())
            .copied()
            .unwrap_or(self.every)
    }

    /// The level the history states for a process, if it states any.
    pub fn stated(&self, process: &Process) -> Option<IsolationLevel> {
        self.stated.then(|| self.of(process))
    }

    /// The levels a metadata line states; a malformed field (refused by
    /// the reader, possible only in a history built in code) states nothing.
    pub fn of_header(header: Option<&Map<String, Value>>) -> Self {
        header
            .and_then(|h| Isolation::from_header(h).ok())
            .unwrap_or_default()
    }

    pub fn read_committed(&self, process: &Process) -> bool {
        self.of(process) == IsolationLevel::ReadCommitted
    }
}

impl History {
    /// The readers' isolation levels from the metadata line. The reader has
    /// already refused a malformed field; a history built in code with one
    /// is read as stating nothing.
    pub fn isolation(&self) -> Isolation {
        Isolation::of_header(self.header.as_ref())
    }
}
