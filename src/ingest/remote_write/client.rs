//! An `Appender` that forwards each batch to a remote write 1.0 endpoint
//! (Sonde, Prometheus, VictoriaMetrics, …). A cluster scraper uses it to hand
//! its samples to the storage tier until the distributor replaces it.
//!
//! A batch is acknowledged only when the receiver answered 2xx: server
//! errors, 429 and connection failures are retried with backoff until
//! `give_up_after`, then the append fails and the caller (the scrape loop)
//! reports it. 4xx answers other than 429 are the sender's fault and are
//! not retried, as Prometheus' queue manager does.

use std::time::Duration;

use crate::series::{AppendBatch, AppendOutcome, Appender, Error};
use crate::storage::convert::encode_write_request;
use async_trait::async_trait;

use super::encode::compress;

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

pub struct RemoteWriteClient {
    url: String,
    http: reqwest::Client,
    give_up_after: Duration,
}

impl RemoteWriteClient {
    pub fn new(url: &str, timeout: Duration, give_up_after: Duration) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid remote write URL {url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("invalid remote write URL {url:?}: the scheme must be http or https"));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(format!("Sonde/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the remote write client: {e}"))?;
        Ok(RemoteWriteClient { url: url.to_string(), http, give_up_after })
    }

    async fn post(&self, body: Vec<u8>) -> Result<(), Error> {
        let started = tokio::time::Instant::now();
        let mut backoff = FIRST_BACKOFF;
        loop {
            let response = self
                .http
                .post(&self.url)
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .body(body.clone())
                .send()
                .await;
            let retryable = match response {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    let message = format!("remote write to {} answered {status}: {}", self.url, text.trim());
                    if !(status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS) {
                        return Err(Error::BadData(message));
                    }
                    message
                }
                Err(e) => format!("remote write to {} failed: {e}", self.url),
            };
            if started.elapsed() + backoff > self.give_up_after {
                return Err(Error::Unavailable(retryable));
            }
            tracing::debug!(error = %retryable, ?backoff, "retrying remote write");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

#[async_trait]
impl Appender for RemoteWriteClient {
    async fn append(&self, _tenant: &str, batch: &AppendBatch<'_>) -> Result<AppendOutcome, Error> {
        if batch.is_empty() {
            return Ok(AppendOutcome::default());
        }
        let all: Vec<usize> = (0..batch.series_count()).collect();
        let body = compress(&encode_write_request(batch, &all));
        self.post(body).await?;
        Ok(AppendOutcome { samples_appended: batch.sample_count() as u64, ..AppendOutcome::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Sample;

    #[test]
    fn batches_become_remote_write_requests_and_staleness_survives() {
        use super::super::proto::prometheus;
        use prost::Message;
        let stale = f64::from_bits(0x7ff0_0000_0000_0002);
        let mut batch = AppendBatch::new();
        batch.push_series(&[("__name__", "up"), ("job", "a")], &[Sample::new(1000, 1.0), Sample::new(2000, stale)]);
        batch.push_series(&[("__name__", "x")], &[Sample::new(3000, 2.5)]);
        let decoded = prometheus::WriteRequest::decode(encode_write_request(&batch, &[0, 1]).as_slice()).unwrap();
        assert_eq!(decoded.timeseries.len(), 2);
        assert_eq!(decoded.timeseries[0].labels[1].value, "a");
        assert_eq!(decoded.timeseries[0].samples[1].value.to_bits(), stale.to_bits());
        assert_eq!(decoded.timeseries[1].samples[0].timestamp, 3000);
    }

    #[test]
    fn bad_urls_are_refused_with_the_reason() {
        let error = RemoteWriteClient::new("ftp://x/api", Duration::from_secs(1), Duration::from_secs(1)).err();
        assert_eq!(error.unwrap(), "invalid remote write URL \"ftp://x/api\": the scheme must be http or https");
        assert!(RemoteWriteClient::new("not a url", Duration::from_secs(1), Duration::from_secs(1)).is_err());
    }
}
