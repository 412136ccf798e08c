//! The TSDB admin API (`--web.enable-admin-api`): snapshots, answered as
//! Prometheus answers them.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use serde::Serialize;

use super::ApiState;
use super::error::{ApiError, ErrorType};
use super::params::Params;
use super::response::{ApiResult, Success};

#[derive(Serialize)]
pub struct SnapshotName {
    name: String,
}

pub async fn snapshot(
    State(state): State<ApiState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<SnapshotName> {
    if !state.info.admin_enabled {
        return Err(ApiError { kind: ErrorType::Unavailable, message: "admin APIs disabled".into() });
    }
    let params = Params::from_request(&axum::http::Method::GET, query.as_deref(), &headers, &bytes::Bytes::new());
    let skip_head = matches!(params.get("skip_head"), Some("true" | "1"));
    let storage = state.storage.clone().ok_or_else(|| ApiError::unavailable("this node holds no TSDB"))?;
    let now = super::time::now_millis();
    let name = format!(
        "{}-{:016x}",
        super::time::compact_stamp(now),
        crate::series::hash_pairs([("snapshot", &*now.to_string())])
    );
    let snapshot_name = name.clone();
    tokio::task::spawn_blocking(move || storage.snapshot(&snapshot_name, !skip_head))
        .await
        .map_err(|e| ApiError::internal(format!("snapshot task failed: {e}")))?
        .map_err(|e| ApiError::internal(format!("create snapshot: {e}")))?;
    Ok(Success::new(SnapshotName { name }))
}
