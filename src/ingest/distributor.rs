//! The distributor: the cluster's `Appender`. Each series goes to the next
//! RF distinct storage nodes of the storage ring (by a hash of tenant
//! and labels), and a batch is acknowledged only when every series reached a
//! quorum of its replicas. Pushes to the slower replicas carry on after the
//! answer, so they catch up; a batch without quorum fails as Unavailable
//! (503 with Retry-After at the HTTP edge), so the sender retries and
//! nothing is acknowledged that a quorum does not hold.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{Semaphore, mpsc};
use tracing::Instrument;

use crate::cluster::storage_ring::{RingCache, StorageRing};
use crate::series::{AppendBatch, AppendOutcome, Appender, Error};
use crate::storage::StoragePool;
use crate::storage::convert::encode_write_request;
use crate::storage::proto::{PushRequest, PushResponse};
use crate::telemetry::trace;

use super::metrics::DISTRIBUTOR_METRICS;

#[derive(Debug, Clone)]
pub struct DistributorOptions {
    pub replication_factor: usize,
    /// How long a push to one replica may take, retries included.
    pub push_timeout: Duration,
    /// Bytes of series data in flight to storage nodes, at most; beyond it
    /// new batches are refused as Unavailable.
    pub max_inflight_bytes: usize,
}

impl Default for DistributorOptions {
    fn default() -> Self {
        DistributorOptions {
            replication_factor: 3,
            push_timeout: Duration::from_secs(5),
            max_inflight_bytes: 256 << 20,
        }
    }
}

pub struct Distributor {
    ring: RingCache,
    pool: Arc<StoragePool>,
    options: DistributorOptions,
    /// One permit per KiB in flight.
    inflight: Arc<Semaphore>,
}

const RETRY_FIRST: Duration = Duration::from_millis(20);

impl Distributor {
    pub fn new(ring: RingCache, pool: Arc<StoragePool>, options: DistributorOptions) -> Self {
        let permits = (options.max_inflight_bytes / 1024).max(1);
        Distributor { ring, pool, options, inflight: Arc::new(Semaphore::new(permits)) }
    }
}

/// The ring key of a series: tenant and labels, so that tenants spread
/// independently.
fn series_key(tenant: &str, labels: &[(&str, &str)]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(tenant.as_bytes());
    hasher.update(&[0xfe]);
    for (name, value) in labels {
        hasher.update(name.as_bytes());
        hasher.update(&[0xff]);
        hasher.update(value.as_bytes());
        hasher.update(&[0xff]);
    }
    hasher.digest()
}

fn batch_bytes(batch: &AppendBatch<'_>) -> usize {
    let labels: usize =
        batch.iter().map(|(labels, _)| labels.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>()).sum();
    labels + batch.sample_count() * 16
}

/// One replica's push, retried while the node is unavailable, until the deadline.
async fn push(
    pool: &StoragePool,
    address: &str,
    request: PushRequest,
    deadline: tokio::time::Instant,
) -> Result<PushResponse, String> {
    let mut backoff = RETRY_FIRST;
    loop {
        let mut client = pool.client(address)?;
        let mut call = trace::request(request.clone(), &tracing::Span::current());
        call.set_timeout(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let error = match client.push(call).await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) if status.code() == tonic::Code::InvalidArgument => {
                return Err(format!("storage node {address} refused the batch: {}", status.message()));
            }
            Err(status) => format!("storage node {address}: {}", status.message()),
        };
        if tokio::time::Instant::now() + backoff >= deadline {
            return Err(error);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(500));
    }
}

#[async_trait]
impl Appender for Distributor {
    async fn append(&self, tenant: &str, batch: &AppendBatch<'_>) -> Result<AppendOutcome, Error> {
        if batch.is_empty() {
            return Ok(AppendOutcome::default());
        }
        let ring: Arc<StorageRing> = self.ring.get();
        let nodes = ring.ring.nodes().len();
        if nodes == 0 {
            DISTRIBUTOR_METRICS.quorum_failures.inc();
            return Err(Error::Unavailable("no storage node is registered".to_string()));
        }
        let replication = self.options.replication_factor.min(nodes);
        let quorum = StorageRing::write_quorum(replication);
        let bytes = batch_bytes(batch);
        let permits = u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
        let Ok(permit) = self.inflight.clone().try_acquire_many_owned(permits) else {
            DISTRIBUTOR_METRICS.backpressure.inc();
            return Err(Error::Unavailable("too many samples in flight to the storage nodes; retry later".to_string()));
        };
        let permit = Arc::new(permit);

        let mut replicas_of: Vec<Vec<u64>> = Vec::with_capacity(batch.series_count());
        let mut per_node: HashMap<u64, Vec<usize>> = HashMap::new();
        for (index, (labels, _)) in batch.iter().enumerate() {
            let replicas = ring.replicas(series_key(tenant, labels), replication);
            for &node in &replicas {
                per_node.entry(node).or_default().push(index);
            }
            replicas_of.push(replicas);
        }

        // Each replica's push runs as its own task: it finishes after the
        // batch is answered, holding its share of the in-flight budget.
        let deadline = tokio::time::Instant::now() + self.options.push_timeout;
        let (results, mut answers) = mpsc::unbounded_channel();
        for (node, indexes) in &per_node {
            let write_request = encode_write_request(batch, indexes).into();
            let request = PushRequest { tenant: tenant.to_string(), write_request };
            let address = ring.addresses.get(node).cloned().unwrap_or_default();
            let (pool, results, permit, node) = (self.pool.clone(), results.clone(), permit.clone(), *node);
            let span = trace::client_span("storage.Push", &address);
            let task = async move {
                let started = std::time::Instant::now();
                let result = push(&pool, &address, request, deadline).await;
                DISTRIBUTOR_METRICS.push_duration.observe(started.elapsed().as_secs_f64());
                if result.is_err() {
                    DISTRIBUTOR_METRICS.replication_failures.inc();
                }
                drop(permit);
                let _ = results.send((node, result));
            };
            tokio::spawn(task.instrument(span));
        }
        drop(results);

        let mut acks = vec![0usize; batch.series_count()];
        let mut lacking = batch.series_count();
        let mut outcome = AppendOutcome::default();
        let mut errors: Vec<String> = Vec::new();
        let mut answered = 0;
        while lacking > 0 {
            let Some((node, result)) = answers.recv().await else { break };
            answered += 1;
            match result {
                Ok(response) => {
                    // Replicas refuse the same samples; report the most any refused.
                    if response.samples_rejected > outcome.samples_rejected {
                        outcome.samples_rejected = response.samples_rejected;
                        outcome.first_rejection = Some(response.first_rejection).filter(|r| !r.is_empty());
                    }
                    for &index in &per_node[&node] {
                        acks[index] += 1;
                        if acks[index] == quorum {
                            lacking -= 1;
                        }
                    }
                }
                Err(error) => errors.push(error),
            }
            if answered == per_node.len() {
                break;
            }
        }
        if lacking > 0 {
            DISTRIBUTOR_METRICS.quorum_failures.inc();
            errors.sort();
            return Err(Error::Unavailable(format!(
                "{lacking} of {} series were not stored on {quorum} of {replication} replicas: {}",
                batch.series_count(),
                errors.first().map_or("no answer", String::as_str)
            )));
        }
        outcome.samples_appended = (batch.sample_count() as u64).saturating_sub(outcome.samples_rejected);
        DISTRIBUTOR_METRICS.samples.inc_by(batch.sample_count() as u64);
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keys_depend_on_tenant_and_every_label() {
        let labels = [("__name__", "up"), ("job", "a")];
        assert_eq!(series_key("t", &labels), series_key("t", &labels));
        assert_ne!(series_key("t", &labels), series_key("u", &labels));
        assert_ne!(series_key("t", &labels), series_key("t", &[("__name__", "up"), ("job", "b")]));
        assert_ne!(series_key("t", &[("a", "bc")]), series_key("t", &[("ab", "c")]));
    }
}
