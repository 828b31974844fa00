//! `logjam chaos`: a long randomized sweep over scenarios × presets × seeds, one
//! simulation per worker thread, results appended to `results.jsonl` as runs
//! finish so an interrupted sweep loses nothing and `--resume` continues it.
//! This file only names the parts.
pub mod examples;
pub mod plan;
pub mod results;
pub mod run_key;
pub mod tables;
pub mod workers;

pub use examples::write_examples;
pub use plan::{combos, Combo, Plan, Work};
pub use results::{read_results, repair_results};
pub use run_key::RunKey;
pub use tables::{failures_table, first_appearance_table, summary_table};
pub use workers::{sweep, Outcome};
