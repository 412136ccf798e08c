//! Alertmanager's HTTP API v2 (api/v2/openapi.yaml), shaped exactly as
//! upstream's so that amtool, Prometheus and Grafana work against it, plus
//! `/-/healthy`, `/-/ready`, `/-/reload` and `/metrics`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::alert::{Alert, format_api_time, now_nanos};
use super::api_types::{PostableAlert, PostableSilence, alert_json, group_json, silence_json};
use super::matcher::Matcher;
use super::matcher_parse::parse_matcher;
use super::metrics::{METRICS, StatusLabel};
use super::service::Alertmanager;
use super::silence::SilenceError;

/// The Alertmanager release whose API and behaviour Sonde follows, given
/// as the version (amtool warns when its own version differs); Sonde's own
/// version is in `revision`.
pub const ALERTMANAGER_VERSION: &str = "0.25.0";

pub type ReloadHook = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct ApiState {
    pub alertmanager: Arc<Alertmanager>,
    pub reload: ReloadHook,
}

pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/api/v2/status", get(status))
        .route("/api/v2/receivers", get(receivers))
        .route("/api/v2/alerts", get(list_alerts).post(post_alerts))
        .route("/api/v2/alerts/groups", get(list_groups))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route("/api/v2/silence/{id}", get(get_silence).delete(delete_silence))
        .route("/-/healthy", get(|| async { "OK" }).head(|| async {}))
        .route("/-/ready", get(|| async { "OK" }).head(|| async {}))
        .route("/-/reload", post(reload).put(reload))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Upstream's error bodies are JSON strings.
fn error(code: StatusCode, message: impl Into<String>) -> Response {
    (code, axum::Json(Value::String(message.into()))).into_response()
}

async fn status(State(state): State<ApiState>) -> Response {
    let am = &state.alertmanager;
    let original = am.config().map(|(_, text)| text).unwrap_or_default();
    let cluster = match am.peers.cluster_status() {
        None => json!({"status": "disabled"}),
        Some(cluster) => json!({
            "name": cluster.name,
            "status": cluster.status,
            "peers": cluster.peers.iter().map(|(name, address)| json!({"name": name, "address": address})).collect::<Vec<_>>(),
        }),
    };
    axum::Json(json!({
        "cluster": cluster,
        "config": {"original": original},
        "uptime": format_api_time(Some(am.started_at)),
        "versionInfo": {
            "branch": "sonde",
            "buildDate": "",
            "buildUser": "sonde",
            "goVersion": "none (Sonde is written in Rust)",
            "revision": concat!("sonde-", env!("CARGO_PKG_VERSION")),
            "version": ALERTMANAGER_VERSION,
        },
    }))
    .into_response()
}

async fn receivers(State(state): State<ApiState>) -> Response {
    let names: Vec<Value> = match state.alertmanager.config() {
        Some((config, _)) => config.receivers.iter().map(|receiver| json!({"name": receiver.name})).collect(),
        None => Vec::new(),
    };
    axum::Json(names).into_response()
}

/// The filters of `GET /alerts` and `GET /alerts/groups`.
struct AlertFilter {
    active: bool,
    silenced: bool,
    inhibited: bool,
    matchers: Vec<Matcher>,
    receiver: Option<regex::Regex>,
}

impl AlertFilter {
    fn parse(query: Option<&str>) -> Result<AlertFilter, String> {
        let mut filter =
            AlertFilter { active: true, silenced: true, inhibited: true, matchers: Vec::new(), receiver: None };
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let flag =
                || value.parse::<bool>().map_err(|_| format!("{name} in query must be of type boolean: {value:?}"));
            match name.as_ref() {
                "active" => filter.active = flag()?,
                "silenced" => filter.silenced = flag()?,
                "inhibited" => filter.inhibited = flag()?,
                "unprocessed" => {
                    flag()?;
                }
                "filter" => filter.matchers.push(parse_matcher(&value).map_err(|error| error.to_string())?),
                "receiver" => {
                    let pattern = format!("^(?:{value})$");
                    filter.receiver = Some(
                        regex::Regex::new(&pattern)
                            .map_err(|error| format!("failed to parse receiver param: {error}"))?,
                    );
                }
                _ => {}
            }
        }
        Ok(filter)
    }

    /// The alert as the API shows it, or `None` when the filter drops it.
    fn apply(&self, am: &Alertmanager, alert: &Alert, now: i64) -> Option<Value> {
        if alert.resolved_at(now) || !self.matchers.iter().all(|matcher| matcher.matches_labels(&alert.labels)) {
            return None;
        }
        let status = am.status_of(&alert.labels);
        if (!self.active && status.state() == "active")
            || (!self.silenced && !status.silenced_by.is_empty())
            || (!self.inhibited && !status.inhibited_by.is_empty())
        {
            return None;
        }
        let receivers = am.receivers_of(&alert.labels);
        if let Some(pattern) = &self.receiver
            && !receivers.iter().any(|name| pattern.is_match(name))
        {
            return None;
        }
        Some(alert_json(alert, &status, &receivers))
    }
}

async fn list_alerts(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let filter = match AlertFilter::parse(query.as_deref()) {
        Ok(filter) => filter,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let am = &state.alertmanager;
    let now = now_nanos();
    let mut alerts = am.alerts.list();
    alerts.sort_by_key(|alert| alert.fingerprint());
    let shown: Vec<Value> = alerts.iter().filter_map(|alert| filter.apply(am, alert, now)).collect();
    axum::Json(shown).into_response()
}

async fn list_groups(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let filter = match AlertFilter::parse(query.as_deref()) {
        Ok(filter) => filter,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let am = &state.alertmanager;
    let now = now_nanos();
    let mut groups = Vec::new();
    for group in am.groups() {
        if let Some(pattern) = &filter.receiver
            && !pattern.is_match(&group.route.receiver)
        {
            continue;
        }
        let alerts: Vec<Value> = group.alerts().iter().filter_map(|alert| filter.apply(am, alert, now)).collect();
        if !alerts.is_empty() {
            groups.push(group_json(&group.labels, &group.route.receiver, alerts));
        }
    }
    axum::Json(groups).into_response()
}

async fn post_alerts(State(state): State<ApiState>, body: Bytes) -> Response {
    let posted: Vec<PostableAlert> = match serde_json::from_slice(&body) {
        Ok(posted) => posted,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("parsing alerts: {e}")),
    };
    let am = &state.alertmanager;
    let now = now_nanos();
    let resolve_timeout = am.resolve_timeout().as_nanos() as i64;
    let mut valid = Vec::with_capacity(posted.len());
    let mut errors = Vec::new();
    for alert in posted {
        match alert.into_alert(now, resolve_timeout) {
            Ok(alert) => {
                let status = if alert.resolved_at(now) { "resolved" } else { "firing" };
                METRICS.alerts_received.get_or_create(&StatusLabel { status: status.into() }).inc();
                valid.push(alert);
            }
            Err(message) => {
                METRICS.alerts_invalid.inc();
                errors.push(message);
            }
        }
    }
    am.put_alerts(valid);
    if errors.is_empty() { StatusCode::OK.into_response() } else { error(StatusCode::BAD_REQUEST, errors.join("; ")) }
}

async fn list_silences(State(state): State<ApiState>, RawQuery(query): RawQuery) -> Response {
    let mut filter = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name == "filter" {
            match parse_matcher(&value) {
                Ok(matcher) => filter.push(matcher),
                Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
            }
        }
    }
    let now = now_nanos();
    let silences: Vec<Value> = state
        .alertmanager
        .silences
        .list(now)
        .iter()
        .filter(|silence| silence.matches_filter(&filter))
        .map(|silence| silence_json(silence, now))
        .collect();
    axum::Json(silences).into_response()
}

async fn post_silence(State(state): State<ApiState>, body: Bytes) -> Response {
    let posted: PostableSilence = match serde_json::from_slice(&body) {
        Ok(posted) => posted,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("parsing silence: {e}")),
    };
    let silence = match posted.into_silence() {
        Ok(silence) => silence,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let am = &state.alertmanager;
    match am.silences.set(silence, now_nanos()).await {
        Ok(id) => {
            if let Some(stored) = am.silences.get(&id) {
                am.peers.share_silence(&stored);
            }
            axum::Json(json!({"silenceID": id})).into_response()
        }
        Err(SilenceError::NotFound) => error(StatusCode::NOT_FOUND, "silence not found"),
        Err(SilenceError::Invalid(message)) => error(StatusCode::BAD_REQUEST, message),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn get_silence(State(state): State<ApiState>, Path(id): Path<String>) -> Response {
    match state.alertmanager.silences.get(&id) {
        Some(silence) => axum::Json(silence_json(&silence, now_nanos())).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete_silence(State(state): State<ApiState>, Path(id): Path<String>) -> Response {
    let am = &state.alertmanager;
    match am.silences.expire(&id, now_nanos()).await {
        Ok(()) => {
            if let Some(stored) = am.silences.get(&id) {
                am.peers.share_silence(&stored);
            }
            StatusCode::OK.into_response()
        }
        Err(SilenceError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn reload(State(state): State<ApiState>) -> Response {
    match (state.reload)().await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(message) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("failed to reload config: {message}")).into_response()
        }
    }
}

async fn metrics() -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], crate::telemetry::render())
        .into_response()
}
