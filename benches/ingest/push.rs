//! Sends the pre-encoded load to one receiver the way Prometheus' remote-write
//! queue manager does: a fixed number of keep-alive HTTP/1.1 connections,
//! retries with backoff on 5xx, 429 and connection errors, and any other
//! non-2xx answer counted as dropped samples (the remote-write 1.0
//! specification says 4xx must not be retried). Rounds go out in order: every
//! request of one scrape round is answered before the next round starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT};
use tokio::task::JoinSet;

use super::load::Request;

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// How to send.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Parallel connections (Prometheus' queue shards).
    pub concurrency: usize,
    /// Tries per request, the first included.
    pub max_attempts: u32,
    /// Wait before the first retry; grows linearly up to `MAX_BACKOFF`.
    pub backoff: Duration,
}

const MAX_BACKOFF: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How much of a rejection's response body to keep for the report.
const REASON_CHARS: usize = 300;

/// What happened while sending the whole load.
#[derive(Debug, Default, Clone)]
pub struct PushReport {
    pub wall: Duration,
    pub requests: u64,
    pub retries: u64,
    pub failed_requests: u64,
    pub failed_samples: u64,
    pub first_failure: Option<String>,
}

impl PushReport {
    fn merge(&mut self, other: PushReport) {
        self.requests += other.requests;
        self.retries += other.retries;
        self.failed_requests += other.failed_requests;
        self.failed_samples += other.failed_samples;
        self.first_failure = self.first_failure.take().or(other.first_failure);
    }

    fn fail(&mut self, samples: usize, reason: String) {
        self.failed_requests += 1;
        self.failed_samples += samples as u64;
        self.first_failure.get_or_insert(reason);
    }
}

/// One try's result.
enum Attempt {
    Accepted,
    Retryable(String),
    Rejected(String),
}

/// A client keeping up to `concurrency` idle keep-alive connections per host.
pub fn client(concurrency: usize) -> Result<reqwest::Client, PushError> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(REQUEST_TIMEOUT)
        // Loopback only: a proxy from the environment must not see this traffic.
        .no_proxy()
        .build()?;
    Ok(client)
}

/// Sends every round to `url` and times the whole push.
pub async fn push(
    client: &reqwest::Client,
    url: &str,
    rounds: &Arc<Vec<Vec<Request>>>,
    settings: &PushSettings,
) -> PushReport {
    let url: Arc<str> = Arc::from(url);
    let started = Instant::now();
    let mut report = PushReport::default();
    for round in 0..rounds.len() {
        report.merge(send_round(client, &url, rounds, round, settings).await);
    }
    report.wall = started.elapsed();
    report
}

/// Runs `concurrency` workers that take the round's requests in order.
async fn send_round(
    client: &reqwest::Client,
    url: &Arc<str>,
    rounds: &Arc<Vec<Vec<Request>>>,
    round: usize,
    settings: &PushSettings,
) -> PushReport {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..settings.concurrency.max(1) {
        let (client, url, rounds, next) = (client.clone(), url.clone(), rounds.clone(), next.clone());
        let settings = settings.clone();
        workers.spawn(async move {
            let mut report = PushReport::default();
            let requests = &rounds[round];
            while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                report.merge(send_with_retries(&client, &url, request, &settings).await);
            }
            report
        });
    }
    let mut report = PushReport::default();
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(worker) => report.merge(worker),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => report.fail(0, format!("a sender task was cancelled: {error}")),
        }
    }
    report
}

async fn send_with_retries(
    client: &reqwest::Client,
    url: &str,
    request: &Request,
    settings: &PushSettings,
) -> PushReport {
    let mut report = PushReport { requests: 1, ..PushReport::default() };
    let attempts = settings.max_attempts.max(1);
    for attempt in 1..=attempts {
        match send_once(client, url, request).await {
            Attempt::Accepted => return report,
            Attempt::Rejected(reason) => {
                report.fail(request.samples, reason);
                return report;
            }
            Attempt::Retryable(reason) if attempt == attempts => {
                report.fail(request.samples, format!("gave up after {attempts} attempts: {reason}"));
            }
            Attempt::Retryable(_) => {
                report.retries += 1;
                tokio::time::sleep((settings.backoff * attempt).min(MAX_BACKOFF)).await;
            }
        }
    }
    report
}

async fn send_once(client: &reqwest::Client, url: &str, request: &Request) -> Attempt {
    let sent = client
        .post(url)
        .header(CONTENT_ENCODING, "snappy")
        .header(CONTENT_TYPE, "application/x-protobuf")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .header(USER_AGENT, "sonde-ingest-bench")
        .body(request.body.clone())
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => return Attempt::Retryable(format!("cannot send: {}", error_chain(&error))),
    };
    let status = response.status();
    // Reading the body to the end lets the connection be reused.
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        Attempt::Accepted
    } else if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Attempt::Retryable(format!("{status}: {}", body.trim()))
    } else {
        let reason: String = body.trim().chars().take(REASON_CHARS).collect();
        Attempt::Rejected(format!("{status}: {reason}"))
    }
}

/// reqwest's own message hides the cause ("error sending request").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{TcpListener, TcpStream};

    /// What the scripted receiver saw: headers of each request and the
    /// number of connections accepted.
    #[derive(Default)]
    struct Seen {
        requests: Vec<Vec<String>>,
        connections: usize,
    }

    /// A receiver answering the statuses in `script` in order, then 204.
    async fn scripted_receiver(script: Vec<u16>) -> (String, Arc<Mutex<Seen>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1/write", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let state = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                state.lock().unwrap().connections += 1;
                tokio::spawn(serve(stream, state.clone(), script.clone()));
            }
        });
        (url, seen)
    }

    async fn serve(stream: TcpStream, seen: Arc<Mutex<Seen>>, script: Arc<Mutex<std::vec::IntoIter<u16>>>) {
        let mut reader = BufReader::new(stream);
        loop {
            let mut headers = Vec::new();
            let mut line = String::new();
            while reader.read_line(&mut line).await.unwrap_or(0) > 2 {
                headers.push(line.trim().to_ascii_lowercase());
                line.clear();
            }
            if headers.is_empty() {
                return;
            }
            let length =
                headers.iter().find_map(|h| h.strip_prefix("content-length: ")).map_or(0, |n| n.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            seen.lock().unwrap().requests.push(headers);
            let status = script.lock().unwrap().next().unwrap_or(204);
            // 204 carries no body; a body there would make the client drop the connection.
            let body = if status == 204 { "" } else { "answer!" };
            let answer = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: {}\r\n\r\n{body}", body.len());
            reader.get_mut().write_all(answer.as_bytes()).await.unwrap();
        }
    }

    fn rounds(requests_per_round: &[usize]) -> Arc<Vec<Vec<Request>>> {
        let request = Request { body: bytes::Bytes::from_static(b"not really snappy"), samples: 10 };
        Arc::new(requests_per_round.iter().map(|n| vec![request.clone(); *n]).collect())
    }

    fn settings(concurrency: usize) -> PushSettings {
        PushSettings { concurrency, max_attempts: 3, backoff: Duration::from_millis(1) }
    }

    #[tokio::test]
    async fn sends_remote_write_headers_over_reused_connections() {
        let (url, seen) = scripted_receiver(vec![]).await;
        let client = client(2).unwrap();
        let report = push(&client, &url, &rounds(&[5, 5, 5]), &settings(2)).await;
        assert_eq!((report.requests, report.retries, report.failed_samples), (15, 0, 0));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.requests.len(), 15);
        assert!(seen.connections <= 2, "{} connections", seen.connections);
        for wanted in [
            "content-encoding: snappy",
            "content-type: application/x-protobuf",
            "x-prometheus-remote-write-version: 0.1.0",
        ] {
            assert!(seen.requests[0].iter().any(|h| h == wanted), "missing {wanted}");
        }
    }

    #[tokio::test]
    async fn retries_server_errors_and_counts_them() {
        let (url, seen) = scripted_receiver(vec![503, 500]).await;
        let report = push(&client(1).unwrap(), &url, &rounds(&[2]), &settings(1)).await;
        assert_eq!((report.requests, report.retries, report.failed_samples), (2, 2, 0));
        assert_eq!(seen.lock().unwrap().requests.len(), 4);
    }

    #[tokio::test]
    async fn client_errors_drop_samples_without_retry() {
        let (url, seen) = scripted_receiver(vec![400]).await;
        let report = push(&client(1).unwrap(), &url, &rounds(&[3]), &settings(1)).await;
        assert_eq!((report.retries, report.failed_requests, report.failed_samples), (0, 1, 10));
        assert_eq!(report.first_failure.as_deref(), Some("400 Bad Request: answer!"));
        assert_eq!(seen.lock().unwrap().requests.len(), 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_last_attempt() {
        let (url, _) = scripted_receiver(vec![500; 10]).await;
        let report = push(&client(1).unwrap(), &url, &rounds(&[1]), &settings(1)).await;
        assert_eq!((report.retries, report.failed_samples), (2, 10));
        assert!(report.first_failure.unwrap().starts_with("gave up after 3 attempts: 500"));
    }

    #[tokio::test]
    async fn connection_refused_is_retried_then_reported() {
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/api/v1/write");
        let report = push(&client(1).unwrap(), &url, &rounds(&[1]), &settings(1)).await;
        assert_eq!((report.retries, report.failed_samples), (2, 10));
        assert!(report.first_failure.unwrap().contains("cannot send"));
    }
}
