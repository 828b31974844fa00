//! The `logjam` commands, one module each: its arguments (a clap `Args`
//! struct, flags and help as `logjam CMD --help` shows them) and its `run`.
//! `exit` says what the exit status means; `format` and `pages` are shared.
pub mod chaos;
pub mod check;
pub mod exit;
pub mod format;
pub mod list;
pub mod pages;
pub mod replay;
pub mod report;
pub mod run;
pub mod shrink;
