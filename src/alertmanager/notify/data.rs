//! What notification templates see: upstream's `template.Data` (receiver,
//! group status, alerts, group/common labels, common annotations, external
//! URL) built from a notification's context and alerts, as
//! prometheus/alertmanager `template.Template.Data` builds it.

use crate::template::alertmanager::{Alerts, Kv};
use crate::template::{GoTime, Struct, Value};

use super::super::alert::{Alert, Nanos};
use super::super::labels::LabelSet;
use super::NotifyContext;

/// Unix nanoseconds of Go's zero time, 0001-01-01T00:00:00Z.
const GO_ZERO_TIME_NANOS: i128 = -62_135_596_800 * 1_000_000_000;

/// Upstream's `template.Data`. The receiver name goes through
/// `regexp.QuoteMeta`, as upstream passes it (so `team.a` shows as
/// `team\.a`); 0.25 has no group key in the template data.
pub fn template_data(context: &NotifyContext, alerts: &[Alert]) -> Value {
    let alert_values = alerts.iter().map(|alert| alert_value(alert, context.now)).collect();
    let (common_labels, common_annotations) = common_pairs(alerts);
    Value::object(
        Struct::new("template.Data")
            .with("Receiver", quote_meta(&context.receiver))
            .with("Status", group_status(alerts, context.now))
            .with("Alerts", Value::object(Alerts(alert_values)))
            .with("GroupLabels", Value::object(Kv(context.group_labels.clone())))
            .with("CommonLabels", Value::object(Kv(common_labels)))
            .with("CommonAnnotations", Value::object(Kv(common_annotations)))
            .with("ExternalURL", context.external_url.as_str()),
    )
}

fn alert_value(alert: &Alert, now: Nanos) -> Value {
    Value::object(
        Struct::new("template.Alert")
            .with("Status", alert.status(now))
            .with("Labels", Value::object(Kv(alert.labels.clone())))
            .with("Annotations", Value::object(Kv(alert.annotations.clone())))
            .with("StartsAt", go_time(Some(alert.starts_at)))
            .with("EndsAt", go_time(alert.ends_at))
            .with("GeneratorURL", alert.generator_url.as_str())
            .with("Fingerprint", alert.fingerprint().to_string()),
    )
}

/// An alert time as a template `time.Time`; `None` is Go's zero time.
pub(crate) fn go_time(time: Option<Nanos>) -> Value {
    let nanos = time.map_or(GO_ZERO_TIME_NANOS, i128::from);
    Value::object(GoTime::utc_from_nanos(nanos))
}

/// "firing" when any alert fires at `now`, else "resolved" (upstream's
/// `types.Alerts.Status`).
pub(crate) fn group_status(alerts: &[Alert], now: Nanos) -> &'static str {
    if alerts.iter().any(|alert| !alert.resolved_at(now)) { "firing" } else { "resolved" }
}

/// The labels and annotations every alert shares, name and value alike.
pub(crate) fn common_pairs(alerts: &[Alert]) -> (LabelSet, LabelSet) {
    let Some((first, rest)) = alerts.split_first() else {
        return (LabelSet::new(), LabelSet::new());
    };
    let (mut labels, mut annotations) = (first.labels.clone(), first.annotations.clone());
    // A missing name reads as "", as Go's map lookup does.
    let same = |set: &LabelSet, name: &String, value: &String| set.get(name).map_or("", String::as_str) == value;
    for alert in rest {
        labels.retain(|name, value| same(&alert.labels, name, value));
        annotations.retain(|name, value| same(&alert.annotations, name, value));
    }
    (labels, annotations)
}

/// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
pub(crate) fn quote_meta(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len());
    for character in text.chars() {
        if "\\.+*?()|[]{}^$".contains(character) {
            quoted.push('\\');
        }
        quoted.push(character);
    }
    quoted
}
