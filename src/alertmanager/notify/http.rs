//! What the HTTP integrations share, after upstream's notify/util.go: a
//! client from `http_config`, a JSON POST whose errors never show the URL
//! (webhook and Slack URLs are secrets; upstream's `RedactURL`), and the
//! `Retrier`: 2xx succeeds, 5xx and the integration's extra codes are
//! worth retrying, anything else is not.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::NotifyError;
use crate::config::HttpClientConfig;
use crate::httpclient::HttpClient;

/// Sent as User-Agent, where Alertmanager sends `Alertmanager/<version>`.
pub(crate) const USER_AGENT: &str = concat!("Sonde/", env!("CARGO_PKG_VERSION"));

/// Response bodies are read up to this size, for error details and checks.
const MAX_BODY_BYTES: usize = 64 << 10;

/// An error body is quoted in messages up to this size.
const MAX_DETAILS_BYTES: usize = 1024;

/// A response: status, content type and (the start of) the body.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The integration's client; `None` means the defaults (loading always
/// fills in the global `http_config`).
pub(crate) fn client(config: Option<&HttpClientConfig>) -> Result<HttpClient, String> {
    let config = config.cloned().unwrap_or_default();
    HttpClient::new(&config, USER_AGENT, false).map_err(|error| error.to_string())
}

/// POSTs `body` as `application/json`. Transport errors are retryable;
/// `timeout` bounds sending and reading, and `what` names the integration
/// in the timeout message ("configured webhook timeout reached (10s)").
pub(crate) async fn post_json(
    client: &HttpClient,
    url: &str,
    body: Vec<u8>,
    timeout: Option<(Duration, &str)>,
) -> Result<Response, NotifyError> {
    let exchange = exchange(client, url, body);
    match timeout {
        None => exchange.await,
        Some((limit, what)) => match tokio::time::timeout(limit, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(retryable(format!(
                "configured {what} timeout reached ({})",
                crate::config::Duration::from_milliseconds(limit.as_millis() as u64)
            ))),
        },
    }
}

async fn exchange(client: &HttpClient, url: &str, body: Vec<u8>) -> Result<Response, NotifyError> {
    let request = client
        .request(reqwest::Method::POST, url)
        .map_err(|error| retryable(error.to_string()))?
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    let mut response = request.send().await.map_err(|error| retryable(describe(error)))?;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string();
    let mut body = Vec::new();
    while body.len() < MAX_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => return Err(retryable(describe(error))),
        }
    }
    body.truncate(MAX_BODY_BYTES);
    Ok(Response { status, content_type, body })
}

/// A transport error with its causes, without the URL.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Upstream's `Retrier.Check`: `None` for 2xx; otherwise "unexpected
/// status code N" plus `details` when not empty, retryable for 5xx and
/// `retry_codes`.
pub(crate) fn check_status(status: u16, retry_codes: &[u16], details: &str) -> Result<(), NotifyError> {
    if status / 100 == 2 {
        return Ok(());
    }
    let mut message = format!("unexpected status code {status}");
    if !details.is_empty() {
        message.push_str(": ");
        message.push_str(details);
    }
    Err(NotifyError { retry: status / 100 == 5 || retry_codes.contains(&status), message })
}

/// The body as text for an error message, cut to a sane length.
pub(crate) fn body_details(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_DETAILS_BYTES {
        return text.into_owned();
    }
    let mut end = MAX_DETAILS_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

pub(crate) fn retryable(message: impl Into<String>) -> NotifyError {
    NotifyError { retry: true, message: message.into() }
}

pub(crate) fn permanent(message: impl Into<String>) -> NotifyError {
    NotifyError { retry: false, message: message.into() }
}

/// A secret read from a file on each notification, trimmed, as upstream
/// reads `*_file` settings.
pub(crate) fn read_secret_file(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map(|text| text.trim().to_string()).map_err(|error| format!("open {path}: {error}"))
}

/// Upstream's `TruncateInRunes`: at most `limit` characters, the last one
/// an ellipsis when text was cut.
pub(crate) fn truncate_chars(text: &str, limit: usize) -> (String, bool) {
    if text.chars().count() <= limit {
        return (text.to_string(), false);
    }
    if limit <= 3 {
        return (text.chars().take(limit).collect(), true);
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    (cut, true)
}
