//! `POST /api/v1/write`: Prometheus remote write 1.0 and 2.0 into the
//! `Appender`. A request is acknowledged (204) only once the appender has its
//! samples in the WAL. Malformed requests and refused samples get 400 with a
//! message naming the problem, since retrying cannot help; failures of ours
//! get 503 with `Retry-After`, which Prometheus retries (it drops batches on
//! 429 unless told otherwise).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use parking_lot::Mutex;

use crate::series::{AppendBatch, AppendOutcome, Appender, ErrorCode, tenant_from_header};

use super::metrics;
use super::remote_write::{
    Decoder, EXEMPLARS_WRITTEN_HEADER, HISTOGRAMS_WRITTEN_HEADER, Protocol, SAMPLES_WRITTEN_HEADER,
    check_content_encoding, decompress,
};

struct WriteState {
    appender: Arc<dyn Appender>,
    max_decoded_bytes: usize,
    /// Decoders keep scratch vectors warm between requests.
    decoders: Mutex<Vec<Decoder>>,
}

/// The remote-write route; bodies are limited to `max_decoded_bytes`
/// decompressed (and what snappy could expand to that, compressed).
pub fn router(appender: Arc<dyn Appender>, max_decoded_bytes: usize) -> Router {
    let state = Arc::new(WriteState { appender, max_decoded_bytes, decoders: Mutex::new(Vec::new()) });
    crate::api::http_metrics::register();
    Router::new()
        .route("/api/v1/write", post(write))
        .route_layer(axum::middleware::from_fn(crate::api::http_metrics::track))
        // The handler reads the body with its own limit, to answer 400 naming it.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// The largest snappy block whose content can fit `decoded` bytes
/// (snappy's worst-case expansion, `32 + n + n/6`).
fn max_compressed(decoded: usize) -> usize {
    decoded.saturating_add(decoded / 6).saturating_add(32)
}

/// What a request ended with.
struct Answer {
    status: StatusCode,
    message: String,
    /// Samples stored, for the 2.0 `-Written` headers.
    written: u64,
}

impl Answer {
    fn error(status: StatusCode, message: impl Into<String>) -> Self {
        Answer { status, message: message.into(), written: 0 }
    }
}

async fn write(State(state): State<Arc<WriteState>>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let protocol = Protocol::from_content_type(headers.get(CONTENT_TYPE).map(|v| v.as_bytes()));
    let limit = max_compressed(state.max_decoded_bytes);
    let answer = match (&protocol, axum::body::to_bytes(body, limit).await) {
        (Err(e), _) => Answer::error(status(e.http_status()), e.to_string()),
        (Ok(_), Err(_)) => Answer::error(
            StatusCode::BAD_REQUEST,
            format!("request body exceeds the limit of {limit} bytes (--web.remote-write.max-decoded-bytes)"),
        ),
        (Ok(protocol), Ok(body)) => handle(&state, *protocol, &headers, &body).await,
    };
    metrics::REQUEST_SECONDS.observe(started.elapsed().as_secs_f64());
    let protocol_name = match protocol {
        Ok(Protocol::V2) => "2.0",
        _ => "1.0",
    };
    metrics::REQUESTS
        .get_or_create(&metrics::RequestLabels { protocol: protocol_name, code: answer.status.as_u16() })
        .inc();
    respond(answer, protocol_name == "2.0")
}

async fn handle(state: &WriteState, protocol: Protocol, headers: &HeaderMap, body: &[u8]) -> Answer {
    if let Err(e) = check_content_encoding(headers.get(CONTENT_ENCODING).map(|v| v.as_bytes())) {
        return Answer::error(status(e.http_status()), e.to_string());
    }
    let tenant = match tenant_from_header(headers.get("x-scope-orgid").map(|v| v.as_bytes())) {
        Ok(tenant) => tenant,
        Err(e) => return Answer::error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let mut buffer = Vec::new();
    let decoded = match decompress(body, state.max_decoded_bytes, &mut buffer) {
        Ok(decoded) => decoded,
        Err(e) => return Answer::error(status(e.http_status()), e.to_string()),
    };
    let mut decoder = state.decoders.lock().pop().unwrap_or_default();
    let mut batch = AppendBatch::new();
    let report = decoder.decode(protocol, decoded, &mut batch);
    state.decoders.lock().push(decoder);
    let report = match report {
        Ok(report) => report,
        Err(e) => return Answer::error(status(e.http_status()), e.to_string()),
    };
    metrics::SAMPLES_RECEIVED.inc_by(report.samples_accepted + report.samples_refused);
    metrics::SAMPLES_REFUSED.inc_by(report.samples_refused + report.histograms_refused);
    let outcome = match batch.is_empty() {
        true => AppendOutcome::default(),
        false => match state.appender.append(&tenant, &batch).await {
            Ok(outcome) => outcome,
            Err(e) => return storage_failure(e),
        },
    };
    metrics::SAMPLES_REFUSED.inc_by(outcome.samples_rejected);
    let written = outcome.samples_appended;
    if let Some(refusal) = report.refusal() {
        return Answer { status: StatusCode::BAD_REQUEST, message: refusal.to_string(), written };
    }
    if let Some(rejection) = outcome.first_rejection {
        let message =
            format!("{} of {} samples refused; first: {rejection}", outcome.samples_rejected, batch.sample_count());
        return Answer { status: StatusCode::BAD_REQUEST, message, written };
    }
    Answer { status: StatusCode::NO_CONTENT, message: String::new(), written }
}

fn storage_failure(e: crate::series::Error) -> Answer {
    let status = match e.code() {
        ErrorCode::BadData => StatusCode::BAD_REQUEST,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::error!(error = %e, "cannot store remote-write samples");
    }
    Answer::error(status, e.to_string())
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

fn respond(answer: Answer, v2: bool) -> Response {
    let mut response = match answer.status {
        StatusCode::NO_CONTENT => StatusCode::NO_CONTENT.into_response(),
        status => (status, format!("{}\n", answer.message)).into_response(),
    };
    let headers = response.headers_mut();
    if matches!(answer.status, StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS) {
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if v2 {
        let counts =
            [(SAMPLES_WRITTEN_HEADER, answer.written), (HISTOGRAMS_WRITTEN_HEADER, 0), (EXEMPLARS_WRITTEN_HEADER, 0)];
        for (name, count) in counts {
            if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
                headers.insert(name, HeaderValue::from(count));
            }
        }
    }
    response
}
