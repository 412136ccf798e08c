//! The Prometheus HTTP API v1 and the lifecycle endpoints, over the seams:
//! any `Queryable` and `Appender` (the local TSDB in `sonde all`, the
//! cluster clients later).

mod admin;
mod ast;
mod error;
mod exemplars;
mod federation;
pub mod http_metrics;
mod lifecycle;
mod params;
mod query;
mod response;
mod rules;
mod series;
mod status;
mod targets;
pub mod time;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::Router;
use axum::routing::{get, post};
use parking_lot::RwLock;

pub use error::{ApiError, ErrorType};
pub use federation::Federation;
pub use params::{Params, parse_selector, tenant};
pub use response::{ApiResult, Success};

use crate::series::Queryable;
use crate::tsdb::Storage;

/// What the API reports about the node it runs on.
pub struct NodeInfo {
    /// Flags under Prometheus' names, for `/api/v1/status/flags`.
    pub flags: BTreeMap<String, String>,
    pub config_text: RwLock<String>,
    /// Whether the last (re)load succeeded, and when (ms).
    pub last_reload: RwLock<(bool, i64)>,
    pub start_millis: i64,
    pub ready: AtomicBool,
    pub admin_enabled: bool,
}

/// A configuration reload in progress; its error says why the old config stays.
pub type ReloadFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

/// Hooks for `/-/reload` and `/-/quit`, present with `--web.enable-lifecycle`.
pub struct Lifecycle {
    pub reload: Box<dyn Fn() -> ReloadFuture + Send + Sync>,
    pub shutdown: Arc<tokio::sync::Notify>,
}

/// The query side of the API, on nodes that answer queries.
#[derive(Clone)]
pub struct QueryApi {
    pub queryable: Arc<dyn Queryable>,
    pub engine: Arc<crate::promql::Engine>,
}

/// The cluster status as JSON (`/api/v1/status/cluster`), on cluster nodes.
pub type ClusterStatusFn =
    Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = serde_json::Value> + Send>> + Send + Sync>;

#[derive(Clone)]
pub struct ApiState {
    /// None on nodes that answer no queries (a cluster scraper).
    pub query: Option<QueryApi>,
    /// The local TSDB, for its status page and admin API.
    pub storage: Option<Arc<Storage>>,
    pub info: Arc<NodeInfo>,
    pub lifecycle: Option<Arc<Lifecycle>>,
    /// The scrape manager, where this node scrapes.
    pub scrape: Option<Arc<crate::scrape::ScrapeManager>>,
    /// The rule manager, where this node evaluates rules.
    pub rules: Option<Arc<crate::rules::RuleManager>>,
    /// Where alerts go, where this node sends them.
    pub notifier: Option<Arc<crate::notifier::Notifier>>,
    /// None on a single node.
    pub cluster: Option<ClusterStatusFn>,
    /// On a query node: targets, metadata, rules and alerts gathered from
    /// the scrapers and rulers.
    pub federation: Option<Arc<Federation>>,
}

impl ApiState {
    /// The query side, or the error a node without one answers.
    pub fn query(&self) -> Result<&QueryApi, ApiError> {
        self.query.as_ref().ok_or_else(|| ApiError {
            kind: ErrorType::Unavailable,
            message: "this node answers no queries: ask a query node".to_string(),
        })
    }
}

/// Every route this module serves.
pub fn router(state: ApiState) -> Router {
    http_metrics::register();
    let gathered = if state.federation.is_some() { federated_routes() } else { local_routes() };
    Router::new()
        .merge(gathered)
        .route("/api/v1/query", get(query::instant).post(query::instant))
        .route("/api/v1/query_range", get(query::range).post(query::range))
        .route("/api/v1/format_query", get(ast::format_query).post(ast::format_query))
        .route("/api/v1/parse_query", get(ast::parse_query).post(ast::parse_query))
        .route("/api/v1/query_exemplars", get(exemplars::query_exemplars).post(exemplars::query_exemplars))
        .route("/api/v1/series", get(series::series).post(series::series))
        .route("/api/v1/labels", get(series::label_names).post(series::label_names))
        .route("/api/v1/label/{name}/values", get(series::label_values))
        .route("/api/v1/status/buildinfo", get(status::build_info))
        .route("/api/v1/status/flags", get(status::flags))
        .route("/api/v1/status/config", get(status::config))
        .route("/api/v1/status/runtimeinfo", get(status::runtime_info))
        .route("/api/v1/status/tsdb", get(status::tsdb))
        .route("/api/v1/status/cluster", get(status::cluster))
        .route("/api/v1/admin/tsdb/snapshot", post(admin::snapshot).put(admin::snapshot))
        .route("/-/healthy", get(lifecycle::healthy).head(lifecycle::healthy))
        .route("/-/ready", get(lifecycle::ready).head(lifecycle::ready))
        .route("/-/reload", post(lifecycle::reload).put(lifecycle::reload))
        .route("/-/quit", post(lifecycle::quit).put(lifecycle::quit))
        .route("/metrics", get(lifecycle::metrics))
        .route_layer(axum::middleware::from_fn(http_metrics::track))
        .with_state(state)
}

/// Targets, metadata, rules and alerts of this node.
fn local_routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/metadata", get(targets::metadata))
        .route("/api/v1/targets", get(targets::targets))
        .route("/api/v1/targets/metadata", get(targets::targets_metadata))
        .route("/api/v1/scrape_pools", get(targets::scrape_pools))
        .route("/api/v1/rules", get(rules::rules))
        .route("/api/v1/alerts", get(rules::alerts))
        .route("/api/v1/alertmanagers", get(rules::alertmanagers))
}

/// The same paths, answered by the scrapers and rulers of the cluster.
fn federated_routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/metadata", get(federation::metadata))
        .route("/api/v1/targets", get(federation::targets))
        .route("/api/v1/targets/metadata", get(federation::targets_metadata))
        .route("/api/v1/scrape_pools", get(federation::scrape_pools))
        .route("/api/v1/rules", get(federation::rules))
        .route("/api/v1/alerts", get(federation::alerts))
        .route("/api/v1/alertmanagers", get(federation::alertmanagers))
}
