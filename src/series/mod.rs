//! The data model and the seams every component speaks, as Prometheus'
//! `model/labels` and `storage/interface.go`: labels, samples, matchers,
//! chunks, and the `Appender` and `Queryable` traits. Depends on no other
//! component of Sonde.

mod append;
pub mod chunk;
mod error;
mod labels;
mod matcher;
mod query;
mod sample;

pub use append::{AppendBatch, AppendOutcome, Appender};
pub use error::{Error, ErrorCode};
pub use labels::{Label, Labels, METRIC_NAME, hash_pairs, is_legacy_label_name};
pub use matcher::{MatchOp, Matcher};
pub use query::{ChunkedSeries, Queryable, SelectHints};
pub use sample::{STALE_NAN_BITS, Sample, is_stale_nan, stale_nan};

/// The tenant of requests that name none (no `X-Scope-OrgID`), as in Mimir.
pub const DEFAULT_TENANT: &str = "anonymous";
