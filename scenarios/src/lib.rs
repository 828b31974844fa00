//! The scenario catalogue, configuration presets and scenario loading; the
//! `logjam` command line is in main.rs.
pub mod catalogue;
pub mod chaos;
pub mod compare;
pub mod load;
pub mod presets;
pub mod progress;
pub mod seeds;
pub mod source;
pub mod summary;
