//! The replicated write path and the fan-out read path: the same remote
//! writes go into `sonde all` and into a loopback cluster (5 storage nodes,
//! RF 3, 1 scraper as the remote-write entry point, 1 query node), and
//! every query must answer the same from both — also while storage nodes
//! die and come back. With two of five dead, writes that cannot reach a
//! quorum fail with 503 and are retried, as Prometheus would, and queries
//! answer completely or refuse; never wrongly. A query that allows a
//! partial response (`partial_response=true`) answers with a warning instead.

use std::time::{Duration, Instant};

use serde_json::Value;
use sonde::ingest::remote_write::Protocol;
use sonde::ingest::remote_write::encode::SeriesData;

use crate::cluster::{Cluster, eventually};
use crate::support::{Sonde, body, post_write, series};

const SERIES: usize = 60;
const STEP_MS: i64 = 15_000;

/// One batch: every series, `samples` points from `start_ms` on.
fn batch(start_ms: i64, samples: usize, value_seed: f64) -> Vec<SeriesData> {
    (0..SERIES)
        .map(|i| {
            let (job, instance) = (format!("job-{}", i % 3), format!("host-{i}"));
            let points: Vec<(i64, f64)> =
                (0..samples).map(|k| (start_ms + k as i64 * STEP_MS, value_seed + (i * 7 + k) as f64)).collect();
            series(&[("__name__", "replicated_total"), ("instance", &instance), ("job", &job)], &points)
        })
        .collect()
}

/// The result entries only one side has, for the failure message.
fn difference(single: &Value, cluster: &Value) -> String {
    let entries = |data: &Value| -> Vec<String> {
        match &data["result"] {
            Value::Array(items) => items.iter().map(Value::to_string).collect(),
            other => vec![other.to_string()],
        }
    };
    let (a, b) = (entries(single), entries(cluster));
    let only_single: Vec<&String> = a.iter().filter(|x| !b.contains(x)).take(3).collect();
    let only_cluster: Vec<&String> = b.iter().filter(|x| !a.contains(x)).take(3).collect();
    format!("only in sonde all: {only_single:?}; only in the cluster: {only_cluster:?}")
}

struct Pair {
    single: Sonde,
    cluster: Cluster,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Pair {
    async fn write_single(&self, data: &[SeriesData]) {
        let url = self.single.url("/api/v1/write");
        let (status, _, text) = post_write(&self.client, &url, Protocol::V1, body(Protocol::V1, data), None).await;
        assert_eq!(status, 204, "sonde all refused a write: {text}");
    }

    async fn write_cluster(&self, data: &[SeriesData]) -> (u16, String) {
        let url = self.cluster.scraper_url(1, "/api/v1/write");
        let (status, headers, text) =
            post_write(&self.client, &url, Protocol::V1, body(Protocol::V1, data), None).await;
        if status == 503 {
            assert!(headers.contains_key("retry-after"), "503 without Retry-After");
        }
        (status, text)
    }

    /// Writes to both; the cluster must acknowledge.
    async fn write_both(&self, data: &[SeriesData]) {
        let (status, text) = self.write_cluster(data).await;
        assert_eq!(status, 204, "the cluster refused a write: {text}");
        self.write_single(data).await;
    }

    async fn get(&self, base: &str, path: &str) -> (u16, Value) {
        let response = self.client.get(format!("{base}{path}")).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Every query answers the same from both; an unavailable cluster
    /// answer is allowed only when `may_refuse`.
    async fn compare(&self, at_ms: i64, may_refuse: bool) -> usize {
        let (t, start) = (at_ms as f64 / 1000.0, (at_ms - 3_600_000) as f64 / 1000.0);
        let queries = [
            format!("/api/v1/query?query=sum(replicated_total)&time={t}"),
            format!("/api/v1/query?query=count%20by%20(job)(replicated_total)&time={t}"),
            format!("/api/v1/query?query=replicated_total%7Binstance%3D%22host-7%22%7D&time={t}"),
            format!("/api/v1/query?query=rate(replicated_total%5B5m%5D)&time={t}"),
            format!("/api/v1/query_range?query=sum%20by%20(job)(replicated_total)&start={start}&end={t}&step=60"),
            format!("/api/v1/query_range?query=max_over_time(replicated_total%5B2m%5D)&start={start}&end={t}&step=120"),
            format!("/api/v1/series?match[]=replicated_total&start={start}&end={t}"),
            "/api/v1/labels".to_string(),
            "/api/v1/label/instance/values".to_string(),
        ];
        let single_base = self.single.url("");
        let cluster_base = self.cluster.query_url("");
        let mut refused = 0;
        for query in &queries {
            let (single_status, single) = self.get(&single_base, query).await;
            assert_eq!(single_status, 200, "{query}: {single}");
            let (status, answer) = self.get(&cluster_base, query).await;
            if may_refuse && status == 503 {
                assert_eq!(answer["errorType"], "unavailable", "{query}: {answer}");
                refused += 1;
                // Asked to, the cluster answers with what it has, and says so.
                let separator = if query.contains('?') { '&' } else { '?' };
                let partial = format!("{query}{separator}partial_response=true");
                let (status, answer) = self.get(&cluster_base, &partial).await;
                assert_eq!(status, 200, "{partial}: {answer}");
                let warning = answer["warnings"][0].as_str().unwrap_or("");
                assert!(warning.starts_with("partial response: "), "{partial}: no warning: {answer}");
                continue;
            }
            assert_eq!(status, 200, "{query}: {answer}");
            if answer["data"] != single["data"] {
                let raw = format!("/api/v1/query?query=replicated_total%5B10m%5D&time={t}");
                let (_, single_raw) = self.get(&single_base, &raw).await;
                let (_, cluster_raw) = self.get(&cluster_base, &raw).await;
                panic!(
                    "{query}: the cluster answers differently: {}\nraw samples: {}",
                    difference(&single["data"], &answer["data"]),
                    difference(&single_raw["data"], &cluster_raw["data"])
                );
            }
        }
        refused
    }

    fn active_storage(&self) -> usize {
        self.cluster.status().map_or(0, |status| {
            status["members"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["roles"][0] == "storage" && m["state"] == "active")
                .count()
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_answers_like_one_node_through_storage_failures() {
    let dir = tempfile::tempdir().unwrap();
    let single = Sonde::start(&dir.path().join("single"), &[]);
    let cluster = Cluster::up(1, 5, "scrape_configs: []\n");
    let pair = Pair { single, cluster, client: reqwest::Client::new(), _dir: dir };
    eventually("5 active storage nodes", Duration::from_secs(20), || (pair.active_storage() == 5).then_some(()));

    // An hour of data, then identical answers.
    let now = crate::support::now_ms() / STEP_MS * STEP_MS;
    let mut next = now - 3_600_000;
    let started = Instant::now();
    for _ in 0..4 {
        pair.write_both(&batch(next, 60, 0.0)).await;
        next += 60 * STEP_MS;
    }
    println!("replication: wrote {} samples in {:.2} s", SERIES * 240, started.elapsed().as_secs_f64());
    let at = next - STEP_MS;
    assert_eq!(pair.compare(at, false).await, 0);

    // A storage node dies in the middle of ingestion: no write fails.
    for round in 0..10 {
        if round == 3 {
            pair.cluster.signal("storage-1", "-KILL");
        }
        pair.write_both(&batch(next, 4, round as f64)).await;
        next += 4 * STEP_MS;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pair.compare(next - STEP_MS, false).await, 0, "one node down: answers stay complete");

    // It comes back and serves again.
    pair.cluster.start("storage-1");
    eventually("storage-1 active again", Duration::from_secs(20), || (pair.active_storage() == 5).then_some(()));
    for round in 0..3 {
        pair.write_both(&batch(next, 4, 100.0 + round as f64)).await;
        next += 4 * STEP_MS;
    }
    assert_eq!(pair.compare(next - STEP_MS, false).await, 0, "after the restart");

    // Two of five die: the series whose replicas include both lose their
    // write quorum, so the write fails with 503 and nothing is
    // acknowledged, and reads of their ranges refuse to answer incompletely.
    pair.cluster.signal("storage-2", "-KILL");
    pair.cluster.signal("storage-3", "-KILL");
    let data = batch(next, 4, 200.0);
    next += 4 * STEP_MS;
    let (status, text) = pair.write_cluster(&data).await;
    assert_eq!(status, 503, "a write without quorum must not be acknowledged: {text}");
    let refused = pair.compare(next - 5 * STEP_MS, true).await;
    println!(
        "replication: two of five storage nodes down: writes refused with 503, {refused} of 9 queries refused as incomplete, the rest equal"
    );
    assert!(refused > 0, "with two replicas of some ranges down, reads of them must refuse");

    // They come back; the sender's retry lands, and answers are complete.
    pair.cluster.start("storage-2");
    pair.cluster.start("storage-3");
    eventually("all storage nodes active", Duration::from_secs(20), || (pair.active_storage() == 5).then_some(()));
    let retried = Instant::now();
    loop {
        let (status, text) = pair.write_cluster(&data).await;
        if status == 204 {
            break;
        }
        assert_eq!(status, 503, "{text}");
        assert!(retried.elapsed() < Duration::from_secs(30), "writes never recovered: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    pair.write_single(&data).await;
    assert_eq!(pair.compare(next - STEP_MS, false).await, 0, "all nodes back");

    // Every role's /metrics told the story: requests, failures, refusals.
    let metrics = |url: String| crate::support::ureq_get(&url).unwrap().1;
    let storage = metrics(pair.cluster.storage_url(4, "/metrics"));
    let query = metrics(pair.cluster.query_url("/metrics"));
    let scraper = metrics(pair.cluster.scraper_url(1, "/metrics"));
    for (text, series) in [
        (&storage, r#"sonde_storage_grpc_requests_total{method="Push",code="Ok"}"#),
        (&storage, r#"sonde_storage_grpc_requests_total{method="Select",code="Ok"}"#),
        (&storage, r#"sonde_storage_grpc_request_duration_seconds_count{method="Push"}"#),
        (&query, r#"sonde_query_storage_calls_total{outcome="answered"}"#),
        (&query, "sonde_query_incomplete_refused_total"),
        (&query, "sonde_query_partial_answers_total"),
        (&query, r#"prometheus_http_requests_total{code="200",handler="/api/v1/query"}"#),
        (&query, r#"prometheus_http_requests_total{code="503",handler="/api/v1/query"}"#),
        (&scraper, r#"prometheus_http_requests_total{code="204",handler="/api/v1/write"}"#),
        (&scraper, r#"prometheus_http_requests_total{code="503",handler="/api/v1/write"}"#),
        (&scraper, "sonde_distributor_quorum_failures_total"),
        (&scraper, "sonde_distributor_replication_failures_total"),
    ] {
        let value = metric_value(text, series);
        assert!(value.is_some_and(|v| v > 0.0), "{series} is {value:?}");
    }
    let failed = metric_value(&query, r#"sonde_query_storage_calls_total{outcome="failed"}"#).unwrap_or(0.0)
        + metric_value(&query, r#"sonde_query_storage_calls_total{outcome="skipped_dead"}"#).unwrap_or(0.0);
    assert!(failed > 0.0, "the query node never counted a dead storage node");
}

/// The value of one series in a text exposition.
fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.split(' ').next()?.parse().ok())
}
