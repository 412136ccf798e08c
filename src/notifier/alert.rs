//! An alert as it goes to an Alertmanager: the API v2 `postableAlert`.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(serialize_with = "millis_rfc3339", skip_serializing_if = "is_zero")]
    pub ends_at: i64,
    #[serde(serialize_with = "millis_rfc3339", skip_serializing_if = "is_zero")]
    pub starts_at: i64,
    #[serde(rename = "generatorURL", skip_serializing_if = "String::is_empty")]
    pub generator_url: String,
    pub labels: BTreeMap<String, String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Prometheus writes times as RFC 3339 in UTC with exactly three decimals.
fn millis_rfc3339<S: serde::Serializer>(millis: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::api::time::format_rfc3339(*millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_matches_prometheus() {
        let alert = Notification {
            annotations: BTreeMap::new(),
            starts_at: 1_714_557_603_123,
            ends_at: 1_714_557_843_000,
            generator_url: "http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1".into(),
            labels: [("alertname".to_string(), "InstanceDown".to_string())].into(),
        };
        assert_eq!(
            serde_json::to_string(&alert).unwrap(),
            r#"{"endsAt":"2024-05-01T10:04:03.000Z","startsAt":"2024-05-01T10:00:03.123Z","generatorURL":"http://prom:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1","labels":{"alertname":"InstanceDown"}}"#
        );
    }
}
