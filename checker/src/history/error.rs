//! Why a history could not be read. Every problem names its line and what was
//! expected there, so a hand-written history can be fixed from the message alone.
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum HistoryError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    /// `line` is 1-based, counting blank lines, as an editor shows it.
    #[error("line {line}: {problem}")]
    Line { line: usize, problem: LineProblem },
}

impl HistoryError {
    /// The 1-based line of the problem, when it is about a line.
    pub fn line(&self) -> Option<usize> {
        match self {
            HistoryError::Io { .. } => None,
            HistoryError::Line { line, .. } => Some(*line),
        }
    }
}

/// What was wrong with one line.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LineProblem {
    #[error("not valid UTF-8")]
    NotUtf8,
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("expected a JSON object (one operation per line)")]
    NotAnObject,
    #[error("unsupported history version {found} (this reader understands version 1)")]
    UnsupportedVersion { found: String },
    #[error("the {{\"logjam_history\": ...}} metadata line must be the first line")]
    MisplacedHeader,
    #[error("missing field \"{0}\"")]
    MissingField(&'static str),
    #[error("\"{field}\" must be {expected}")]
    BadField {
        field: &'static str,
        expected: &'static str,
    },
    #[error("\"index\" must be greater than the previous index {previous}, found {found}")]
    IndexNotIncreasing { previous: u64, found: u64 },
    /// The `value` does not have the shape its `f` requires; the text says
    /// which part and what was expected.
    #[error("\"value\" {0}")]
    BadValue(String),
    /// HISTORY.md: a process performs one operation at a time.
    #[error("process {process} invokes an operation while its operation invoked at line {open_line} is still open (a process performs one operation at a time; a restarted client needs a new process id)")]
    ProcessBusy { process: String, open_line: usize },
    #[error("a completion with no invocation: process {process} has no open operation (a process that records its invocations must record every one)")]
    NoInvocation { process: String },
    #[error("missing \"value\": a {f} completion must carry its micro-operations")]
    MissingCompletionValue { f: String },
    /// An EDN form that is not one operation map.
    #[error("the history is too large for the checker: more than 2^32 {0}")]
    TooLarge(&'static str),
    #[error("invalid EDN: {0}")]
    InvalidEdn(String),
}
