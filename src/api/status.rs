//! `/api/v1/status/*`: build information, flags, configuration, runtime
//! information and TSDB statistics, shaped as Prometheus answers them.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use serde::Serialize;

use super::ApiState;
use super::error::ApiError;
use super::params::{Params, tenant};
use super::response::{ApiResult, Success};
use crate::series::Queryable as _;

/// The Prometheus API level Sonde answers as; Grafana reads it to decide
/// which features to use.
pub const PROMETHEUS_API_VERSION: &str = "3.0.0";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    version: &'static str,
    revision: String,
    branch: &'static str,
    build_user: &'static str,
    build_date: &'static str,
    go_version: &'static str,
    application: String,
}

pub async fn build_info() -> ApiResult<BuildInfo> {
    Ok(Success::new(BuildInfo {
        version: PROMETHEUS_API_VERSION,
        revision: format!("sonde-{}", env!("CARGO_PKG_VERSION")),
        branch: "main",
        build_user: "",
        build_date: "",
        go_version: "none (Rust)",
        application: format!("Sonde {}", env!("CARGO_PKG_VERSION")),
    }))
}

pub async fn flags(State(state): State<ApiState>) -> ApiResult<BTreeMap<String, String>> {
    Ok(Success::new(state.info.flags.clone()))
}

#[derive(Serialize)]
pub struct ConfigText {
    yaml: String,
}

pub async fn config(State(state): State<ApiState>) -> ApiResult<ConfigText> {
    Ok(Success::new(ConfigText { yaml: state.info.config_text.read().clone() }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    start_time: String,
    #[serde(rename = "CWD")]
    cwd: String,
    reload_config_success: bool,
    last_config_time: String,
    storage_retention: String,
    hostname: String,
    server_time: String,
    /// Tasks alive on the runtime, where Prometheus counts goroutines.
    goroutine_count: usize,
    /// The runtime's worker threads, where Prometheus reports GOMAXPROCS.
    #[serde(rename = "GOMAXPROCS")]
    gomaxprocs: usize,
}

pub async fn runtime_info(State(state): State<ApiState>) -> ApiResult<RuntimeInfo> {
    let reload = state.info.last_reload.read().clone();
    let runtime = tokio::runtime::Handle::current().metrics();
    Ok(Success::new(RuntimeInfo {
        start_time: super::time::format_rfc3339(state.info.start_millis),
        cwd: std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
        reload_config_success: reload.0,
        last_config_time: super::time::format_rfc3339(reload.1),
        storage_retention: state.info.flags.get("storage.tsdb.retention.time").cloned().unwrap_or_default(),
        hostname: crate::host::name().unwrap_or_default(),
        server_time: super::time::format_rfc3339(super::time::now_millis()),
        goroutine_count: runtime.num_alive_tasks(),
        gomaxprocs: runtime.num_workers(),
    }))
}

#[derive(Serialize)]
pub struct NameValue {
    name: String,
    value: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeadStats {
    num_series: u64,
    num_label_pairs: u64,
    chunk_count: u64,
    min_time: i64,
    max_time: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TsdbStatus {
    head_stats: HeadStats,
    series_count_by_metric_name: Vec<NameValue>,
    label_value_count_by_label_name: Vec<NameValue>,
    memory_in_bytes_by_label_name: Vec<NameValue>,
    series_count_by_label_value_pair: Vec<NameValue>,
}

pub async fn tsdb(
    State(state): State<ApiState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<TsdbStatus> {
    let params = Params::from_request(&axum::http::Method::GET, query.as_deref(), &headers, &bytes::Bytes::new());
    let limit = match params.limit()? {
        0 => 10,
        n => n,
    };
    let tenant = tenant(&headers)?;
    // The local head where this node holds one; the storage nodes' heads
    // merged on a query node.
    let status = match (&state.storage, &state.query) {
        (Some(storage), _) => storage.tsdb_status(&tenant, limit).await,
        (None, Some(query)) => query.queryable.tsdb_status(&tenant, limit).await,
        (None, None) => return Err(ApiError::unavailable("this node holds no TSDB and answers no queries")),
    };
    let status = status.map_err(ApiError::from)?;
    let to_list = |v: Vec<(String, u64)>| v.into_iter().map(|(name, value)| NameValue { name, value }).collect();
    Ok(Success::new(TsdbStatus {
        head_stats: HeadStats {
            num_series: status.num_series,
            num_label_pairs: status.num_label_pairs,
            chunk_count: status.chunk_count,
            min_time: status.min_time,
            max_time: status.max_time,
        },
        series_count_by_metric_name: to_list(status.series_count_by_metric_name),
        label_value_count_by_label_name: to_list(status.label_value_count_by_label_name),
        memory_in_bytes_by_label_name: to_list(status.memory_in_bytes_by_label_name),
        series_count_by_label_value_pair: to_list(status.series_count_by_label_value_pair),
    }))
}

/// `/api/v1/status/cluster`: members, roles, states, the meta group's
/// leader, term and indexes, and the scrapers' target counts. A single node
/// reports itself as the one member of a one-node cluster.
pub async fn cluster(State(state): State<ApiState>) -> ApiResult<serde_json::Value> {
    if let Some(cluster) = &state.cluster {
        return Ok(Success::new(cluster().await));
    }
    let address = state.info.flags.get("web.listen-address").cloned().unwrap_or_default();
    Ok(Success::new(serde_json::json!({
        "mode": "single",
        "frozen": false,
        "meta": null,
        "members": [{
            "id": 0,
            "roles": ["all"],
            "address": address,
            "zone": "",
            "state": "active",
        }],
    })))
}
