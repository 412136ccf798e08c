//! Self-metrics of a node's cluster membership.

use std::sync::LazyLock;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub struct ClusterMetrics {
    pub meta_reachable: Gauge,
    pub applied_index: Gauge,
    pub owned_targets: Gauge,
}

pub static CLUSTER_METRICS: LazyLock<ClusterMetrics> = LazyLock::new(|| ClusterMetrics {
    meta_reachable: Gauge::default(),
    applied_index: Gauge::default(),
    owned_targets: Gauge::default(),
});

pub fn register(registry: &mut Registry) {
    let m = &*CLUSTER_METRICS;
    m.meta_reachable.set(1);
    registry.register(
        "sonde_cluster_meta_reachable",
        "1 while the meta group answers heartbeats; 0 while membership is frozen at the last known state",
        m.meta_reachable.clone(),
    );
    registry.register(
        "sonde_cluster_membership_applied_index",
        "Raft index of the membership this node last saw",
        m.applied_index.clone(),
    );
    registry.register(
        "sonde_cluster_owned_targets",
        "Scrape targets the scraper ring gives this node",
        m.owned_targets.clone(),
    );
}
