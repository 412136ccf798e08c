//! `/api/v1/query_exemplars` and `/api/v1/metadata`. Sonde stores neither
//! exemplars nor metric metadata yet, so both answer empty after checking
//! their parameters as Prometheus does — clients such as Grafana call them on
//! every dashboard and must get a well-formed answer.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use super::ApiState;
use super::error::ApiError;
use super::params::{Params, tenant};
use super::response::{ApiResult, Success};

pub async fn query_exemplars(
    State(_state): State<ApiState>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Vec<serde_json::Value>> {
    let params = Params::from_request(&method, query.as_deref(), &headers, &body);
    tenant(&headers)?;
    params.time_range()?;
    let expr = params.get("query").unwrap_or_default();
    crate::promql::parse(expr).map_err(|e| ApiError::bad_data(format!("invalid parameter \"query\": {e}")))?;
    Ok(Success::new(Vec::new()))
}

pub async fn metadata(
    State(_state): State<ApiState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<BTreeMap<String, Vec<serde_json::Value>>> {
    let params = Params::from_request(&Method::GET, query.as_deref(), &headers, &Bytes::new());
    tenant(&headers)?;
    for key in ["limit", "limit_per_metric"] {
        if let Some(text) = params.get(key).filter(|t| !t.is_empty()) {
            text.parse::<i64>()
                .map_err(|_| ApiError::bad_data(format!("invalid parameter \"{key}\": {text:?} is not a number")))?;
        }
    }
    Ok(Success::new(BTreeMap::new()))
}
