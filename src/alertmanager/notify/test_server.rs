//! A fake HTTP endpoint for integration tests: records every request and
//! answers each with the same canned response; and the alerts and context
//! the tests notify about.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use parking_lot::Mutex;

use crate::alertmanager::alert::Alert;
use crate::alertmanager::labels::LabelSet;

use super::NotifyContext;

#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

struct Shared {
    requests: Vec<Recorded>,
    reply: (u16, &'static str, String),
}

pub(crate) struct FakeServer {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeServer {
    /// A server answering `status` with `body` of `content_type`.
    pub(crate) async fn start(status: u16, content_type: &'static str, body: &str) -> FakeServer {
        let reply = (status, content_type, body.to_string());
        let shared = Arc::new(Mutex::new(Shared { requests: Vec::new(), reply }));
        let router = Router::new().fallback(record).with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake server");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        FakeServer { url, shared }
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    pub(crate) fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        requests[0].clone()
    }
}

async fn record(
    State(shared): State<Arc<Mutex<Shared>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut shared = shared.lock();
    let body = String::from_utf8_lossy(&body).into_owned();
    shared.requests.push(Recorded { method: method.to_string(), path: uri.to_string(), headers, body });
    let (status, content_type, body) = shared.reply.clone();
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

pub(crate) fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
}

/// 2024-01-02T03:04:05.5Z in nanoseconds.
pub(crate) const STARTS_AT: i64 = 1_704_164_645_500_000_000;
/// The flush instant of test notifications, ten minutes later.
pub(crate) const NOW: i64 = STARTS_AT + 600_000_000_000;

/// A firing alert (`ends_at` in the future) or a resolved one.
pub(crate) fn alert(pairs: &[(&str, &str)], annotations: &[(&str, &str)], resolved: bool) -> Alert {
    Alert {
        labels: labels(pairs),
        annotations: labels(annotations),
        starts_at: STARTS_AT,
        ends_at: Some(if resolved { NOW - 60_000_000_000 } else { NOW + 240_000_000_000 }),
        generator_url: "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0".to_string(),
        updated_at: NOW,
        timeout: true,
    }
}

pub(crate) fn context(group_labels: &[(&str, &str)]) -> NotifyContext {
    NotifyContext {
        receiver: "team.ops".to_string(),
        group_key: "{}:{alertname=\"Down\"}".to_string(),
        group_labels: labels(group_labels),
        external_url: "http://am.example:9093".to_string(),
        now: NOW,
    }
}
