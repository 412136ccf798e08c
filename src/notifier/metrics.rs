//! The notifier's self-metrics, under Prometheus' names.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AlertmanagerLabel {
    pub alertmanager: String,
}

pub struct NotifierMetrics {
    pub sent: Family<AlertmanagerLabel, Counter>,
    pub errors: Family<AlertmanagerLabel, Counter>,
    pub latency: Family<AlertmanagerLabel, Histogram>,
    pub dropped: Counter,
    pub queue_length: Gauge,
    pub capacity: Gauge,
    pub discovered: Gauge,
}

pub static NOTIFIER_METRICS: LazyLock<NotifierMetrics> = LazyLock::new(|| NotifierMetrics {
    sent: Family::default(),
    errors: Family::default(),
    latency: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 4.0, 9))),
    dropped: Counter::default(),
    queue_length: Gauge::default(),
    capacity: Gauge::default(),
    discovered: Gauge::default(),
});

pub fn register(registry: &mut Registry) {
    let m = &*NOTIFIER_METRICS;
    registry.register("prometheus_notifications_sent", "Total number of alerts sent", m.sent.clone());
    registry.register(
        "prometheus_notifications_errors",
        "Total number of sent alerts affected by errors",
        m.errors.clone(),
    );
    registry.register(
        "prometheus_notifications_latency_seconds",
        "Latency quantiles for sending alert notifications",
        m.latency.clone(),
    );
    registry.register(
        "prometheus_notifications_dropped",
        "Total number of alerts dropped due to errors when sending to Alertmanager",
        m.dropped.clone(),
    );
    registry.register(
        "prometheus_notifications_queue_length",
        "The number of alert notifications in the queue",
        m.queue_length.clone(),
    );
    registry.register(
        "prometheus_notifications_queue_capacity",
        "The capacity of the alert notifications queue",
        m.capacity.clone(),
    );
    registry.register(
        "prometheus_notifications_alertmanagers_discovered",
        "The number of alertmanagers discovered and active",
        m.discovered.clone(),
    );
}
