//! Why a report could not be made. Every variant names the file involved, so
//! `logjam report` can say which run folder is broken; nothing here panics on
//! bad input.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A JSON file (or one line of a JSON Lines file) did not parse.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(": line {l}")).unwrap_or_default())]
    Json {
        path: PathBuf,
        /// 1-based line, for JSON Lines files and multi-line JSON.
        line: Option<usize>,
        message: String,
    },
    /// The history did not parse (the reader's message names the line).
    #[error("{}: {message}", path.display())]
    History { path: PathBuf, message: String },
    /// A template failed to render.
    #[error("rendering {what}: {message}")]
    Render { what: String, message: String },
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        e: &serde_json::Error,
    ) -> Self {
        ReportError::Json {
            path: path.into(),
            line: line.or(Some(e.line()).filter(|l| *l > 0)),
            message: e.to_string(),
        }
    }

    pub(crate) fn render(what: &str, e: askama::Error) -> Self {
        ReportError::Render {
            what: what.to_string(),
            message: e.to_string(),
        }
    }
}
