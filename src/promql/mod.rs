//! The PromQL engine, after Prometheus' `promql/`: it sees only the
//! `Queryable` seam, so the same engine serves `sonde all` and the cluster's
//! query nodes. Parsing is `promql-parser`'s; evaluation, functions,
//! aggregations and operators are ours.

mod aggregate;
mod binary;
mod call;
mod engine;
mod error;
mod eval;
mod functions;
mod gofmt;
mod labelset;
mod parse_error;
mod select;
mod value;

pub use engine::{Engine, EngineOptions, MAX_POINTS_PER_SERIES, QueryResult, parse};
pub use error::{Error, ErrorKind};
pub use parse_error::prometheus_parse_error;
pub use value::{InstantSample, Matrix, RangeSeries, Value, Vector};
