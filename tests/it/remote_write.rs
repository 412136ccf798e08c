//! Remote write through real HTTP: what is written can be found through the
//! series and label APIs; malformed requests get 400s naming the problem and
//! the node keeps serving; tenants are kept apart.

use sonde::ingest::remote_write::Protocol;

use crate::support::{Sonde, body, get_json, now_ms, post_write, series};

#[tokio::test]
async fn written_series_are_found_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let t = now_ms();
    let payload = vec![
        series(&[("__name__", "node_load1"), ("instance", "a:9100"), ("job", "node")], &[(t, 0.5), (t + 15_000, 0.7)]),
        series(&[("__name__", "node_load1"), ("instance", "b:9100"), ("job", "node")], &[(t, 1.5)]),
        series(&[("__name__", "up"), ("instance", "a:9100"), ("job", "node")], &[(t, 1.0)]),
    ];
    let (status, _, text) =
        post_write(&client, &sonde.url("/api/v1/write"), Protocol::V1, body(Protocol::V1, &payload), None).await;
    assert_eq!(status, 204, "{text}");

    let found = get_json(&client, &sonde.url("/api/v1/series?match[]=node_load1")).await;
    assert_eq!(found["status"], "success");
    let instances: Vec<&str> =
        found["data"].as_array().unwrap().iter().map(|s| s["instance"].as_str().unwrap()).collect();
    assert_eq!(instances, vec!["a:9100", "b:9100"]);

    let names = get_json(&client, &sonde.url("/api/v1/labels")).await;
    assert_eq!(names["data"], serde_json::json!(["__name__", "instance", "job"]));
    let values = get_json(&client, &sonde.url("/api/v1/label/__name__/values")).await;
    assert_eq!(values["data"], serde_json::json!(["node_load1", "up"]));
    let filtered = get_json(&client, &sonde.url("/api/v1/label/instance/values?match[]=up")).await;
    assert_eq!(filtered["data"], serde_json::json!(["a:9100"]));
    let limited = get_json(&client, &sonde.url("/api/v1/label/instance/values?limit=1")).await;
    assert_eq!(limited["data"], serde_json::json!(["a:9100"]));
    assert_eq!(limited["warnings"][0], "results truncated due to limit");

    let status = get_json(&client, &sonde.url("/api/v1/status/tsdb")).await;
    assert_eq!(status["data"]["headStats"]["numSeries"], 3);
    assert_eq!(status["data"]["seriesCountByMetricName"][0], serde_json::json!({"name": "node_load1", "value": 2}));
}

#[tokio::test]
async fn remote_write_2_reports_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let t = now_ms();
    let payload =
        vec![series(&[("__name__", "v2_metric"), ("job", "x")], &[(t, 1.0), (t + 1000, 2.0), (t + 2000, 3.0)])];
    let (status, headers, text) =
        post_write(&client, &sonde.url("/api/v1/write"), Protocol::V2, body(Protocol::V2, &payload), None).await;
    assert_eq!(status, 204, "{text}");
    assert_eq!(headers["x-prometheus-remote-write-samples-written"], "3");
    assert_eq!(headers["x-prometheus-remote-write-histograms-written"], "0");
}

#[tokio::test]
async fn malformed_requests_get_400s_and_the_node_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let url = sonde.url("/api/v1/write");
    let t = now_ms();
    let good = body(Protocol::V1, &[series(&[("__name__", "kept")], &[(t, 1.0)])]);
    assert_eq!(post_write(&client, &url, Protocol::V1, good, None).await.0, 204);

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not snappy at all".to_vec(), "snappy"),
        (snap::raw::Encoder::new().compress_vec(&[0x0a, 0x05, 0x01]).unwrap(), "cannot decode prometheus.WriteRequest"),
        (body(Protocol::V1, &[series(&[("job", "x"), ("__name__", "m")], &[(t, 1.0)])]), "not sorted"),
        (
            body(Protocol::V1, &[series(&[("__name__", "m"), ("a", "1"), ("a", "2")], &[(t, 1.0)])]),
            "duplicate label name",
        ),
        (body(Protocol::V1, &[series(&[("", "x"), ("__name__", "m")], &[(t, 1.0)])]), "empty label name"),
        (body(Protocol::V1, &[series(&[("job", "x")], &[(t, 1.0)])]), "metric name"),
    ];
    for (payload, expected) in cases {
        let (status, _, text) = post_write(&client, &url, Protocol::V1, payload, None).await;
        assert_eq!(status, 400, "expected 400 mentioning {expected:?}, got {status}: {text}");
        assert!(text.contains(expected), "expected {expected:?} in {text:?}");
    }

    let invalid_utf8 = {
        use prost::Message;
        let mut request =
            sonde::ingest::remote_write::encode::write_request_v1(&[series(&[("__name__", "m")], &[(t, 1.0)])]);
        request.timeseries[0].labels[0].value = "m".into();
        let mut bytes = request.encode_to_vec();
        let at = bytes.iter().rposition(|&b| b == b'm').unwrap();
        bytes[at] = 0xff;
        snap::raw::Encoder::new().compress_vec(&bytes).unwrap()
    };
    let (status, _, text) = post_write(&client, &url, Protocol::V1, invalid_utf8, None).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("UTF-8"), "{text}");

    // Out-of-order samples are refused like Prometheus refuses them, the rest kept.
    let mixed = body(
        Protocol::V1,
        &[series(&[("__name__", "kept")], &[(t - 1000, 5.0)]), series(&[("__name__", "new")], &[(t, 1.0)])],
    );
    let (status, _, text) = post_write(&client, &url, Protocol::V1, mixed, None).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("out of order sample"), "{text}");

    let wrong_type = client.post(&url).header("Content-Type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(wrong_type.status(), 415);
    // 70 MiB decompressed is over the 64 MiB default limit; it compresses to a few MiB.
    let oversized = snap::raw::Encoder::new().compress_vec(&vec![0u8; 70 << 20]).unwrap();
    let (status, _, text) = post_write(&client, &url, Protocol::V1, oversized, None).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("exceeds"), "{text}");

    let found = get_json(&client, &sonde.url("/api/v1/series?match[]={__name__=~\"kept|new\"}")).await;
    assert_eq!(found["data"].as_array().unwrap().len(), 2, "{found}");
}

#[tokio::test]
async fn tenants_are_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let url = sonde.url("/api/v1/write");
    let t = now_ms();
    let payload = body(Protocol::V1, &[series(&[("__name__", "secret")], &[(t, 1.0)])]);
    assert_eq!(post_write(&client, &url, Protocol::V1, payload, Some("team-a")).await.0, 204);
    let other = client.get(sonde.url("/api/v1/label/__name__/values")).send().await.unwrap();
    assert_eq!(other.json::<serde_json::Value>().await.unwrap()["data"], serde_json::json!([]));
    let own =
        client.get(sonde.url("/api/v1/label/__name__/values")).header("X-Scope-OrgID", "team-a").send().await.unwrap();
    assert_eq!(own.json::<serde_json::Value>().await.unwrap()["data"], serde_json::json!(["secret"]));
    let bad = client.get(sonde.url("/api/v1/labels")).header("X-Scope-OrgID", "../etc").send().await.unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn api_errors_are_shaped_like_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let cases = [
        ("/api/v1/series", "no match[] parameter provided"),
        ("/api/v1/series?match[]=up{", "invalid parameter \"match[]\""),
        ("/api/v1/series?match[]=up&start=yesterday", "cannot parse \"yesterday\" to a valid timestamp"),
        ("/api/v1/labels?start=10&end=5", "end timestamp must not be before start time"),
        ("/api/v1/series?match[]={a=~\".*\"}", "at least one non-empty matcher"),
    ];
    for (path, expected) in cases {
        let response = client.get(sonde.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["status"], "error");
        assert_eq!(json["errorType"], "bad_data");
        assert!(json["error"].as_str().unwrap().contains(expected), "{path}: {json}");
    }
    let build = get_json(&client, &sonde.url("/api/v1/status/buildinfo")).await;
    assert!(build["data"]["version"].as_str().unwrap().starts_with('3'));
    let flags = get_json(&client, &sonde.url("/api/v1/status/flags")).await;
    assert_eq!(flags["data"]["storage.tsdb.retention.time"], "15d");
    let post = client
        .post(sonde.url("/api/v1/series"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("match%5B%5D=up")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let quit = client.post(sonde.url("/-/quit")).send().await.unwrap();
    assert_eq!(quit.status(), 403, "lifecycle is off by default");
}
