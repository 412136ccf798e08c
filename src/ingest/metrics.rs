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
