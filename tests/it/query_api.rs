//! `/api/v1/query` and `/api/v1/query_range` through real HTTP: Prometheus'
//! JSON shapes and error types.

use serde_json::json;
use sonde::ingest::remote_write::Protocol;

use crate::support::{Sonde, body, get_json, post_write, series};

#[tokio::test]
async fn queries_answer_in_prometheus_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let base = 1_700_000_000_000i64;
    let samples: Vec<(i64, f64)> = (0..10).map(|i| (base + i * 15_000, (i * 30) as f64)).collect();
    let payload = vec![
        series(&[("__name__", "requests_total"), ("job", "api")], &samples),
        series(&[("__name__", "requests_total"), ("job", "web")], &samples),
    ];
    let (status, _, text) =
        post_write(&client, &sonde.url("/api/v1/write"), Protocol::V1, body(Protocol::V1, &payload), None).await;
    assert_eq!(status, 204, "{text}");
    let at = (base + 135_000) as f64 / 1000.0;

    let url = sonde.url(&format!("/api/v1/query?query=sum(rate(requests_total[1m]))&time={at}"));
    let result = get_json(&client, &url).await;
    assert_eq!(result["data"]["resultType"], "vector");
    assert_eq!(result["data"]["result"][0]["metric"], json!({}));
    assert_eq!(result["data"]["result"][0]["value"][0], json!(at));
    let rate: f64 = result["data"]["result"][0]["value"][1].as_str().unwrap().parse().unwrap();
    assert!((rate - 4.0).abs() < 1e-9, "two series rising 2/s, got {rate}");

    let url = sonde.url(&format!("/api/v1/query?query=requests_total{{job=\"api\"}}&time={at}"));
    let result = get_json(&client, &url).await;
    assert_eq!(result["data"]["result"][0]["metric"], json!({"__name__": "requests_total", "job": "api"}));
    assert_eq!(result["data"]["result"][0]["value"], json!([at, "270"]));

    let scalar = get_json(&client, &sonde.url(&format!("/api/v1/query?query=1%2B1&time={at}"))).await;
    assert_eq!(scalar["data"], json!({"resultType": "scalar", "result": [at, "2"]}));

    let start = (base + 30_000) as f64 / 1000.0;
    let url =
        sonde.url(&format!("/api/v1/query_range?query=requests_total{{job=\"web\"}}&start={start}&end={at}&step=60s"));
    let range = get_json(&client, &url).await;
    assert_eq!(range["data"]["resultType"], "matrix");
    assert_eq!(range["data"]["result"][0]["values"], json!([[start, "60"], [start + 60.0, "180"]]));

    let exemplars = get_json(&client, &sonde.url("/api/v1/query_exemplars?query=requests_total")).await;
    assert_eq!(exemplars["data"], json!([]));
    let metadata = get_json(&client, &sonde.url("/api/v1/metadata")).await;
    assert_eq!(metadata["data"], json!({}));
    let bad_exemplars = client.get(sonde.url("/api/v1/query_exemplars?query=sum(")).send().await.unwrap();
    assert_eq!(bad_exemplars.status(), 400);

    let bad = client.get(sonde.url("/api/v1/query?query=sum(")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(bad["errorType"], "bad_data");
    // Prometheus 2.42 says exactly this.
    assert_eq!(bad["error"], "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis");
    let wrong_type = client
        .get(sonde.url(&format!("/api/v1/query_range?query=requests_total[1m]&start={start}&end={at}&step=15")))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 400);
    let text = wrong_type.text().await.unwrap();
    assert!(text.contains("invalid expression type \\\"range vector\\\" for range query"), "{text}");
}

/// `format_query` gives what Prometheus 2.42 gives; `parse_query` (3.x only)
/// answers the tree and both refuse a bad query as Prometheus does.
#[tokio::test]
async fn format_query_matches_prometheus() {
    let Some(prometheus) = crate::support::reference_binary("prometheus") else { return };
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let port = crate::support::free_port();
    std::fs::write(dir.path().join("prometheus.yml"), "{}\n").unwrap();
    let _prometheus = crate::support::Killed(
        std::process::Command::new(prometheus)
            .args(["--config.file=prometheus.yml", "--storage.tsdb.path=prom-data"])
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let prometheus_url = format!("http://127.0.0.1:{port}");
    crate::support::wait_for(&format!("{prometheus_url}/-/ready"));
    let client = reqwest::Client::new();
    let queries = [
        "up",
        "sum by(job)(rate(http_requests_total{job=~\"api|web\",code!=\"500\"}[5m])) / ignoring(code) group_left sum by(job)(rate(http_requests_total[5m]))",
        "histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket{job=\"api-server-with-a-long-name\"}[10m])))",
        "max_over_time(deriv(rate(x[1m])[5m:1m])[1h:] offset 1d)",
        "-(a + b) * 2 > bool 1",
        "topk(5, count_values(\"version\", build_info))",
    ];
    for query in queries {
        let form = [("query", query)];
        let sonde_json: serde_json::Value =
            client.post(sonde.url("/api/v1/format_query")).form(&form).send().await.unwrap().json().await.unwrap();
        let prometheus_json: serde_json::Value = client
            .post(format!("{prometheus_url}/api/v1/format_query"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(sonde_json, prometheus_json, "{query}");
    }
    let bad = client.post(sonde.url("/api/v1/format_query")).form(&[("query", "sum(")]).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(bad["errorType"], "bad_data");
    let tree = get_json(&client, &sonde.url("/api/v1/parse_query?query=up%20%3E%201")).await;
    assert_eq!(tree["data"]["type"], "binaryExpr");
    assert_eq!(tree["data"]["lhs"]["name"], "up");
}
