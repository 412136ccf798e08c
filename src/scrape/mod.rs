//! Scraping: pulls `/metrics` from targets the way Prometheus does and writes
//! what it finds through the `Appender` seam (the TSDB in `sonde all`, the
//! distributor in a cluster).
//!
//! A [`ScrapeManager`] holds one pool per scrape job; a pool runs one loop per
//! target. Each loop fetches ([`fetch`]), parses ([`parse`]), maps series to
//! their final labels through a per-target cache ([`cache`],
//! [`series_labels`]), appends samples, staleness markers and the report
//! series, and keeps the target's status and metadata for the API.

mod append;
mod cache;
mod error;
pub mod fetch;
mod manager;
mod metrics;
pub mod parse;
mod pool;
mod report;
mod scrape_loop;
mod series_labels;
mod status;
mod target;

pub use crate::ring::Shard;
pub use error::ScrapeError;
pub use manager::{PoolTargets, ScrapeManager};
pub use metrics::register as register_metrics;
pub use pool::DroppedTarget;
pub use status::{ActiveTarget, Health, Metadata, ScrapeStatus};
pub use target::{Populated, Target, populate};
