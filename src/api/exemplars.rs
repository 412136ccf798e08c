//! `/api/v1/query_exemplars`. Sonde does not store exemplars yet, so it
//! answers empty after checking its parameters as Prometheus does — clients
//! such as Grafana call it on every dashboard and must get a well-formed answer.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use super::ApiState;
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
    super::query::parse_query(expr)?;
    Ok(Success::new(Vec::new()))
}
