//! An alerting rule's state machine (`rules/alerting.go` `Eval`): alerts
//! go inactive → pending → firing with `for`, stay firing for
//! `keep_firing_for`, and resolved ones are kept 15 minutes so they are
//! re-sent as resolved. Each evaluation yields the `ALERTS` and
//! `ALERTS_FOR_STATE` samples.

use std::collections::{BTreeMap, HashMap};

use crate::promql::InstantSample;
use crate::series::METRIC_NAME;

use super::alert::{Alert, AlertState};
use super::expand::Expander;

/// How long a resolved alert is kept (and re-sent as resolved).
const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

pub type LabelMap = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
pub struct AlertingRule {
    pub name: String,
    /// The expression as PromQL prints it.
    pub query: String,
    pub hold_ms: i64,
    pub keep_firing_for_ms: i64,
    pub labels: LabelMap,
    pub annotations: LabelMap,
    /// Alerts by their label set.
    pub(super) active: HashMap<LabelMap, Alert>,
    /// Until the `for` state was restored after a start, no `ALERTS` series
    /// are written (Prometheus' `restored` flag).
    pub(super) restored: bool,
}

impl AlertingRule {
    pub fn new(
        name: String,
        query: String,
        hold_ms: i64,
        keep_firing_for_ms: i64,
        labels: LabelMap,
        annotations: LabelMap,
    ) -> Self {
        AlertingRule {
            name,
            query,
            hold_ms,
            keep_firing_for_ms,
            labels,
            annotations,
            active: HashMap::new(),
            restored: true,
        }
    }

    /// The rule's state: the highest of its alerts'.
    pub fn state(&self) -> AlertState {
        self.active.values().map(|a| a.state).max().unwrap_or_default()
    }

    /// Pending and firing alerts (resolved ones kept for re-sending are not).
    pub fn active_alerts(&self) -> Vec<Alert> {
        let mut alerts: Vec<Alert> = self.active.values().filter(|a| a.resolved_at == 0).cloned().collect();
        alerts.sort_by(|a, b| a.labels.cmp(&b.labels));
        alerts
    }

    /// One evaluation at `t` (ms) over the query's result; returns the
    /// `ALERTS` and `ALERTS_FOR_STATE` samples to write.
    pub fn eval(
        &mut self,
        vector: &[InstantSample],
        t: i64,
        expander: &Expander,
        limit: usize,
    ) -> Result<Vec<(LabelMap, f64)>, String> {
        let mut fresh: HashMap<LabelMap, Alert> = HashMap::with_capacity(vector.len());
        for sample in vector {
            let alert = self.new_alert(sample, t, expander);
            if fresh.contains_key(&alert.labels) {
                return Err("vector contains metrics with the same labelset after applying alert labels".into());
            }
            fresh.insert(alert.labels.clone(), alert);
        }
        for (labels, alert) in &fresh {
            match self.active.get_mut(labels) {
                Some(existing) if existing.state != AlertState::Inactive => {
                    existing.value = alert.value;
                    existing.annotations = alert.annotations.clone();
                }
                _ => {
                    self.active.insert(labels.clone(), alert.clone());
                }
            }
        }
        let mut output = Vec::new();
        let mut num_active = 0;
        let mut gone = Vec::new();
        for (labels, alert) in self.active.iter_mut() {
            if !fresh.contains_key(labels) {
                let keep_firing = keeps_firing(alert, t, self.keep_firing_for_ms);
                if alert.state == AlertState::Pending
                    || (alert.resolved_at != 0 && t - alert.resolved_at > RESOLVED_RETENTION_MS)
                {
                    gone.push(labels.clone());
                }
                if alert.state != AlertState::Inactive && !keep_firing {
                    alert.state = AlertState::Inactive;
                    alert.resolved_at = t;
                }
                if !keep_firing {
                    continue;
                }
            } else {
                alert.keep_firing_since = 0;
            }
            num_active += 1;
            if alert.state == AlertState::Pending && t - alert.active_at >= self.hold_ms {
                alert.state = AlertState::Firing;
                alert.fired_at = t;
            }
            if self.restored {
                output.extend(series_of(&self.name, &self.labels, alert));
            }
        }
        for labels in gone {
            self.active.remove(&labels);
        }
        if limit > 0 && num_active > limit {
            self.active.clear();
            return Err(format!("exceeded limit of {limit} with {num_active} alerts"));
        }
        Ok(output)
    }

    fn new_alert(&self, sample: &InstantSample, t: i64, expander: &Expander) -> Alert {
        let sample_labels: LabelMap = sample.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect();
        let mut labels: LabelMap =
            sample_labels.iter().filter(|(k, _)| *k != METRIC_NAME).map(|(k, v)| (k.clone(), v.clone())).collect();
        for (name, text) in &self.labels {
            let value = expander.expand(&self.name, text, &sample_labels, sample.v);
            match value.is_empty() {
                true => labels.remove(name),
                false => labels.insert(name.clone(), value),
            };
        }
        labels.insert("alertname".to_string(), self.name.clone());
        let annotations = self
            .annotations
            .iter()
            .map(|(name, text)| (name.clone(), expander.expand(&self.name, text, &sample_labels, sample.v)))
            .collect();
        Alert { state: AlertState::Pending, labels, annotations, value: sample.v, active_at: t, ..Alert::default() }
    }

    /// Alerts to send after an evaluation at `t`; marks them sent.
    pub fn alerts_to_send(&mut self, t: i64, resend_delay_ms: i64, interval_ms: i64) -> Vec<Alert> {
        let mut sending = Vec::new();
        for alert in self.active.values_mut() {
            if alert.needs_sending(t, resend_delay_ms) {
                alert.last_sent_at = t;
                alert.valid_until = t + 4 * resend_delay_ms.max(interval_ms);
                sending.push(alert.clone());
            }
        }
        sending.sort_by(|a, b| a.labels.cmp(&b.labels));
        sending
    }
}

/// Whether a firing alert whose condition went away still fires.
fn keeps_firing(alert: &mut Alert, t: i64, keep_firing_for_ms: i64) -> bool {
    if alert.state != AlertState::Firing || keep_firing_for_ms <= 0 {
        return false;
    }
    if alert.keep_firing_since == 0 {
        alert.keep_firing_since = t;
    }
    t - alert.keep_firing_since < keep_firing_for_ms
}

/// `ALERTS` and `ALERTS_FOR_STATE` for one alert: the rule's raw labels
/// overlaid by the alert's, as Prometheus builds them.
fn series_of(rule: &str, rule_labels: &LabelMap, alert: &Alert) -> [(LabelMap, f64); 2] {
    let mut base = rule_labels.clone();
    base.extend(alert.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    base.insert("alertname".to_string(), rule.to_string());
    let mut alerts = base.clone();
    alerts.insert(METRIC_NAME.to_string(), "ALERTS".to_string());
    alerts.insert("alertstate".to_string(), alert.state.as_str().to_string());
    let mut for_state = base;
    for_state.insert(METRIC_NAME.to_string(), "ALERTS_FOR_STATE".to_string());
    [(alerts, 1.0), (for_state, (alert.active_at.div_euclid(1000)) as f64)]
}

#[cfg(test)]
#[path = "alerting_tests.rs"]
mod tests;
