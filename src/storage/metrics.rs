//! The storage node's gRPC request counts and latencies by method and
//! status code.

use std::sync::LazyLock;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

struct StorageMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<MethodLabels, Histogram, fn() -> Histogram>,
}

static STORAGE_METRICS: LazyLock<StorageMetrics> = LazyLock::new(|| StorageMetrics {
    requests: Family::default(),
    duration: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.0005, 2.0, 16))),
});

pub fn register(registry: &mut Registry) {
    registry.register(
        "sonde_storage_grpc_requests",
        "Storage gRPC requests by method and status code",
        STORAGE_METRICS.requests.clone(),
    );
    registry.register(
        "sonde_storage_grpc_request_duration_seconds",
        "Time to answer a storage gRPC request (for Select, until the answer is ready to stream)",
        STORAGE_METRICS.duration.clone(),
    );
}

/// Records one request's outcome.
pub fn observe<T>(method: &'static str, started: Instant, result: &Result<T, tonic::Status>) {
    let code = match result {
        Ok(_) => "Ok".to_string(),
        Err(status) => format!("{:?}", status.code()),
    };
    STORAGE_METRICS.requests.get_or_create(&RequestLabels { method, code }).inc();
    STORAGE_METRICS.duration.get_or_create(&MethodLabels { method }).observe(started.elapsed().as_secs_f64());
}
