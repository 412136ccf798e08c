//! A rule of either kind with its evaluation status, as the rules API shows it.

use std::collections::HashSet;

use crate::series::Labels;

use super::alerting::AlertingRule;
use super::recording::RecordingRule;

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Recording(RecordingRule),
    Alerting(AlertingRule),
}

impl Rule {
    pub fn name(&self) -> &str {
        match self {
            Rule::Recording(r) => &r.name,
            Rule::Alerting(a) => &a.name,
        }
    }

    pub fn query(&self) -> &str {
        match self {
            Rule::Recording(r) => &r.query,
            Rule::Alerting(a) => &a.query,
        }
    }

    /// The configured labels.
    pub fn labels(&self) -> &std::collections::BTreeMap<String, String> {
        match self {
            Rule::Recording(r) => &r.labels,
            Rule::Alerting(a) => &a.labels,
        }
    }

    /// Whether two rules are configured the same (state aside).
    pub fn same_definition(&self, other: &Rule) -> bool {
        match (self, other) {
            (Rule::Recording(a), Rule::Recording(b)) => a == b,
            (Rule::Alerting(a), Rule::Alerting(b)) => {
                (&a.name, &a.query, a.hold_ms, a.keep_firing_for_ms, &a.labels, &a.annotations)
                    == (&b.name, &b.query, b.hold_ms, b.keep_firing_for_ms, &b.labels, &b.annotations)
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    #[default]
    Unknown,
    Ok,
    Err,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Ok => "ok",
            Health::Err => "err",
        }
    }
}

/// A rule, its last evaluation, and the series it wrote then (to mark
/// them stale when they stop).
#[derive(Debug, Clone)]
pub struct RuleEntry {
    pub rule: Rule,
    pub health: Health,
    pub last_error: String,
    /// Wall-clock start of the last evaluation (ms; 0: never).
    pub last_evaluation_ms: i64,
    pub evaluation_seconds: f64,
    pub(super) previous_series: HashSet<Labels>,
}

impl RuleEntry {
    pub fn new(rule: Rule) -> Self {
        RuleEntry {
            rule,
            health: Health::Unknown,
            last_error: String::new(),
            last_evaluation_ms: 0,
            evaluation_seconds: 0.0,
            previous_series: HashSet::new(),
        }
    }
}
