//! The ruler's self-metrics, under Prometheus' own names so that existing
//! dashboards and alerts on a Prometheus' rule evaluation keep working.

use std::sync::LazyLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GroupLabels {
    /// `file;group`, as Prometheus labels it.
    pub rule_group: String,
}

pub struct RuleMetrics {
    pub evaluations: Family<GroupLabels, Counter>,
    pub failures: Family<GroupLabels, Counter>,
    pub iterations: Family<GroupLabels, Counter>,
    pub missed: Family<GroupLabels, Counter>,
    pub rules: Family<GroupLabels, Gauge>,
    pub last_duration: Family<GroupLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    pub last_evaluation: Family<GroupLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    pub interval: Family<GroupLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    pub last_samples: Family<GroupLabels, Gauge>,
}

pub static RULE_METRICS: LazyLock<RuleMetrics> = LazyLock::new(|| RuleMetrics {
    evaluations: Family::default(),
    failures: Family::default(),
    iterations: Family::default(),
    missed: Family::default(),
    rules: Family::default(),
    last_duration: Family::default(),
    last_evaluation: Family::default(),
    interval: Family::default(),
    last_samples: Family::default(),
});

pub static TEMPLATE_EXPANSIONS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static TEMPLATE_EXPANSION_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);

impl RuleMetrics {
    pub fn labels(key: &str) -> GroupLabels {
        GroupLabels { rule_group: key.to_string() }
    }

    /// Drops a removed group's series.
    pub fn forget(&self, key: &str) {
        let labels = Self::labels(key);
        self.evaluations.remove(&labels);
        self.failures.remove(&labels);
        self.iterations.remove(&labels);
        self.missed.remove(&labels);
        self.rules.remove(&labels);
        self.last_duration.remove(&labels);
        self.last_evaluation.remove(&labels);
        self.interval.remove(&labels);
        self.last_samples.remove(&labels);
    }
}

pub fn register(registry: &mut Registry) {
    let m = &*RULE_METRICS;
    registry.register("prometheus_rule_evaluations", "The total number of rule evaluations", m.evaluations.clone());
    registry.register(
        "prometheus_rule_evaluation_failures",
        "The total number of rule evaluation failures",
        m.failures.clone(),
    );
    registry.register(
        "prometheus_rule_group_iterations",
        "The total number of scheduled rule group evaluations, whether executed or missed",
        m.iterations.clone(),
    );
    registry.register(
        "prometheus_rule_group_iterations_missed",
        "The total number of rule group evaluations missed due to slow rule group evaluation",
        m.missed.clone(),
    );
    registry.register("prometheus_rule_group_rules", "The number of rules", m.rules.clone());
    registry.register(
        "prometheus_rule_group_last_duration_seconds",
        "The duration of the last rule group evaluation",
        m.last_duration.clone(),
    );
    registry.register(
        "prometheus_rule_group_last_evaluation_timestamp_seconds",
        "The timestamp of the last rule group evaluation in seconds",
        m.last_evaluation.clone(),
    );
    registry.register("prometheus_rule_group_interval_seconds", "The interval of a rule group", m.interval.clone());
    registry.register(
        "prometheus_rule_group_last_evaluation_samples",
        "The number of samples returned during the last rule group evaluation",
        m.last_samples.clone(),
    );
    registry.register(
        "prometheus_template_text_expansions",
        "The total number of template text expansions",
        TEMPLATE_EXPANSIONS.clone(),
    );
    registry.register(
        "prometheus_template_text_expansion_failures",
        "The total number of template text expansion failures",
        TEMPLATE_EXPANSION_FAILURES.clone(),
    );
}
