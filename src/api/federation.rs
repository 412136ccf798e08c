//! On a query node, the APIs whose answers live on other nodes — targets
//! and metadata on the scrapers, rules and alerts on the rulers — ask every
//! live node of that role over its HTTP API and merge the answers, as
//! Mimir's ruler API gathers its shards. Each target carries the scraper
//! that owns it, each rule group the ruler that runs it. A node that does
//! not answer leaves a warning, not an error: the rest is still worth
//! showing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::ApiState;
use super::error::{ApiError, ErrorType};
use super::params::Params;
use super::response::{ApiResult, Success};
use crate::cluster::Member;
use crate::meta::{NodeState, Role};

/// How long a member may take to answer before it counts as missing.
const MEMBER_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Federation {
    member: Arc<Member>,
    client: reqwest::Client,
}

/// One member's `data`, by its address.
type Answers = Vec<(String, Value)>;

impl Federation {
    pub fn new(member: Arc<Member>) -> Self {
        let client = reqwest::Client::builder().timeout(MEMBER_TIMEOUT).build().unwrap_or_default();
        Federation { member, client }
    }

    /// The HTTP addresses of the live members with `role`; dead ones are
    /// named in the warnings.
    fn members(&self, role: Role, warnings: &mut Vec<String>) -> Vec<String> {
        let membership = self.member.membership();
        let mut addresses = Vec::new();
        for node in membership.state.nodes().filter(|node| node.roles.contains(&role)) {
            match node.state {
                NodeState::Dead => warnings.push(format!("{role} {} is dead: its part is missing", node.address)),
                _ => addresses.push(node.address.clone()),
            }
        }
        addresses.sort();
        addresses
    }

    /// `path?query` on every live member with `role`, at once.
    async fn gather(&self, role: Role, path: &str, query: Option<&str>) -> Result<(Answers, Vec<String>), ApiError> {
        let mut warnings = Vec::new();
        let addresses = self.members(role, &mut warnings);
        if addresses.is_empty() {
            warnings.push(format!("no {role} in the cluster"));
        }
        let calls = addresses.iter().map(|address| self.ask(address, path, query));
        let mut answers = Vec::new();
        for (address, outcome) in addresses.iter().zip(futures::future::join_all(calls).await) {
            match outcome {
                Ok(data) => answers.push((address.clone(), data)),
                Err(Failure::Refused(error)) => return Err(error),
                Err(Failure::Unreachable(reason)) => {
                    warnings.push(format!("{role} {address} did not answer: {reason}"))
                }
            }
        }
        Ok((answers, warnings))
    }

    async fn ask(&self, address: &str, path: &str, query: Option<&str>) -> Result<Value, Failure> {
        let url = match query {
            Some(query) if !query.is_empty() => format!("http://{address}{path}?{query}"),
            _ => format!("http://{address}{path}"),
        };
        let response = self.client.get(&url).send().await.map_err(|e| Failure::Unreachable(e.to_string()))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| Failure::Unreachable(format!("{status}: {e}")))?;
        let body: Value =
            serde_json::from_slice(&bytes).map_err(|e| Failure::Unreachable(format!("{status}: not JSON: {e}")))?;
        if body["status"] == "success" {
            return Ok(body["data"].clone());
        }
        let message = body["error"].as_str().unwrap_or("no error message").to_string();
        match body["errorType"].as_str() {
            // The request itself is wrong: every member would say so.
            Some("bad_data") => Err(Failure::Refused(ApiError { kind: ErrorType::BadData, message })),
            _ => Err(Failure::Unreachable(format!("{status}: {message}"))),
        }
    }
}

enum Failure {
    Refused(ApiError),
    Unreachable(String),
}

fn federation(state: &ApiState) -> &Federation {
    state.federation.as_deref().expect("federated routes are only served with a federation")
}

fn answer(data: Value, warnings: Vec<String>) -> Success<Value> {
    let mut success = Success::new(data);
    success.warnings = warnings;
    success
}

/// The array `data[key]` of every answer, each item tagged with the member
/// under `tag`.
fn concat(answers: &Answers, key: &str, tag: Option<&str>) -> Vec<Value> {
    let mut merged = Vec::new();
    for (address, data) in answers {
        for item in data[key].as_array().into_iter().flatten() {
            let mut item = item.clone();
            if let (Some(tag), Some(object)) = (tag, item.as_object_mut()) {
                object.insert(tag.to_string(), Value::String(address.clone()));
            }
            merged.push(item);
        }
    }
    merged
}

/// `/api/v1/targets`: every scraper's own targets. Every scraper relabels
/// every discovered target, so dropped ones are the same everywhere: they
/// are listed once.
pub async fn targets(State(state): State<ApiState>, RawQuery(query): RawQuery) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Scraper, "/api/v1/targets", query.as_deref()).await?;
    let active = concat(&answers, "activeTargets", Some("scraper"));
    let mut seen = BTreeSet::new();
    let dropped: Vec<Value> =
        concat(&answers, "droppedTargets", None).into_iter().filter(|target| seen.insert(target.to_string())).collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (_, data) in &answers {
        for (pool, count) in data["droppedTargetCounts"].as_object().into_iter().flatten() {
            let count = count.as_u64().unwrap_or(0);
            counts.entry(pool.clone()).and_modify(|seen| *seen = (*seen).max(count)).or_insert(count);
        }
    }
    let data = json!({"activeTargets": active, "droppedTargets": dropped, "droppedTargetCounts": counts});
    Ok(answer(data, warnings))
}

pub async fn scrape_pools(State(state): State<ApiState>) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Scraper, "/api/v1/scrape_pools", None).await?;
    let pools: BTreeSet<String> = concat(&answers, "scrapePools", None)
        .into_iter()
        .filter_map(|pool| pool.as_str().map(str::to_string))
        .collect();
    Ok(answer(json!({"scrapePools": pools}), warnings))
}

/// `/api/v1/targets/metadata`: every scraper's targets' metadata.
pub async fn targets_metadata(State(state): State<ApiState>, RawQuery(query): RawQuery) -> ApiResult<Value> {
    let (answers, warnings) =
        federation(&state).gather(Role::Scraper, "/api/v1/targets/metadata", query.as_deref()).await?;
    let mut merged: Vec<Value> = Vec::new();
    for (_, data) in &answers {
        merged.extend(data.as_array().into_iter().flatten().cloned());
    }
    if let Some(limit) = limit_of(query.as_deref(), "limit") {
        merged.truncate(limit);
    }
    Ok(answer(Value::Array(merged), warnings))
}

/// `/api/v1/metadata`: each metric's distinct metadata over all scrapers.
pub async fn metadata(State(state): State<ApiState>, RawQuery(query): RawQuery) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Scraper, "/api/v1/metadata", query.as_deref()).await?;
    let mut merged: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (_, data) in &answers {
        for (metric, entries) in data.as_object().into_iter().flatten() {
            let known = merged.entry(metric.clone()).or_default();
            for entry in entries.as_array().into_iter().flatten() {
                if !known.contains(entry) {
                    known.push(entry.clone());
                }
            }
        }
    }
    if let Some(per_metric) = limit_of(query.as_deref(), "limit_per_metric") {
        merged.values_mut().for_each(|entries| entries.truncate(per_metric));
    }
    let limit = limit_of(query.as_deref(), "limit").unwrap_or(usize::MAX);
    let data: Map<String, Value> = merged.into_iter().take(limit).map(|(k, v)| (k, Value::Array(v))).collect();
    Ok(answer(Value::Object(data), warnings))
}

/// `/api/v1/rules`: every ruler's groups (each runs a share of them).
pub async fn rules(State(state): State<ApiState>, RawQuery(query): RawQuery) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Ruler, "/api/v1/rules", query.as_deref()).await?;
    let mut groups = concat(&answers, "groups", Some("ruler"));
    groups.sort_by(|a, b| (a["file"].as_str(), a["name"].as_str()).cmp(&(b["file"].as_str(), b["name"].as_str())));
    Ok(answer(json!({"groups": groups}), warnings))
}

/// `/api/v1/alerts`: every ruler's active alerts.
pub async fn alerts(State(state): State<ApiState>) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Ruler, "/api/v1/alerts", None).await?;
    Ok(answer(json!({"alerts": concat(&answers, "alerts", None)}), warnings))
}

/// `/api/v1/alertmanagers`: the Alertmanagers the rulers send to.
pub async fn alertmanagers(State(state): State<ApiState>) -> ApiResult<Value> {
    let (answers, warnings) = federation(&state).gather(Role::Ruler, "/api/v1/alertmanagers", None).await?;
    let mut data = Map::new();
    for key in ["activeAlertmanagers", "droppedAlertmanagers"] {
        let mut seen = BTreeSet::new();
        let distinct: Vec<Value> =
            concat(&answers, key, None).into_iter().filter(|item| seen.insert(item.to_string())).collect();
        data.insert(key.to_string(), Value::Array(distinct));
    }
    Ok(answer(Value::Object(data), warnings))
}

/// A positive `name=N` of the query string (0 or absent: no limit).
fn limit_of(query: Option<&str>, name: &str) -> Option<usize> {
    let params = Params::from_request(&Method::GET, query, &HeaderMap::new(), &Bytes::new());
    params.get(name).and_then(|value| value.parse::<usize>().ok()).filter(|limit| *limit > 0)
}
