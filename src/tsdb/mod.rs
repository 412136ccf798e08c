//! The time-series database: head, WAL, persisted blocks, compaction and
//! retention, after Prometheus' `tsdb/`. It knows nothing of HTTP, gRPC or
//! roles; other components reach it through the `Appender` and `Queryable`
//! seams, which [`Storage`] implements over one TSDB per tenant.

pub mod block;
pub mod compact;
mod cut;
mod db;
mod error;
mod fast_hash;
pub mod head;
pub mod index;
mod maintain;
pub mod metrics;
mod options;
mod replay;
mod storage;
pub mod symbols;
pub mod wal;

pub use db::Tsdb;
pub use error::Error;
pub use options::{DAY_MS, HOUR_MS, TsdbOptions};
pub use replay::ReplayStats;
pub use storage::{Storage, validate_tenant};
