//! The load of the fault suite: a writer that remote-writes a batch every
//! 100 ms and keeps a ledger of every acknowledged sample, and a prober per
//! query node that checks each answer against the ledger: an answer must
//! hold every sample acknowledged in its range, or be an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value;
use sonde::ingest::remote_write::Protocol;

use crate::support::{body, now_ms, series};

/// Series in every batch: `fault_gen{series="0".."19"}`.
pub const SERIES: usize = 20;
/// How far back each probe looks.
const PROBE_RANGE_MS: i64 = 30_000;

/// One acknowledged batch: every series has the sample (ts, value(seq, i)).
#[derive(Clone, Copy)]
pub struct Acked {
    pub ts: i64,
    pub seq: u64,
}

pub fn value(seq: u64, series: usize) -> f64 {
    (seq * 100 + series as u64) as f64
}

/// What happened during one step.
#[derive(Default, Clone)]
pub struct StepStats {
    pub acked: u64,
    pub failed: u64,
    pub write_outage: Duration,
    pub query_outage: Duration,
    pub probes: u64,
    pub refused_probes: u64,
    /// Answers that were 200 but missed acknowledged samples.
    pub wrong: Vec<String>,
}

#[derive(Default)]
struct Shared {
    acked: Vec<Acked>,
    stats: StepStats,
    last_ack: Option<Instant>,
    last_probe_ok: [Option<Instant>; 2],
}

#[derive(Clone, Default)]
pub struct Ledger {
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
}

impl Ledger {
    /// Starts a step: counters from zero, outages measured from now.
    pub fn begin_step(&self) {
        let mut shared = self.shared.lock();
        shared.stats = StepStats::default();
        let now = Instant::now();
        shared.last_ack = Some(now);
        shared.last_probe_ok = [Some(now); 2];
    }

    /// Ends a step, counting an outage still going on.
    pub fn end_step(&self) -> StepStats {
        let mut shared = self.shared.lock();
        let now = Instant::now();
        if let Some(last) = shared.last_ack {
            shared.stats.write_outage = shared.stats.write_outage.max(now - last);
        }
        for last in shared.last_probe_ok.into_iter().flatten() {
            shared.stats.query_outage = shared.stats.query_outage.max(now - last);
        }
        shared.stats.clone()
    }

    pub fn acked(&self) -> Vec<Acked> {
        self.shared.lock().acked.clone()
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Writes until stopped, to the first entry point that takes a batch.
    pub async fn write(self, entry_points: Vec<String>) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        let (mut seq, mut last_ts) = (0u64, 0i64);
        while !self.stop.load(Ordering::Relaxed) {
            let ts = now_ms().max(last_ts + 1);
            last_ts = ts;
            let batch: Vec<_> = (0..SERIES)
                .map(|i| series(&[("__name__", "fault_gen"), ("series", &i.to_string())], &[(ts, value(seq, i))]))
                .collect();
            let payload = body(Protocol::V1, &batch);
            let mut acked = false;
            // Alternate the entry point; fall back to the other one.
            for k in 0..entry_points.len() {
                let url = &entry_points[(seq as usize + k) % entry_points.len()];
                let response = client
                    .post(url)
                    .header("Content-Type", Protocol::V1.content_type())
                    .header("Content-Encoding", "snappy")
                    .header("X-Prometheus-Remote-Write-Version", Protocol::V1.version())
                    .body(payload.clone())
                    .send()
                    .await;
                if response.is_ok_and(|r| r.status().is_success()) {
                    acked = true;
                    break;
                }
            }
            {
                let mut shared = self.shared.lock();
                let now = Instant::now();
                if acked {
                    shared.acked.push(Acked { ts, seq });
                    shared.stats.acked += 1;
                    if let Some(last) = shared.last_ack {
                        shared.stats.write_outage = shared.stats.write_outage.max(now - last);
                    }
                    shared.last_ack = Some(now);
                } else {
                    shared.stats.failed += 1;
                }
            }
            seq += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Probes query node `index` at `base` every second until stopped.
    pub async fn probe(self, index: usize, base: String) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        while !self.stop.load(Ordering::Relaxed) {
            let at = now_ms() - 1_000;
            let expected: Vec<Acked> =
                self.acked().into_iter().filter(|a| a.ts > at - PROBE_RANGE_MS && a.ts <= at).collect();
            let answer = query_samples(&client, &base, PROBE_RANGE_MS, at).await;
            {
                let mut shared = self.shared.lock();
                shared.stats.probes += 1;
                match answer {
                    Ok(found) => {
                        let lacking = lacking(&expected, &found);
                        if lacking.is_empty() {
                            let now = Instant::now();
                            if let Some(last) = shared.last_probe_ok[index] {
                                shared.stats.query_outage = shared.stats.query_outage.max(now - last);
                            }
                            shared.last_probe_ok[index] = Some(now);
                        } else {
                            let message = format!("query-{} at {at}: {}", index + 1, describe(&lacking));
                            shared.stats.wrong.push(message);
                        }
                    }
                    Err(_) => shared.stats.refused_probes += 1,
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Every `fault_gen` sample in (at - range, at] as (series, ts, value), or
/// why the query node did not answer.
pub async fn query_samples(
    client: &reqwest::Client,
    base: &str,
    range_ms: i64,
    at: i64,
) -> Result<Vec<(usize, i64, f64)>, String> {
    let url = format!("{base}/api/v1/query?query=fault_gen%5B{range_ms}ms%5D&time={}.{:03}", at / 1000, at % 1000);
    let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("HTTP {status}: {text}"));
    }
    let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    for item in json["data"]["result"].as_array().ok_or("no result")? {
        let index: usize = item["metric"]["series"].as_str().and_then(|s| s.parse().ok()).ok_or("no series label")?;
        for pair in item["values"].as_array().ok_or("no values")? {
            let ts = (pair[0].as_f64().ok_or("bad timestamp")? * 1000.0).round() as i64;
            let value: f64 = pair[1].as_str().and_then(|s| s.parse().ok()).ok_or("bad value")?;
            samples.push((index, ts, value));
        }
    }
    samples.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    Ok(samples)
}

/// The acknowledged samples, as (series, ts), that an answer lacks or has
/// with another value.
pub fn lacking(expected: &[Acked], found: &[(usize, i64, f64)]) -> Vec<(usize, i64)> {
    let mut lacking = Vec::new();
    for acked in expected {
        for i in 0..SERIES {
            let at = found.binary_search_by(|s| (s.0, s.1).cmp(&(i, acked.ts)));
            if !at.is_ok_and(|k| found[k].2 == value(acked.seq, i)) {
                lacking.push((i, acked.ts));
            }
        }
    }
    lacking
}

/// The first few of them, for a message.
pub fn describe(lacking: &[(usize, i64)]) -> String {
    let first: Vec<String> = lacking.iter().take(3).map(|(i, ts)| format!("series {i} at {ts}")).collect();
    format!("{} acknowledged samples missing, e.g. {}", lacking.len(), first.join(", "))
}
