//! Request counts and latencies of the HTTP API by route, under Prometheus'
//! names (`prometheus_http_requests_total`,
//! `prometheus_http_request_duration_seconds`), so dashboards built for
//! Prometheus show every Sonde role's API traffic.

use std::sync::{LazyLock, Once};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use tracing::Instrument;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    code: String,
    handler: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HandlerLabels {
    handler: String,
}

/// Prometheus' buckets for `prometheus_http_request_duration_seconds`.
const BUCKETS: [f64; 9] = [0.1, 0.2, 0.4, 1.0, 3.0, 8.0, 20.0, 60.0, 120.0];

struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    duration: Family<HandlerLabels, Histogram, fn() -> Histogram>,
}

static HTTP_METRICS: LazyLock<HttpMetrics> = LazyLock::new(|| HttpMetrics {
    requests: Family::default(),
    duration: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
});

/// Registers the metrics once per process (several routers share them).
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        crate::telemetry::register(|registry| {
            registry.register("prometheus_http_requests", "Counter of HTTP requests.", HTTP_METRICS.requests.clone());
            registry.register(
                "prometheus_http_request_duration_seconds",
                "Histogram of latencies for HTTP requests.",
                HTTP_METRICS.duration.clone(),
            );
        })
    });
}

/// The middleware: counts the request under its route pattern (not the
/// raw path, which would make a series per label name or value), inside
/// the request's trace span when tracing is on.
pub async fn track(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    let handler = matched.map_or_else(|| "other".to_string(), |path| path.as_str().to_string());
    let span = crate::telemetry::trace::http_span(request.method(), &handler, request.headers());
    let started = Instant::now();
    let response = next.run(request).instrument(span).await;
    let code = response.status().as_u16().to_string();
    HTTP_METRICS.requests.get_or_create(&RequestLabels { code, handler: handler.clone() }).inc();
    HTTP_METRICS.duration.get_or_create(&HandlerLabels { handler }).observe(started.elapsed().as_secs_f64());
    response
}
