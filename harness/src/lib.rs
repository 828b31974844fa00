//! logjam's harness: builds simulations from scenarios, injects faults, drives
//! workloads, records histories and hands them to `logjam-checker`.
pub mod limits;
pub mod nemesis;
pub mod replica_dump;
pub mod rng;
pub mod run;
pub mod run_folder;
pub mod scenario;
pub mod semantics;
pub mod shrink;
pub mod workload;
