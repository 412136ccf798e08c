//! Sonde: a Prometheus-compatible monitoring system that runs as one process
//! or as a cluster. Components talk through the seams in [`series`]; see
//! `docs/architecture.md`.

pub mod alertmanager;
pub mod api;
pub mod calendar;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod discovery;
pub mod grpc;
pub mod host;
pub mod httpclient;
pub mod ingest;
pub mod meta;
pub mod notifier;
pub mod promql;
pub mod query;
pub mod relabel;
pub mod ring;
pub mod roles;
pub mod rules;
pub mod scrape;
pub mod series;
pub mod storage;
pub mod telemetry;
pub mod template;
pub mod tsdb;
pub mod web;
