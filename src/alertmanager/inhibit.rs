//! Inhibition (prometheus/alertmanager inhibit/inhibit.go): an alert that
//! matches a rule's target matchers is muted while a firing alert matches
//! its source matchers and has the same values for the `equal` labels. An
//! alert matching both sides is not inhibited by sources that also match
//! the target side, so a rule cannot make alerts mute each other.

use std::collections::HashMap;

use parking_lot::RwLock;

use super::alert::{Alert, Fingerprint, Nanos};
use super::config_route::InhibitRule;
use super::labels::LabelSet;
use super::matcher::Matchers;

struct Rule {
    source: Matchers,
    target: Matchers,
    equal: Vec<String>,
    /// The alerts seen that match the source matchers.
    sources: RwLock<HashMap<Fingerprint, Alert>>,
}

impl Rule {
    /// The first firing source alert that inhibits these labels.
    fn inhibiting_source(&self, labels: &LabelSet, exclude_two_sided: bool, now: Nanos) -> Option<Fingerprint> {
        let sources = self.sources.read();
        let mut candidates: Vec<(&Fingerprint, &Alert)> = sources.iter().collect();
        candidates.sort_by_key(|(fingerprint, _)| **fingerprint);
        candidates.into_iter().find_map(|(fingerprint, source)| {
            if source.resolved_at(now) {
                return None;
            }
            let value = |set: &LabelSet, name: &String| set.get(name).cloned().unwrap_or_default();
            if self.equal.iter().any(|name| value(&source.labels, name) != value(labels, name)) {
                return None;
            }
            if exclude_two_sided && self.target.matches(&source.labels) {
                return None;
            }
            Some(*fingerprint)
        })
    }
}

pub struct Inhibitor {
    rules: Vec<Rule>,
}

impl Inhibitor {
    pub fn new(rules: &[InhibitRule]) -> Inhibitor {
        let rules = rules
            .iter()
            .map(|rule| Rule {
                source: rule.all_source_matchers(),
                target: rule.all_target_matchers(),
                equal: rule.equal.clone(),
                sources: RwLock::default(),
            })
            .collect();
        Inhibitor { rules }
    }

    /// Takes note of a stored alert (fed from the alert store's subscription).
    pub fn observe(&self, alert: &Alert) {
        for rule in &self.rules {
            if rule.source.matches(&alert.labels) {
                rule.sources.write().insert(alert.fingerprint(), alert.clone());
            }
        }
    }

    /// The source alert that inhibits an alert with these labels, if any.
    pub fn inhibited_by(&self, labels: &LabelSet, now: Nanos) -> Option<Fingerprint> {
        self.rules.iter().find_map(|rule| {
            if !rule.target.matches(labels) {
                return None;
            }
            rule.inhibiting_source(labels, rule.source.matches(labels), now)
        })
    }

    /// Forgets source alerts resolved by `now`.
    pub fn collect_garbage(&self, now: Nanos) {
        for rule in &self.rules {
            rule.sources.write().retain(|_, alert| !alert.resolved_at(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alertmanager::Config;

    fn alert(pairs: &[(&str, &str)], ends_at: Option<Nanos>) -> Alert {
        let labels = pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        Alert { labels, ends_at, ..Alert::default() }
    }

    fn inhibitor(rules: &str) -> Inhibitor {
        let yaml = format!("route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n{rules}");
        Inhibitor::new(&Config::parse(&yaml, "am.yml").unwrap().inhibit_rules)
    }

    #[test]
    fn critical_inhibits_warning_with_equal_labels() {
        let inhibitor = inhibitor(
            "  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]\n    equal: [cluster]\n",
        );
        let critical = alert(&[("alertname", "Down"), ("severity", "critical"), ("cluster", "a")], None);
        inhibitor.observe(&critical);
        let warning_a = alert(&[("alertname", "Slow"), ("severity", "warning"), ("cluster", "a")], None);
        let warning_b = alert(&[("alertname", "Slow"), ("severity", "warning"), ("cluster", "b")], None);
        assert_eq!(inhibitor.inhibited_by(&warning_a.labels, 0), Some(critical.fingerprint()));
        assert_eq!(inhibitor.inhibited_by(&warning_b.labels, 0), None);
        assert_eq!(inhibitor.inhibited_by(&critical.labels, 0), None);

        // A resolved source inhibits nothing.
        inhibitor.observe(&alert(&[("alertname", "Down"), ("severity", "critical"), ("cluster", "a")], Some(10)));
        assert_eq!(inhibitor.inhibited_by(&warning_a.labels, 20), None);
        inhibitor.collect_garbage(20);
        assert_eq!(inhibitor.inhibited_by(&warning_a.labels, 0), None);
    }

    #[test]
    fn alerts_matching_both_sides_do_not_mute_each_other() {
        let inhibitor = inhibitor("  - source_matchers: [team=db]\n    target_matchers: [team=db]\n");
        let one = alert(&[("alertname", "One"), ("team", "db")], None);
        let two = alert(&[("alertname", "Two"), ("team", "db")], None);
        inhibitor.observe(&one);
        inhibitor.observe(&two);
        assert_eq!(inhibitor.inhibited_by(&one.labels, 0), None);
        assert_eq!(inhibitor.inhibited_by(&two.labels, 0), None);
    }
}
