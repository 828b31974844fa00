//! The system under test: a Kafka-style cluster (brokers, controller) and its
//! clients, running as turmoil hosts. Knows nothing about histories or checking.
//!
//! The public surface is what a harness drives: the [`cluster`] (install it on
//! a simulation, crash, power loss, restart, and what the controller says),
//! the clients ([`producer`], [`consumer`], [`consumer::group`], [`Admin`]),
//! their [`config`]uration, the [`ids`] that name partitions and hosts, and
//! the cluster's own account of what happened ([`events`]).
//! Everything else (brokers, controller, logs, storage, the wire protocol) is
//! internal: a harness sees it only through the clients and the cluster.
pub mod admin;
mod batch;
mod broker;
pub mod cluster;
pub mod config;
pub mod consumer;
mod controller;
mod error_code;
pub mod events;
mod group;
pub mod ids;
mod internal_topics;
mod leader_epoch;
mod log;
mod metadata;
pub mod producer;
mod producer_state;
mod protocol;
mod rpc;
mod storage;
mod txn;
mod wire;

pub use admin::Admin;
pub use batch::Record;
pub use group::{offsets_partition, OFFSETS_TOPIC};
pub use internal_topics::TRANSACTION_STATE_TOPIC;
