//! logjam's harness: builds simulations from scenarios, injects faults, drives
//! workloads, records histories and checks them.
pub mod check;
pub mod history;
