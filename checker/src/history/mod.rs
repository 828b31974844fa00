//! Histories: everything the clients did and saw, in the JSON Lines format of
//! HISTORY.md. The reader ([`parse_history`], [`read_history_file`]) accepts
//! exactly that format and reports the first problem with its line; the
//! writer ([`write_jsonl`], [`Op::to_json_line`]) produces byte-stable output
//! that reads back to the same [`History`]; [`Recorder`] builds one in code.
mod contract;
mod edn;
mod error;
mod fast;
mod history_ref;
mod isolation;
mod op;
mod pairs;
mod read;
mod reads;
mod recorder;
mod scan;
pub mod synthetic;
mod table;
mod val;
mod value;
mod write;

pub use contract::{MAX_TIME_NS, WALL_CLOCK_NS};
pub use edn::{parse_edn_history, read_edn_history_file, read_edn_table_file};
pub use error::{HistoryError, LineProblem};
pub use history_ref::HistoryRef;
pub use isolation::{Isolation, IsolationLevel, ISOLATION_FIELD};
pub use op::{History, Op, OpType, Process};
pub use pairs::OpPair;
pub use read::{
    parse_history, read_history, read_history_file, read_table, read_table_file, HISTORY_VERSION,
};
pub use reads::{Reads, ReadsIter};
pub use recorder::Recorder;
pub use table::{OpRef, OpTable, ValueRef};
pub use val::{Key, Val};
pub use value::{MicroOp, OpValue};
pub use write::{header_line, write_jsonl};

#[cfg(test)]
mod tests;
