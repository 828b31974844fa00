//! Self-contained HTML reports from run folders: a page per run
//! (`report.html`, written inside the run folder) and an index per sweep
//! (`index.html`). Pages are single files with inline CSS and SVG, so they can
//! be attached to an issue, opened from a CI artifact, or read offline; they
//! work with JavaScript off.
//!
//! Everything here is deterministic: the same run folders render to the same
//! bytes (ordered maps, sorted inputs, no timestamps), so a page can be
//! diffed like any other artifact of a run.
//!
//! Layout: [`summary`] (one run's outcome, also the line format of a sweep's
//! `results.jsonl`), [`collect`] (find runs under directories), [`index`]
//! (the sweep page), [`run_page`] (the run page), [`svg`] and [`html`] (the
//! small drawing and escaping helpers both pages share).
mod collect;
mod error;
pub mod findings;
pub mod html;
mod index;
pub mod run_page;
mod summary;
pub mod svg;
#[doc(hidden)]
pub mod testkit;

pub use collect::{collect, RESULTS_FILE};
pub use error::ReportError;
pub use index::{write_index, IndexInput};
pub use run_page::{render_run_page, render_run_page_with, write_run_report, Limits};
pub use summary::{ResultLine, RunFailure, RunSummary};

/// The version of logjam that rendered a page (the workspace version).
pub const LOGJAM_VERSION: &str = env!("CARGO_PKG_VERSION");
