//! The system under test: a Kafka-style cluster (brokers, controller) and its
//! clients, running as turmoil hosts. Knows nothing about histories or checking.
pub mod batch;
pub mod broker;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod error_code;
pub mod group;
pub mod ids;
pub mod leader_epoch;
pub mod log;
pub mod metadata;
pub mod producer;
pub mod producer_state;
pub mod protocol;
pub mod rpc;
pub mod storage;
pub mod wire;
