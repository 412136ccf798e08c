use super::*;
use crate::series::Labels;

fn rule(hold_ms: i64, keep_firing_for_ms: i64) -> AlertingRule {
    let labels = [("severity".to_string(), "page".to_string())].into();
    let annotations = [("summary".to_string(), "{{ $labels.instance }} at {{ $value }}".to_string())].into();
    AlertingRule::new("HighCPU".into(), "cpu > 0.7".into(), hold_ms, keep_firing_for_ms, labels, annotations)
}

fn sample(instance: &str, v: f64) -> InstantSample {
    InstantSample { labels: Labels::from_pairs([("__name__", "cpu"), ("instance", instance)]), t: 0, v }
}

fn states(rule: &AlertingRule) -> Vec<(String, &'static str)> {
    let mut states: Vec<_> = rule.active.values().map(|a| (a.labels["instance"].clone(), a.state.as_str())).collect();
    states.sort();
    states
}

fn expander() -> Expander {
    Expander::new(&LabelMap::new(), "http://sonde", None)
}

#[test]
fn pending_then_firing_then_resolved() {
    let mut rule = rule(60_000, 0);
    let e = expander();
    let out = rule.eval(&[sample("a", 0.9)], 0, &e, 0).unwrap();
    assert_eq!(states(&rule), [("a".into(), "pending")]);
    let alerts = &out[0].0;
    assert_eq!(alerts["__name__"], "ALERTS");
    assert_eq!(alerts["alertstate"], "pending");
    assert_eq!(alerts["severity"], "page");
    assert_eq!(
        out[1],
        (
            [("__name__", "ALERTS_FOR_STATE"), ("alertname", "HighCPU"), ("instance", "a"), ("severity", "page")]
                .iter()
                .map(|&(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            0.0
        )
    );
    assert!(rule.alerts_to_send(0, 60_000, 15_000).is_empty(), "pending alerts are not sent");

    rule.eval(&[sample("a", 0.95)], 30_000, &e, 0).unwrap();
    assert_eq!(states(&rule), [("a".into(), "pending")]);
    let out = rule.eval(&[sample("a", 0.8)], 60_000, &e, 0).unwrap();
    assert_eq!(states(&rule), [("a".into(), "firing")]);
    assert_eq!(out[0].0["alertstate"], "firing");
    let sent = rule.alerts_to_send(60_000, 60_000, 15_000);
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].active_at, sent[0].fired_at, sent[0].valid_until), (0, 60_000, 60_000 + 240_000));
    assert_eq!(sent[0].annotations["summary"], "a at 0.8");

    let out = rule.eval(&[], 75_000, &e, 0).unwrap();
    assert!(out.is_empty());
    assert_eq!(rule.state(), AlertState::Inactive);
    assert!(rule.active_alerts().is_empty());
    let sent = rule.alerts_to_send(75_000, 60_000, 15_000);
    assert_eq!(sent[0].resolved_at, 75_000, "resolved alerts are sent at once");

    rule.eval(&[], 75_000 + RESOLVED_RETENTION_MS + 1, &e, 0).unwrap();
    assert!(rule.active.is_empty(), "resolved alerts are dropped after 15 minutes");
}

#[test]
fn pending_alerts_vanish_and_for_zero_fires_at_once() {
    let mut rule = rule(60_000, 0);
    let e = expander();
    rule.eval(&[sample("a", 1.0)], 0, &e, 0).unwrap();
    rule.eval(&[], 15_000, &e, 0).unwrap();
    assert!(rule.active.is_empty());

    let mut instant = self::rule(0, 0);
    instant.eval(&[sample("a", 1.0)], 0, &e, 0).unwrap();
    assert_eq!(states(&instant), [("a".into(), "firing")]);
}

#[test]
fn keep_firing_for_holds_a_firing_alert() {
    let mut rule = rule(0, 30_000);
    let e = expander();
    rule.eval(&[sample("a", 1.0)], 0, &e, 0).unwrap();
    let out = rule.eval(&[], 15_000, &e, 0).unwrap();
    assert_eq!(states(&rule), [("a".into(), "firing")]);
    assert_eq!(out.len(), 2, "a kept alert is still written");
    assert_eq!(rule.active_alerts()[0].keep_firing_since, 15_000);
    rule.eval(&[], 45_000, &e, 0).unwrap();
    assert_eq!(states(&rule), [("a".into(), "inactive")]);
}

#[test]
fn duplicate_label_sets_and_limits_fail() {
    let mut rule = rule(0, 0);
    rule.labels.insert("instance".into(), "fixed".into());
    let e = expander();
    let err = rule.eval(&[sample("a", 1.0), sample("b", 1.0)], 0, &e, 0).unwrap_err();
    assert_eq!(err, "vector contains metrics with the same labelset after applying alert labels");

    let mut limited = self::rule(0, 0);
    let err = limited.eval(&[sample("a", 1.0), sample("b", 1.0)], 0, &e, 1).unwrap_err();
    assert_eq!(err, "exceeded limit of 1 with 2 alerts");
    assert!(limited.active.is_empty());
}

#[test]
fn unrestored_rules_write_no_series() {
    let mut rule = rule(0, 0);
    rule.restored = false;
    let out = rule.eval(&[sample("a", 1.0)], 0, &expander(), 0).unwrap();
    assert!(out.is_empty());
    assert_eq!(rule.state(), AlertState::Firing);
}

#[test]
fn empty_expanded_labels_are_dropped() {
    let mut rule = rule(0, 0);
    rule.labels.insert("team".into(), "{{ $labels.nosuch }}".into());
    let out = rule.eval(&[sample("a", 1.0)], 0, &expander(), 0).unwrap();
    assert!(!rule.active_alerts()[0].labels.contains_key("team"));
    assert_eq!(out[0].0["team"], "{{ $labels.nosuch }}", "ALERTS keep the raw rule label, as Prometheus");
}
