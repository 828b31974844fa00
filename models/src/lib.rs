//! The system under test: a Kafka-style cluster (brokers, controller) and its
//! clients, running as turmoil hosts. Knows nothing about histories or checking.
pub mod config;
