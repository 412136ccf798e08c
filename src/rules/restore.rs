//! Restoring alerts' `for` state after a start (`RestoreForState`): each
//! active alert's `ALERTS_FOR_STATE` series says when it became active;
//! the time the ruler was down is added, with a grace period so an alert
//! does not fire the moment the ruler is back. This also lets a group move
//! to another ruler without resetting its pending alerts.
//!
//! Series are looked up by each alert's full label set, as Prometheus 2.x
//! did; 3.x looks them up by the rule's unexpanded labels, which finds
//! nothing for rules with templated labels.

use crate::series::{METRIC_NAME, Matcher, SelectHints, is_stale_nan};

use super::alerting::AlertingRule;
use super::context::RuleContext;
use super::group::Group;
use super::rule::Rule;

impl Group {
    /// Restores the `for` state of every alerting rule at wall time `now_ms`.
    pub async fn restore_for_state(&self, ctx: &RuleContext, now_ms: i64) {
        let hints = SelectHints::range(now_ms - ctx.options.for_outage_tolerance_ms, now_ms);
        for entry in &self.rules {
            let wanted: Vec<(Vec<Matcher>, super::alerting::LabelMap)> = {
                let mut entry = entry.lock();
                let Rule::Alerting(rule) = &mut entry.rule else { continue };
                if rule.hold_ms < ctx.options.for_grace_period_ms {
                    rule.restored = true;
                    continue;
                }
                rule.active.keys().map(|labels| (matchers(rule, labels), labels.clone())).collect()
            };
            let mut found = Vec::new();
            for (matchers, labels) in wanted {
                match ctx.queryable.select(&ctx.tenant, &hints, &matchers).await {
                    Ok(series) => {
                        let want = matchers.len();
                        let last = series
                            .iter()
                            .filter(|s| s.labels.len() == want)
                            .flat_map(|s| s.chunks.iter().flat_map(|c| c.iter()))
                            .max_by_key(|s| s.t);
                        if let Some(sample) = last.filter(|s| !is_stale_nan(s.v)) {
                            found.push((labels, sample.t, sample.v));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(group = %self.name, error = %e, "cannot read ALERTS_FOR_STATE to restore alerts")
                    }
                }
            }
            let mut entry = entry.lock();
            if let Rule::Alerting(rule) = &mut entry.rule {
                for (labels, down_at_ms, active_at_s) in found {
                    restore_alert(rule, &labels, down_at_ms, active_at_s, now_ms, ctx.options.for_grace_period_ms);
                }
                rule.restored = true;
            }
        }
    }
}

/// Equality matchers for the alert's `ALERTS_FOR_STATE` series.
fn matchers(rule: &AlertingRule, alert_labels: &super::alerting::LabelMap) -> Vec<Matcher> {
    let mut labels = rule.labels.clone();
    labels.extend(alert_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.insert(METRIC_NAME.to_string(), "ALERTS_FOR_STATE".to_string());
    labels.insert("alertname".to_string(), rule.name.clone());
    labels.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| Matcher::equal(k, v)).collect()
}

/// Prometheus' arithmetic: the time left of `for` when the ruler went down
/// is what is left now, but never less than the grace period.
fn restore_alert(
    rule: &mut AlertingRule,
    labels: &super::alerting::LabelMap,
    down_at_ms: i64,
    active_at_s: f64,
    now_ms: i64,
    grace_ms: i64,
) {
    let Some(alert) = rule.active.get_mut(labels) else { return };
    let down_at_s = down_at_ms.div_euclid(1000);
    let restored_active_at_s = active_at_s as i64;
    let remaining_ms = rule.hold_ms - (down_at_s - restored_active_at_s) * 1000;
    alert.active_at = if remaining_ms <= 0 {
        restored_active_at_s * 1000
    } else if remaining_ms < grace_ms {
        now_ms + grace_ms - rule.hold_ms
    } else {
        restored_active_at_s * 1000 + (now_ms - down_at_s * 1000)
    };
    tracing::info!(rule = %rule.name, active_at_ms = alert.active_at, "restored the for state of an alert");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::alert::{Alert, AlertState};

    fn rule_with_alert(hold_ms: i64) -> (AlertingRule, super::super::alerting::LabelMap) {
        let mut rule = AlertingRule::new("A".into(), "x".into(), hold_ms, 0, Default::default(), Default::default());
        let labels: super::super::alerting::LabelMap = [("alertname".to_string(), "A".to_string())].into();
        rule.active.insert(
            labels.clone(),
            Alert { state: AlertState::Pending, labels: labels.clone(), active_at: 0, ..Alert::default() },
        );
        (rule, labels)
    }

    #[test]
    fn the_downtime_is_added_to_the_active_time() {
        // for 1h; active at 1000s, down at 2000s (1000s of 3600 gone), back at 5000s.
        let (mut rule, labels) = rule_with_alert(3_600_000);
        restore_alert(&mut rule, &labels, 2_000_000, 1000.0, 5_000_000, 600_000);
        assert_eq!(rule.active[&labels].active_at, (1000 + 3000) * 1000);
    }

    #[test]
    fn little_time_left_gets_the_grace_period() {
        // for 1h; active at 0, down at 3500s: 100s left, less than the 10m grace.
        let (mut rule, labels) = rule_with_alert(3_600_000);
        restore_alert(&mut rule, &labels, 3_500_000, 0.0, 10_000_000, 600_000);
        assert_eq!(rule.active[&labels].active_at, 10_000_000 + 600_000 - 3_600_000);
    }

    #[test]
    fn expired_for_keeps_the_old_active_time() {
        let (mut rule, labels) = rule_with_alert(3_600_000);
        restore_alert(&mut rule, &labels, 4_000_000, 0.0, 10_000_000, 600_000);
        assert_eq!(rule.active[&labels].active_at, 0);
    }
}
