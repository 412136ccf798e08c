//! `/api/v1/rules`, `/api/v1/alerts` and `/api/v1/alertmanagers`, in
//! Prometheus' JSON shapes, from the rule manager and the notifier.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use serde::Serialize;

use super::ApiState;
use super::error::ApiError;
use super::params::{Params, parse_selector};
use super::response::{ApiResult, Success};
use super::time::format_rfc3339;
use crate::rules::{Alert, Group, Rule, RuleEntry};
use crate::series::Matcher;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleGroups {
    groups: Vec<GroupJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupJson {
    name: String,
    file: String,
    rules: Vec<serde_json::Value>,
    interval: f64,
    limit: usize,
    evaluation_time: f64,
    last_evaluation: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertJson {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    state: &'static str,
    active_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    keep_firing_since: Option<String>,
    value: String,
}

struct Filters<'a> {
    kind: Option<&'static str>,
    names: Vec<&'a str>,
    groups: Vec<&'a str>,
    files: Vec<&'a str>,
    selectors: Vec<Vec<Matcher>>,
    exclude_alerts: bool,
}

pub async fn rules(
    State(state): State<ApiState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<RuleGroups> {
    let params = Params::from_request(&Method::GET, query.as_deref(), &headers, &Bytes::new());
    let filters = filters(&params)?;
    let (limit, next_token) = pagination(&params)?;
    let groups = state.rules.as_ref().map(|m| m.groups()).unwrap_or_default();
    let mut selected: Vec<(String, GroupJson)> = groups
        .iter()
        .filter(|g| filters.groups.is_empty() || filters.groups.contains(&g.name.as_str()))
        .filter(|g| filters.files.is_empty() || filters.files.contains(&g.file.as_str()))
        .filter_map(|g| group_json(g, &filters).map(|json| (group_token(g), json)))
        .collect();
    if let Some(token) = next_token {
        let start = selected.iter().position(|(t, _)| *t == token).ok_or_else(|| {
            ApiError::bad_data(format!("invalid group_next_token '{token}'. were rule groups changed?"))
        })?;
        selected.drain(..start);
    }
    let mut group_next_token = None;
    if let Some(limit) = limit
        && selected.len() > limit
    {
        group_next_token = Some(selected[limit].0.clone());
        selected.truncate(limit);
    }
    let groups = selected.into_iter().map(|(_, json)| json).collect();
    Ok(Success::new(RuleGroups { groups, group_next_token }))
}

/// `group_limit` and `group_next_token`, checked as Prometheus checks them.
fn pagination(params: &Params) -> Result<(Option<usize>, Option<String>), ApiError> {
    let limit = match params.get("group_limit").filter(|v| !v.is_empty()) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n > 0 => Some(n as usize),
            Ok(_) => return Err(ApiError::bad_data("group_limit needs to be greater than 0")),
            Err(e) => return Err(ApiError::bad_data(format!("group_limit needs to be a valid number: {e}"))),
        },
    };
    let token = params.get("group_next_token").filter(|v| !v.is_empty()).map(str::to_string);
    if token.is_some() && limit.is_none() {
        return Err(ApiError::bad_data("group_limit needs to be present in order to paginate over the groups"));
    }
    Ok((limit, token))
}

/// An opaque, stable token naming a group (its file and name hashed).
fn group_token(group: &Group) -> String {
    format!("{:x}", md5::compute(group.key().as_bytes()))
}

fn filters(params: &Params) -> Result<Filters<'_>, ApiError> {
    let kind = match params.get("type").unwrap_or("").to_ascii_lowercase().as_str() {
        "" => None,
        "alert" => Some("alerting"),
        "record" => Some("recording"),
        other => return Err(ApiError::bad_data(format!("invalid parameter \"type\": not supported value {other:?}"))),
    };
    let exclude_alerts = match params.get("exclude_alerts").map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => false,
        Some("1" | "t" | "true") => true,
        Some("0" | "f" | "false") => false,
        Some(other) => {
            return Err(ApiError::bad_data(format!(
                "invalid parameter \"exclude_alerts\": error converting exclude_alerts: strconv.ParseBool: parsing {other:?}: invalid syntax"
            )));
        }
    };
    let mut selectors = Vec::new();
    for text in params.all("match[]") {
        for set in parse_selector(text)? {
            if set.iter().all(|m| m.matches_empty()) {
                return Err(ApiError::bad_data("match[] must contain at least one non-empty matcher"));
            }
            selectors.push(set);
        }
    }
    Ok(Filters {
        kind,
        names: params.all("rule_name[]"),
        groups: params.all("rule_group[]"),
        files: params.all("file[]"),
        selectors,
        exclude_alerts,
    })
}

fn group_json(group: &Group, filters: &Filters<'_>) -> Option<GroupJson> {
    let rules: Vec<serde_json::Value> = group
        .rules
        .iter()
        .map(|entry| entry.lock().clone())
        .filter(|entry| wanted(&entry.rule, filters))
        .map(|entry| rule_json(&entry, filters.exclude_alerts))
        .collect();
    if rules.is_empty() {
        return None;
    }
    let status = group.status();
    Some(GroupJson {
        name: group.name.clone(),
        file: group.file.clone(),
        rules,
        interval: group.interval_ms as f64 / 1000.0,
        limit: group.limit,
        evaluation_time: status.evaluation_seconds,
        last_evaluation: time_or_zero(status.last_evaluation_ms),
    })
}

fn wanted(rule: &Rule, filters: &Filters<'_>) -> bool {
    let kind = match rule {
        Rule::Recording(_) => "recording",
        Rule::Alerting(_) => "alerting",
    };
    let labels = rule.labels();
    let label_matches = |m: &Matcher| m.matches(labels.get(&m.name).map(String::as_str).unwrap_or(""));
    filters.kind.is_none_or(|k| k == kind)
        && (filters.names.is_empty() || filters.names.contains(&rule.name()))
        && (filters.selectors.is_empty() || filters.selectors.iter().any(|set| set.iter().all(label_matches)))
}

fn rule_json(entry: &RuleEntry, exclude_alerts: bool) -> serde_json::Value {
    let mut json = match &entry.rule {
        Rule::Alerting(rule) => serde_json::json!({
            "state": rule.state().as_str(),
            "name": rule.name,
            "query": rule.query,
            "duration": rule.hold_ms as f64 / 1000.0,
            "keepFiringFor": rule.keep_firing_for_ms as f64 / 1000.0,
            "labels": rule.labels,
            "annotations": rule.annotations,
            "alerts": if exclude_alerts { None } else { Some(rule.active_alerts().iter().map(alert_json).collect::<Vec<_>>()) },
        }),
        Rule::Recording(rule) => serde_json::json!({ "name": rule.name, "query": rule.query, "labels": rule.labels }),
    };
    let object = json.as_object_mut().expect("an object");
    object.insert("health".into(), entry.health.as_str().into());
    if !entry.last_error.is_empty() {
        object.insert("lastError".into(), entry.last_error.clone().into());
    }
    object.insert("evaluationTime".into(), entry.evaluation_seconds.into());
    object.insert("lastEvaluation".into(), time_or_zero(entry.last_evaluation_ms).into());
    let kind = if matches!(entry.rule, Rule::Alerting(_)) { "alerting" } else { "recording" };
    object.insert("type".into(), kind.into());
    json
}

fn alert_json(alert: &Alert) -> AlertJson {
    AlertJson {
        labels: alert.labels.clone(),
        annotations: alert.annotations.clone(),
        state: alert.state.as_str(),
        active_at: format_rfc3339(alert.active_at),
        keep_firing_since: (alert.keep_firing_since != 0).then(|| format_rfc3339(alert.keep_firing_since)),
        value: go_exponent(alert.value),
    }
}

fn time_or_zero(millis: i64) -> String {
    match millis {
        0 => "0001-01-01T00:00:00Z".to_string(),
        _ => format_rfc3339(millis),
    }
}

/// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: `1e+00`, `1.5e+03`.
fn go_exponent(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let text = format!("{v:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

#[derive(Serialize)]
pub struct Alerts {
    alerts: Vec<AlertJson>,
}

pub async fn alerts(State(state): State<ApiState>) -> ApiResult<Alerts> {
    let mut alerts = Vec::new();
    for group in state.rules.as_ref().map(|m| m.groups()).unwrap_or_default() {
        for entry in &group.rules {
            if let Rule::Alerting(rule) = &entry.lock().rule {
                alerts.extend(rule.active_alerts().iter().map(alert_json));
            }
        }
    }
    Ok(Success::new(Alerts { alerts }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alertmanagers {
    active_alertmanagers: Vec<Url>,
    dropped_alertmanagers: Vec<Url>,
}

#[derive(Serialize)]
struct Url {
    url: String,
}

pub async fn alertmanagers(State(state): State<ApiState>) -> ApiResult<Alertmanagers> {
    let urls = state.notifier.as_ref().map(|n| n.alertmanagers()).unwrap_or_default();
    Ok(Success::new(Alertmanagers {
        active_alertmanagers: urls.active.into_iter().map(|url| Url { url }).collect(),
        dropped_alertmanagers: urls.dropped.into_iter().map(|url| Url { url }).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_go_exponents() {
        let cases = [
            (1.0, "1e+00"),
            (1500.0, "1.5e+03"),
            (0.00012, "1.2e-04"),
            (0.0, "0e+00"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Inf"),
            (1e100, "1e+100"),
        ];
        for (v, want) in cases {
            assert_eq!(go_exponent(v), want);
        }
    }
}
