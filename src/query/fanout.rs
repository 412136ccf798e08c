//! Fan-out reads. Every storage node is asked at once; each series'
//! replicas are merged (their chunks are concatenated, and the seam's chunk
//! merge drops duplicate timestamps). An answer is complete when, for every
//! token range of the ring, a read quorum of its replicas answered (R =
//! RF-W+1: 2 of 3), because a write was acknowledged by W of them and R+W >
//! RF. Otherwise the read fails as Unavailable, naming the nodes that did
//! not answer: never a silently partial answer. Nodes the meta group holds
//! dead are not asked, and nodes slower than the quorum get a bounded grace.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tracing::Instrument;

use super::metrics::{CallOutcome, FANOUT_METRICS};
use crate::cluster::storage_ring::{RingCache, StorageRing};
use crate::series::chunk::Chunk;
use crate::series::{ChunkedSeries, Error, Labels, Matcher, Queryable, SelectHints, TsdbStatus, partial};
use crate::storage::StoragePool;
use crate::storage::convert::{hints_to_proto, matchers_to_proto, series_from_proto, tsdb_status_from_proto};
use crate::storage::proto::storage_client::StorageClient;
use crate::storage::proto::{LabelNamesRequest, LabelValuesRequest, LabelsResponse, SelectRequest, TsdbStatusRequest};
use crate::telemetry::trace;
use tonic::transport::Channel;

#[derive(Debug, Clone)]
pub struct FanoutOptions {
    /// The replication factor the distributors write with.
    pub replication_factor: usize,
    /// How long one storage node may take to answer.
    pub timeout: Duration,
}

impl Default for FanoutOptions {
    fn default() -> Self {
        FanoutOptions { replication_factor: 3, timeout: Duration::from_secs(60) }
    }
}

/// How long, at least, a read waits for the other storage nodes once every
/// token range has a read quorum of answers.
pub const STRAGGLER_GRACE: Duration = Duration::from_secs(1);

pub struct FanoutQueryable {
    ring: RingCache,
    pool: Arc<StoragePool>,
    options: FanoutOptions,
}

impl FanoutQueryable {
    pub fn new(ring: RingCache, pool: Arc<StoragePool>, options: FanoutOptions) -> Self {
        FanoutQueryable { ring, pool, options }
    }

    /// Runs `call` against every storage node the meta group does not
    /// hold dead; the answers of those that answered, or Unavailable when
    /// some token range has too few replicas among them. Once every range
    /// has a read quorum, the others get as long again as that took (at
    /// least [`STRAGGLER_GRACE`]) and are then given up on, so a hung or
    /// partitioned node delays reads by seconds, not by the timeout.
    async fn ask_all<T, F, Fut>(&self, name: &'static str, call: F) -> Result<Vec<T>, Error>
    where
        F: Fn(StorageClient<Channel>) -> Fut,
        Fut: std::future::Future<Output = Result<T, String>>,
    {
        let started = Instant::now();
        let ring: Arc<StorageRing> = self.ring.get();
        if ring.ring.is_empty() {
            return Err(Error::Unavailable("no storage node is registered".to_string()));
        }
        let replication = self.options.replication_factor.min(ring.ring.nodes().len());
        let needed = StorageRing::read_quorum(replication);
        let sets = ring.replica_sets(replication);
        let uncovered = |answered: &BTreeSet<u64>| {
            sets.iter().filter(|set| set.iter().filter(|node| answered.contains(node)).count() < needed).count()
        };
        let mut failed = Vec::new();
        let mut asks = FuturesUnordered::new();
        for &node in ring.ring.nodes() {
            let address = ring.addresses.get(&node).cloned().unwrap_or_default();
            if ring.is_dead(node) {
                FANOUT_METRICS.call(CallOutcome::SkippedDead, None);
                failed.push(format!("{address}: dead (no heartbeat)"));
                continue;
            }
            let client = self.pool.client(&address);
            let call = &call;
            let span = trace::client_span(name, &address);
            let ask = async move {
                let asked = Instant::now();
                let result = match client {
                    Ok(client) => match tokio::time::timeout(self.options.timeout, call(client)).await {
                        Ok(result) => result,
                        Err(_) => Err(format!("no answer within {:?}", self.options.timeout)),
                    },
                    Err(e) => Err(e),
                };
                (node, address, result, asked.elapsed())
            };
            asks.push(ask.instrument(span));
        }
        let mut answers = Vec::new();
        let mut answered = BTreeSet::new();
        let mut stragglers_until: Option<Instant> = None;
        loop {
            let next = match stragglers_until {
                Some(until) => match tokio::time::timeout_at(until.into(), asks.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                },
                None => asks.next().await,
            };
            let Some((node, address, result, took)) = next else { break };
            match result {
                Ok(answer) => {
                    FANOUT_METRICS.call(CallOutcome::Answered, Some(took));
                    answered.insert(node);
                    answers.push(answer);
                }
                Err(error) => {
                    FANOUT_METRICS.call(CallOutcome::Failed, Some(took));
                    failed.push(format!("{address}: {error}"));
                }
            }
            if stragglers_until.is_none() && !asks.is_empty() && uncovered(&answered) == 0 {
                stragglers_until = Some(Instant::now() + started.elapsed().max(STRAGGLER_GRACE));
            }
        }
        for _ in 0..asks.len() {
            FANOUT_METRICS.call(CallOutcome::Abandoned, None);
        }
        let uncovered = uncovered(&answered);
        if uncovered > 0 {
            let missing = format!(
                "{uncovered} token ranges have fewer than {needed} of {replication} storage replicas that answered ({})",
                failed.join("; ")
            );
            if !answers.is_empty() && partial::accept_partial(format!("partial response: {missing}")) {
                FANOUT_METRICS.partial.inc();
                return Ok(answers);
            }
            FANOUT_METRICS.refused.inc();
            return Err(Error::Unavailable(format!("the answer would be incomplete: {missing}")));
        }
        Ok(answers)
    }
}

impl FanoutQueryable {
    /// A label-names or label-values call on every node, merged.
    async fn ask_labels<F, Fut>(&self, name: &'static str, hints: &SelectHints, call: F) -> Result<Vec<String>, Error>
    where
        F: Fn(StorageClient<Channel>) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<LabelsResponse>, tonic::Status>>,
    {
        let answers = self
            .ask_all(name, |client| {
                let answer = call(client);
                async move { Ok(answer.await.map_err(status_text)?.into_inner().values) }
            })
            .await?;
        Ok(merge_strings(answers, hints.limit))
    }
}

fn status_text(status: tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

/// Merges the replicas' answers: one series per label set, chunks from every
/// replica in `mint` order; at most `limit` series (0: all).
fn merge_series(answers: Vec<Vec<ChunkedSeries>>, limit: usize) -> Vec<ChunkedSeries> {
    let mut merged: BTreeMap<Labels, Vec<Chunk>> = BTreeMap::new();
    for series in answers.into_iter().flatten() {
        merged.entry(series.labels).or_default().extend(series.chunks);
    }
    let take = if limit == 0 { usize::MAX } else { limit };
    merged
        .into_iter()
        .take(take)
        .map(|(labels, mut chunks)| {
            chunks.sort_by_key(|chunk| (chunk.mint, chunk.maxt));
            // Replicas usually hold identical chunks: keep one of each.
            chunks.dedup();
            ChunkedSeries { labels, chunks }
        })
        .collect()
}

fn merge_strings(answers: Vec<Vec<String>>, limit: usize) -> Vec<String> {
    let merged: BTreeSet<String> = answers.into_iter().flatten().collect();
    let take = if limit == 0 { usize::MAX } else { limit };
    merged.into_iter().take(take).collect()
}

#[async_trait]
impl Queryable for FanoutQueryable {
    async fn select(
        &self,
        tenant: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<ChunkedSeries>, Error> {
        let request = SelectRequest {
            tenant: tenant.to_string(),
            hints: Some(hints_to_proto(hints)),
            matchers: matchers_to_proto(matchers),
        };
        let answers = self
            .ask_all("storage.Select", |mut client| {
                let request = request.clone();
                async move {
                    let request = trace::request(request, &tracing::Span::current());
                    let mut stream = client.select(request).await.map_err(status_text)?.into_inner();
                    let mut series = Vec::new();
                    while let Some(message) = stream.message().await.map_err(status_text)? {
                        for one in message.series {
                            series.push(series_from_proto(one).map_err(|e| e.to_string())?);
                        }
                    }
                    Ok(series)
                }
            })
            .await?;
        Ok(merge_series(answers, hints.limit))
    }

    async fn label_names(&self, tenant: &str, hints: &SelectHints, matchers: &[Matcher]) -> Result<Vec<String>, Error> {
        let request = LabelNamesRequest {
            tenant: tenant.to_string(),
            hints: Some(hints_to_proto(hints)),
            matchers: matchers_to_proto(matchers),
        };
        self.ask_labels("storage.LabelNames", hints, |mut client| {
            let request = request.clone();
            async move { client.label_names(trace::request(request, &tracing::Span::current())).await }
        })
        .await
    }

    async fn label_values(
        &self,
        tenant: &str,
        name: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<String>, Error> {
        let request = LabelValuesRequest {
            tenant: tenant.to_string(),
            name: name.to_string(),
            hints: Some(hints_to_proto(hints)),
            matchers: matchers_to_proto(matchers),
        };
        self.ask_labels("storage.LabelValues", hints, |mut client| {
            let request = request.clone();
            async move { client.label_values(trace::request(request, &tracing::Span::current())).await }
        })
        .await
    }

    async fn tsdb_status(&self, tenant: &str, limit: usize) -> Result<TsdbStatus, Error> {
        let request = TsdbStatusRequest { tenant: tenant.to_string(), limit: limit.min(u32::MAX as usize) as u32 };
        let answers = self
            .ask_all("storage.TsdbStatus", |mut client| {
                let request = request.clone();
                async move {
                    let answer = client.tsdb_status(trace::request(request, &tracing::Span::current())).await;
                    Ok(tsdb_status_from_proto(answer.map_err(status_text)?.into_inner()))
                }
            })
            .await?;
        // Each series lives on RF nodes, or on all of them when fewer.
        let replication = self.options.replication_factor.min(self.ring.get().ring.nodes().len());
        Ok(TsdbStatus::merge(answers, replication, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Sample;

    #[test]
    fn replicas_merge_into_one_series_without_duplicate_samples() {
        let labels = Labels::from_pairs([("__name__", "up")]);
        let full = Chunk::encode_xor(&[Sample::new(1, 1.0), Sample::new(2, 1.0), Sample::new(3, 1.0)]);
        let partial = Chunk::encode_xor(&[Sample::new(2, 1.0), Sample::new(3, 1.0), Sample::new(4, 0.0)]);
        let a = vec![ChunkedSeries { labels: labels.clone(), chunks: vec![full.clone()] }];
        let b = vec![ChunkedSeries { labels: labels.clone(), chunks: vec![full.clone(), partial] }];
        let other = vec![ChunkedSeries { labels: Labels::from_pairs([("__name__", "x")]), chunks: vec![full] }];
        let merged = merge_series(vec![a, b, other], 0);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].chunks.len(), 2, "identical chunks from two replicas are kept once");
        let times: Vec<i64> = merged[0].samples(i64::MIN, i64::MAX).iter().map(|s| s.t).collect();
        assert_eq!(times, [1, 2, 3, 4]);
        assert_eq!(merge_series(vec![merged], 1).len(), 1, "the limit applies after merging");
        assert_eq!(merge_strings(vec![vec!["b".into(), "a".into()], vec!["a".into()]], 0), ["a", "b"]);
    }
}
