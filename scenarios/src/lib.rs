//! The scenario catalogue, configuration presets, scenario loading, what a
//! configuration promises, and the sweep engine; the `logjam` command line is
//! main.rs and `commands/`.
pub mod catalogue;
pub mod chaos;
pub mod compare;
pub mod load;
pub mod presets;
pub mod progress;
pub mod promised;
pub mod seeds;
pub mod source;
pub mod summary;
pub mod table;
pub mod terminal;
