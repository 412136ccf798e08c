//! The read seam: select series by matchers over a time range, and the label
//! index behind autocompletion, as Prometheus' `storage.Querier`.

use async_trait::async_trait;

use super::chunk::{Chunk, merge_chunks};
use super::{Error, Labels, Matcher, Sample, TsdbStatus};

/// What a select covers and how much it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectHints {
    /// Inclusive millisecond bounds.
    pub mint: i64,
    pub maxt: i64,
    /// Only the label sets are needed (the series API): no chunks are read.
    pub labels_only: bool,
    /// At most this many series or values (0: no limit).
    pub limit: usize,
}

impl SelectHints {
    pub fn range(mint: i64, maxt: i64) -> Self {
        SelectHints { mint, maxt, labels_only: false, limit: 0 }
    }

    pub fn all_time() -> Self {
        Self::range(i64::MIN, i64::MAX)
    }
}

/// A series with its chunks, sorted by `mint`; chunks may overlap where
/// several sources (head and blocks, or replicas) hold the same samples.
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkedSeries {
    pub labels: Labels,
    pub chunks: Vec<Chunk>,
}

impl ChunkedSeries {
    /// The series' samples in `[mint, maxt]`, sorted, without duplicate timestamps.
    pub fn samples(&self, mint: i64, maxt: i64) -> Vec<Sample> {
        merge_chunks(&self.chunks, mint, maxt)
    }
}

/// Answers selects and label queries for a tenant: the TSDB in one process,
/// the fan-out client in a cluster. The PromQL engine and the API know only this.
#[async_trait]
pub trait Queryable: Send + Sync {
    /// Series matching all matchers with data in range, sorted by labels.
    async fn select(
        &self,
        tenant: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<ChunkedSeries>, Error>;

    /// Label names of series matching the matchers (all series when none), sorted.
    async fn label_names(&self, tenant: &str, hints: &SelectHints, matchers: &[Matcher]) -> Result<Vec<String>, Error>;

    /// Values of one label among series matching the matchers, sorted.
    async fn label_values(
        &self,
        tenant: &str,
        name: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<String>, Error>;

    /// Head statistics and the cardinality tops, each list at most `limit`.
    async fn tsdb_status(&self, tenant: &str, limit: usize) -> Result<TsdbStatus, Error>;
}
