//! The API v2 request and response bodies (api/v2/openapi.yaml): posted
//! alerts and silences in, gettable alerts, groups and silences out, with
//! upstream's validation and defaults.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::alert::{Alert, Nanos, format_api_time, parse_go_time};
use super::labels::{LabelSet, is_valid_label_name};
use super::service::AlertStatus;
use super::silence::{Silence, SilenceMatcher};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
}

fn optional_time(text: &Option<String>) -> Result<Option<Nanos>, String> {
    match text.as_deref() {
        None | Some("") => Ok(None),
        Some(text) => parse_go_time(text),
    }
}

impl PostableAlert {
    /// The alert as stored: empty labels dropped, a missing start set to now
    /// (or the end), a missing end set `resolve_timeout` ahead and marked
    /// as such, then upstream's checks.
    pub fn into_alert(self, now: Nanos, resolve_timeout: Nanos) -> Result<Alert, String> {
        let labels: LabelSet = self.labels.into_iter().filter(|(_, value)| !value.is_empty()).collect();
        let mut ends_at = optional_time(&self.ends_at)?;
        let starts_at = optional_time(&self.starts_at)?.or(ends_at).unwrap_or(now);
        let timeout = ends_at.is_none();
        if timeout {
            ends_at = Some(now + resolve_timeout);
        }
        let alert = Alert {
            labels,
            annotations: self.annotations.unwrap_or_default(),
            starts_at,
            ends_at,
            generator_url: self.generator_url.unwrap_or_default(),
            updated_at: now,
            timeout,
        };
        validate_alert(&alert)?;
        Ok(alert)
    }
}

/// prometheus/common's `Alert.Validate`, with its wording.
fn validate_alert(alert: &Alert) -> Result<(), String> {
    if alert.ends_at.is_some_and(|end| end < alert.starts_at) {
        return Err("start time must be before end time".into());
    }
    if let Some(name) = alert.labels.keys().find(|name| !is_valid_label_name(name)) {
        return Err(format!("invalid label set: invalid name {name:?}"));
    }
    if alert.labels.is_empty() {
        return Err("at least one label pair required".into());
    }
    if let Some(name) = alert.annotations.keys().find(|name| !is_valid_label_name(name)) {
        return Err(format!("invalid annotations: invalid name {name:?}"));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableMatcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    #[serde(default)]
    pub is_equal: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(default)]
    pub id: Option<String>,
    pub matchers: Vec<PostableMatcher>,
    pub starts_at: String,
    pub ends_at: String,
    pub created_by: String,
    pub comment: String,
}

impl PostableSilence {
    pub fn into_silence(self) -> Result<Silence, String> {
        let time =
            |text: &str, what: &str| parse_go_time(text)?.ok_or_else(|| format!("invalid zero {what} timestamp"));
        Ok(Silence {
            id: self.id.unwrap_or_default(),
            matchers: self
                .matchers
                .into_iter()
                .map(|m| SilenceMatcher {
                    name: m.name,
                    value: m.value,
                    is_regex: m.is_regex,
                    is_equal: m.is_equal.unwrap_or(true),
                })
                .collect(),
            starts_at: time(&self.starts_at, "start")?,
            ends_at: time(&self.ends_at, "end")?,
            updated_at: 0,
            created_by: self.created_by,
            comment: self.comment,
        })
    }
}

/// A `gettableAlert`.
pub fn alert_json(alert: &Alert, status: &AlertStatus, receivers: &[String]) -> Value {
    json!({
        "annotations": alert.annotations,
        "endsAt": format_api_time(alert.ends_at),
        "fingerprint": alert.fingerprint().to_string(),
        "receivers": receivers.iter().map(|name| json!({"name": name})).collect::<Vec<_>>(),
        "startsAt": format_api_time(Some(alert.starts_at)),
        "status": {
            "inhibitedBy": status.inhibited_by,
            "silencedBy": status.silenced_by,
            "state": status.state(),
        },
        "updatedAt": format_api_time(Some(alert.updated_at)),
        "generatorURL": alert.generator_url,
        "labels": alert.labels,
    })
}

/// An `alertGroup`.
pub fn group_json(labels: &LabelSet, receiver: &str, alerts: Vec<Value>) -> Value {
    json!({"alerts": alerts, "labels": labels, "receiver": {"name": receiver}})
}

/// A `gettableSilence`.
pub fn silence_json(silence: &Silence, now: Nanos) -> Value {
    let matchers: Vec<Value> = silence
        .matchers
        .iter()
        .map(|m| json!({"isEqual": m.is_equal, "isRegex": m.is_regex, "name": m.name, "value": m.value}))
        .collect();
    json!({
        "id": silence.id,
        "status": {"state": silence.state(now).as_str()},
        "updatedAt": format_api_time(Some(silence.updated_at)),
        "comment": silence.comment,
        "createdBy": silence.created_by,
        "endsAt": format_api_time(Some(silence.ends_at)),
        "matchers": matchers,
        "startsAt": format_api_time(Some(silence.starts_at)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(json: &str) -> PostableAlert {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn posted_alerts_get_upstream_defaults_and_checks() {
        // 2001-09-09T01:46:40Z
        let now = 1_000_000_000_000_000_000;
        let alert = posted(r#"{"labels":{"alertname":"Down","empty":""}}"#).into_alert(now, 300_000_000_000).unwrap();
        assert_eq!(alert.starts_at, now);
        assert_eq!(alert.ends_at, Some(now + 300_000_000_000));
        assert!(alert.timeout);
        assert!(!alert.labels.contains_key("empty"));

        let ended = posted(r#"{"labels":{"a":"b"},"endsAt":"2001-09-09T01:46:40Z"}"#).into_alert(now, 1).unwrap();
        assert_eq!((ended.starts_at, ended.ends_at, ended.timeout), (now, Some(now), false));

        let reversed = r#"{"labels":{"a":"b"},"startsAt":"2001-09-09T01:46:41Z","endsAt":"2001-09-09T01:46:40Z"}"#;
        assert_eq!(posted(reversed).into_alert(now, 1).unwrap_err(), "start time must be before end time");
        assert_eq!(posted(r#"{"labels":{}}"#).into_alert(now, 1).unwrap_err(), "at least one label pair required");
        assert_eq!(
            posted(r#"{"labels":{"a-b":"c"}}"#).into_alert(now, 1).unwrap_err(),
            "invalid label set: invalid name \"a-b\""
        );
        assert!(posted(r#"{"labels":{"a":"b"},"startsAt":"soon"}"#).into_alert(now, 1).is_err());
    }
}
