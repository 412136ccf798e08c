//! The query node's side of the cluster: a `Queryable` that fans selects and
//! label queries out to the storage nodes and merges the replicas' answers,
//! so the PromQL engine and the HTTP API run unchanged over the cluster.

mod fanout;
pub mod metrics;

pub use fanout::{FanoutOptions, FanoutQueryable};
