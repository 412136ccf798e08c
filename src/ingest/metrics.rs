//! The ingest path's self-metrics.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub protocol: &'static str,
    pub code: u16,
}

pub static REQUESTS: LazyLock<Family<RequestLabels, Counter>> = LazyLock::new(Family::default);
pub static SAMPLES_RECEIVED: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static SAMPLES_REFUSED: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static REQUEST_SECONDS: LazyLock<Histogram> =
    LazyLock::new(|| Histogram::new(exponential_buckets(0.0005, 2.0, 14)));

pub fn register(registry: &mut Registry) {
    registry.register(
        "sonde_ingest_remote_write_requests",
        "Remote-write requests by protocol and HTTP status",
        REQUESTS.clone(),
    );
    registry.register(
        "sonde_ingest_remote_write_samples_received",
        "Samples in decoded remote-write requests",
        SAMPLES_RECEIVED.clone(),
    );
    registry.register(
        "sonde_ingest_remote_write_samples_refused",
        "Samples refused: invalid series, native histograms, or storage rules",
        SAMPLES_REFUSED.clone(),
    );
    registry.register(
        "sonde_ingest_remote_write_request_duration_seconds",
        "Time to handle a remote-write request",
        REQUEST_SECONDS.clone(),
    );
}

/// The distributor's metrics, on nodes that run one (cluster scrapers).
pub struct DistributorMetrics {
    pub samples: Counter,
    pub push_duration: Histogram,
    pub replication_failures: Counter,
    pub quorum_failures: Counter,
    pub backpressure: Counter,
}

pub static DISTRIBUTOR_METRICS: LazyLock<DistributorMetrics> = LazyLock::new(|| DistributorMetrics {
    samples: Counter::default(),
    push_duration: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
    replication_failures: Counter::default(),
    quorum_failures: Counter::default(),
    backpressure: Counter::default(),
});

pub fn register_distributor(registry: &mut Registry) {
    let m = &*DISTRIBUTOR_METRICS;
    registry.register(
        "sonde_distributor_samples",
        "Samples acknowledged by a quorum of storage replicas",
        m.samples.clone(),
    );
    registry.register(
        "sonde_distributor_push_duration_seconds",
        "Time of one push to one storage replica, retries included",
        m.push_duration.clone(),
    );
    registry.register(
        "sonde_distributor_replication_failures",
        "Pushes to a storage replica that failed after their retries",
        m.replication_failures.clone(),
    );
    registry.register(
        "sonde_distributor_quorum_failures",
        "Batches refused because some series reached no quorum of replicas",
        m.quorum_failures.clone(),
    );
    registry.register(
        "sonde_distributor_backpressure",
        "Batches refused because too much data was in flight to storage",
        m.backpressure.clone(),
    );
}
