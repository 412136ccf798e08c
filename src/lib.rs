//! Sonde: a Prometheus-compatible monitoring system that runs as one process
//! or as a cluster. Components talk through the seams in [`series`]; see
//! `docs/architecture.md`.

pub mod series;
pub mod tsdb;
