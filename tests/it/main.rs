//! Sonde's integration tests: one test binary, a module per area.

mod alertmanager;
mod cluster;
mod config;
mod crash;
mod exporter;
mod faults;
mod promql;
mod query_api;
mod remote_write;
mod replication;
mod ruler;
mod rules;
mod rules_upstream;
mod scrape;
mod scrape_upstream;
mod seed;
mod support;
mod traces;
mod tsdb;
mod upstream;
mod web;

#[path = "../../benches/ingest.rs"]
#[allow(dead_code)]
mod ingest_bench;

#[path = "../../benches/scrape.rs"]
#[allow(dead_code)]
mod scrape_bench;

#[path = "../../benches/query.rs"]
#[allow(dead_code)]
mod query_bench;
