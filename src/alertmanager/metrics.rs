//! Alertmanager's self-metrics, under upstream's names.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationLabel {
    pub integration: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabel {
    pub status: String,
}

pub struct AlertmanagerMetrics {
    pub notifications: Family<IntegrationLabel, Counter>,
    pub notifications_failed: Family<IntegrationLabel, Counter>,
    pub notification_requests: Family<IntegrationLabel, Counter>,
    pub notification_requests_failed: Family<IntegrationLabel, Counter>,
    pub notification_latency: Family<IntegrationLabel, Histogram>,
    pub alerts_received: Family<StatusLabel, Counter>,
    pub alerts_invalid: Counter,
    /// Notifications a peer sent for a group another peer had already
    /// notified within the interval: the duplicates a partition costs.
    pub duplicate_notifications: Counter,
}

pub static METRICS: LazyLock<AlertmanagerMetrics> = LazyLock::new(|| AlertmanagerMetrics {
    notifications: Family::default(),
    notifications_failed: Family::default(),
    notification_requests: Family::default(),
    notification_requests_failed: Family::default(),
    notification_latency: Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.01, 4.0, 8))),
    alerts_received: Family::default(),
    alerts_invalid: Counter::default(),
    duplicate_notifications: Counter::default(),
});

pub fn integration(name: &str) -> IntegrationLabel {
    IntegrationLabel { integration: name.to_string() }
}

pub fn register(registry: &mut Registry) {
    let m = &*METRICS;
    registry.register(
        "alertmanager_notifications",
        "The total number of attempted notifications.",
        m.notifications.clone(),
    );
    registry.register(
        "alertmanager_notifications_failed",
        "The total number of failed notifications.",
        m.notifications_failed.clone(),
    );
    registry.register(
        "alertmanager_notification_requests",
        "The total number of attempted notification requests.",
        m.notification_requests.clone(),
    );
    registry.register(
        "alertmanager_notification_requests_failed",
        "The total number of failed notification requests.",
        m.notification_requests_failed.clone(),
    );
    registry.register(
        "alertmanager_notification_latency_seconds",
        "The latency of notifications in seconds.",
        m.notification_latency.clone(),
    );
    registry.register(
        "alertmanager_alerts_received",
        "The total number of received alerts.",
        m.alerts_received.clone(),
    );
    registry.register(
        "alertmanager_alerts_invalid",
        "The total number of received alerts that were invalid.",
        m.alerts_invalid.clone(),
    );
    registry.register(
        "sonde_alertmanager_duplicate_notifications",
        "Notifications sent for a group a peer had already notified in the same interval (partitions).",
        m.duplicate_notifications.clone(),
    );
}
