//! logjam's harness: builds simulations from scenarios, injects faults, drives
//! workloads, records histories and checks them.
pub mod check;
pub mod history;
pub mod nemesis;
pub mod rng;
pub mod run;
pub mod run_folder;
pub mod scenario;
pub mod semantics;
pub mod shrink;
pub mod workload;
