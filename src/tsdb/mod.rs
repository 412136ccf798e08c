//! The time-series database: head, WAL, persisted blocks, compaction and
//! retention, after Prometheus' `tsdb/`. It knows nothing of HTTP, gRPC or
//! roles; other components reach it through the `Appender` and `Queryable`
//! seams.

pub mod head;
pub mod index;
pub mod symbols;
