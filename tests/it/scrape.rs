//! Scraping end to end through `sonde all`: samples and report series land in
//! the TSDB with the target's labels, metadata and targets show in the API,
//! vanished series and failed scrapes leave staleness markers, failures are
//! reported per target, and a reload keeps unchanged targets running.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::exporter::{Exporter, Exposition};
use crate::support::{Sonde, get_json};

const EXPOSITION: &str = "\
# HELP demo_requests_total Requests served.
# TYPE demo_requests_total counter
demo_requests_total{path=\"/a\"} 1
demo_requests_total{path=\"/b\"} 2
# TYPE demo_temp gauge
demo_temp 21.5
";

fn config(jobs: &[(&str, &Exporter, &str)]) -> String {
    let mut text = String::from("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n");
    for (job, exporter, extra) in jobs {
        text.push_str(&format!(
            "  - job_name: {job}\n    static_configs:\n      - targets: ['{}']\n        labels: {{env: test}}\n{extra}",
            exporter.address()
        ));
    }
    text
}

struct Node {
    sonde: Sonde,
    client: reqwest::Client,
    config_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start(config: &str) -> Node {
        Self::start_with(config, |_| {})
    }

    /// Starts after `prepare` has set up the directory holding the config.
    fn start_with(config: &str, prepare: impl FnOnce(&std::path::Path)) -> Node {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let sonde = Sonde::start(
            &dir.path().join("data"),
            &["--scrape.discovery-reload-interval=100ms", "--web.enable-lifecycle"],
        );
        Node { sonde, client: reqwest::Client::new(), config_path, _dir: dir }
    }

    async fn query(&self, expr: &str) -> Vec<Value> {
        let url = self.sonde.url(&format!("/api/v1/query?query={}", urlencode(expr)));
        let json = get_json(&self.client, &url).await;
        json["data"]["result"].as_array().unwrap().clone()
    }

    async fn value(&self, expr: &str) -> Option<f64> {
        let result = self.query(expr).await;
        result.first().map(|r| r["value"][1].as_str().unwrap().parse().unwrap())
    }

    /// Polls until `check` holds, failing after `seconds`.
    async fn eventually<F, Fut>(&self, what: &str, seconds: u64, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}");
    }

    async fn targets(&self) -> Value {
        get_json(&self.client, &self.sonde.url("/api/v1/targets")).await["data"].clone()
    }

    async fn reload(&self) -> (u16, String) {
        let response = self.client.post(self.sonde.url("/-/reload")).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_series_report_metadata_and_staleness() {
    let exporter = Exporter::start(EXPOSITION).await;
    let node = Node::start(&config(&[("demo", &exporter, "")]));
    node.eventually("the first scrape", 20, || async { node.value("up{job=\"demo\"}").await == Some(1.0) }).await;

    let series = node.query("demo_requests_total").await;
    assert_eq!(series.len(), 2);
    let metric = &series[0]["metric"];
    assert_eq!(metric["job"], "demo");
    assert_eq!(metric["env"], "test");
    assert_eq!(metric["instance"], exporter.address());
    assert_eq!(node.value("scrape_samples_scraped{job=\"demo\"}").await, Some(3.0));
    assert_eq!(node.value("scrape_samples_post_metric_relabeling{job=\"demo\"}").await, Some(3.0));
    assert!(node.value("scrape_duration_seconds{job=\"demo\"}").await.unwrap() > 0.0);
    let accept = exporter.last_headers.lock().get("accept").unwrap().to_str().unwrap().to_string();
    assert!(accept.starts_with("application/openmetrics-text;version=1.0.0"), "{accept}");

    let targets = node.targets().await;
    let active = &targets["activeTargets"][0];
    assert_eq!(active["health"], "up");
    assert_eq!(active["scrapePool"], "demo");
    assert_eq!(active["scrapeUrl"], format!("http://{}/metrics", exporter.address()));
    assert_eq!(active["discoveredLabels"]["__address__"], exporter.address());
    assert_eq!(active["labels"]["env"], "test");
    assert_eq!(active["scrapeInterval"], "1s");

    let metadata = get_json(&node.client, &node.sonde.url("/api/v1/metadata?metric=demo_requests_total")).await;
    assert_eq!(metadata["data"]["demo_requests_total"][0]["type"], "counter");
    assert_eq!(metadata["data"]["demo_requests_total"][0]["help"], "Requests served.");
    let url = node.sonde.url("/api/v1/targets/metadata?match_target=%7Bjob%3D%22demo%22%7D&metric=demo_temp");
    let target_metadata = get_json(&node.client, &url).await;
    assert_eq!(target_metadata["data"][0]["type"], "gauge");
    assert_eq!(target_metadata["data"][0]["target"]["job"], "demo");
    let pools = get_json(&node.client, &node.sonde.url("/api/v1/scrape_pools")).await;
    assert_eq!(pools["data"]["scrapePools"], serde_json::json!(["demo"]));

    // A series that disappears from the exposition goes stale at once, not
    // after the 5-minute lookback.
    exporter.set_body(&EXPOSITION.replace("demo_requests_total{path=\"/b\"} 2\n", ""));
    node.eventually("/b to go stale", 10, || async { node.query("demo_requests_total").await.len() == 1 }).await;

    // A failing target: up 0, the error in the targets API, every series stale.
    exporter.set(Exposition { status: 500, ..exporter.get() });
    node.eventually("up 0", 10, || async { node.value("up{job=\"demo\"}").await == Some(0.0) }).await;
    node.eventually("the error in the API", 5, || async {
        let targets = node.targets().await;
        targets["activeTargets"][0]["lastError"] == "server returned HTTP status 500 Internal Server Error"
            && targets["activeTargets"][0]["health"] == "down"
    })
    .await;
    assert!(node.query("demo_temp").await.is_empty(), "series of a failed target are stale");

    // A bad exposition fails that scrape only, with the parser's reason.
    exporter.set(Exposition { status: 200, ..exporter.get() });
    node.eventually("recovery", 10, || async { node.value("up{job=\"demo\"}").await == Some(1.0) }).await;
    exporter.set_body("demo_temp{unterminated 1\n");
    node.eventually("the parse error", 10, || async {
        let targets = node.targets().await;
        let error = targets["activeTargets"][0]["lastError"].as_str().unwrap_or("").to_string();
        !error.is_empty() && !error.contains("HTTP status")
    })
    .await;
    assert_eq!(node.value("up{job=\"demo\"}").await, Some(0.0));
    assert!(node.query("demo_temp").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_keeps_unchanged_targets_and_refuses_bad_configs() {
    let first = Exporter::start(EXPOSITION).await;
    let second = Exporter::start(EXPOSITION).await;
    let node = Node::start(&config(&[("first", &first, ""), ("second", &second, "")]));
    node.eventually("both jobs up", 20, || async { node.query("up == 1").await.len() == 2 }).await;
    let before_reload = crate::support::now_ms();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Change the second job only; the first keeps its loop and cache.
    let relabel = "    metric_relabel_configs:\n      - {target_label: changed, replacement: 'yes'}\n";
    std::fs::write(&node.config_path, config(&[("first", &first, ""), ("second", &second, relabel)])).unwrap();
    assert_eq!(node.reload().await.0, 200);
    node.eventually("the changed job's new labels", 10, || async {
        node.query("demo_temp{job=\"second\",changed=\"yes\"}").await.len() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_reload = crate::support::now_ms();

    // Sampled every 100 ms across the reload, the first job's gauge never
    // disappears: no staleness marker, no gap.
    let url = node.sonde.url(&format!(
        "/api/v1/query_range?query=demo_temp%7Bjob%3D%22first%22%7D&start={}&end={}&step=0.1",
        before_reload as f64 / 1000.0,
        after_reload as f64 / 1000.0
    ));
    let json = get_json(&node.client, &url).await;
    let result = json["data"]["result"].as_array().unwrap();
    assert_eq!(result.len(), 1, "{json}");
    let points = result[0]["values"].as_array().unwrap().len() as i64;
    let expected = (after_reload - before_reload) / 100 + 1;
    assert!(points >= expected - 1, "{points} of {expected} points: a gap across the reload");

    // A broken file is refused and the running config stays.
    std::fs::write(&node.config_path, "scrape_configs:\n  - job_name: first\n    scrape_interval: banana\n").unwrap();
    let (status, body) = node.reload().await;
    assert_eq!(status, 500);
    assert!(body.contains("banana"), "{body}");
    assert_eq!(node.targets().await["activeTargets"].as_array().unwrap().len(), 2);

    // SIGHUP reloads too: dropping the second job stops its target.
    std::fs::write(&node.config_path, config(&[("first", &first, "")])).unwrap();
    let pid = node.sonde.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    node.eventually("the second job to go after SIGHUP", 20, || async {
        node.targets().await["activeTargets"].as_array().unwrap().len() == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_discovery_adds_and_removes_targets() {
    let first = Exporter::start(EXPOSITION).await;
    let second = Exporter::start(EXPOSITION).await;
    let config = "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: files\n    file_sd_configs:\n      - files: ['targets/*.json']\n        refresh_interval: 1m\n    relabel_configs:\n      - {source_labels: [__meta_filepath], regex: '.*/(.*)\\.json', target_label: file}\n";
    let node = Node::start_with(config, |root| std::fs::create_dir_all(root.join("targets")).unwrap());
    let directory = node.config_path.parent().unwrap().join("targets");
    let write = |addresses: &[String]| {
        let json = serde_json::json!([{"targets": addresses, "labels": {"team": "db"}}]);
        let temporary = directory.join(".tmp");
        std::fs::write(&temporary, json.to_string()).unwrap();
        std::fs::rename(&temporary, directory.join("web.json")).unwrap();
    };
    write(&[first.address()]);
    node.eventually("the first file target", 20, || async {
        node.query("up{job=\"files\",team=\"db\",file=\"web\"} == 1").await.len() == 1
    })
    .await;
    write(&[first.address(), second.address()]);
    node.eventually("both file targets", 20, || async { node.query("up{job=\"files\"} == 1").await.len() == 2 }).await;
    let targets = node.targets().await;
    let discovered = &targets["activeTargets"][0]["discoveredLabels"];
    assert!(discovered["__meta_filepath"].as_str().unwrap().ends_with("targets/web.json"), "{discovered}");
    std::fs::remove_file(directory.join("web.json")).unwrap();
    node.eventually("no targets", 20, || async {
        node.targets().await["activeTargets"].as_array().unwrap().is_empty()
    })
    .await;
    // The removed targets' series, `up` included, end with staleness markers
    // instead of lingering for the 5-minute lookback.
    node.eventually("the removed targets' series to go stale", 20, || async {
        node.query("demo_temp{job=\"files\"}").await.is_empty() && node.query("up{job=\"files\"}").await.is_empty()
    })
    .await;
}

/// `basic_auth` reaches the target; `sample_limit` and `body_size_limit`
/// fail only the scrape that breaks them, with Prometheus' errors, `up 0`
/// and the target's series stale, while the other jobs keep scraping.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_limits_through_sonde_all() {
    let authed = Exporter::start(EXPOSITION).await;
    let sampled = Exporter::start(EXPOSITION).await;
    let sized = Exporter::start(EXPOSITION).await;
    let node = Node::start(&config(&[
        ("authed", &authed, "    basic_auth: {username: scraper, password: s3cret}\n"),
        ("sampled", &sampled, "    sample_limit: 2\n"),
        ("sized", &sized, "    body_size_limit: 20B\n"),
    ]));
    node.eventually("the authed job up", 20, || async { node.value("up{job=\"authed\"}").await == Some(1.0) }).await;
    let authorization = authed.last_headers.lock().get("authorization").map(|v| v.to_str().unwrap().to_string());
    // base64("scraper:s3cret")
    assert_eq!(authorization.as_deref(), Some("Basic c2NyYXBlcjpzM2NyZXQ="));

    let error_of = |job: &'static str| {
        let node = &node;
        async move {
            let targets = node.targets().await;
            let active = targets["activeTargets"].as_array().unwrap().clone();
            active.iter().find(|t| t["scrapePool"] == job).map(|t| t["lastError"].as_str().unwrap_or("").to_string())
        }
    };
    node.eventually("the sample limit error", 20, || async {
        error_of("sampled").await.as_deref() == Some("sample limit exceeded (number of samples: 3, limit: 2)")
    })
    .await;
    node.eventually("the body size error", 20, || async {
        error_of("sized").await.as_deref() == Some("body size limit exceeded (limit: 20 bytes)")
    })
    .await;
    for job in ["sampled", "sized"] {
        assert_eq!(node.value(&format!("up{{job=\"{job}\"}}")).await, Some(0.0), "{job}");
        assert!(node.query(&format!("demo_temp{{job=\"{job}\"}}")).await.is_empty(), "{job}: no samples stored");
    }
    assert_eq!(node.value("demo_temp{job=\"authed\"}").await, Some(21.5));
}

/// An HTTPS target with a private CA and a required client certificate,
/// scraped with `tls_config` (`ca_file`, `cert_file`, `key_file`,
/// `server_name`); a job without the client certificate fails the
/// handshake and reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_target_with_client_certificate() {
    let Some(openssl) = crate::support::reference_binary("openssl") else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let run = |args: &[&str]| {
        let status =
            std::process::Command::new(&openssl).args(args).stderr(std::process::Stdio::null()).status().unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    // A CA, a server certificate for "metrics.test" and a client certificate, both signed by it.
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.pem"),
    ]);
    for (name, subject) in [("server", "/CN=metrics.test"), ("client", "/CN=sonde")] {
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            subject,
            "-keyout",
            &path(&format!("{name}.key")),
            "-out",
            &path(&format!("{name}.csr")),
        ]);
        std::fs::write(dir.path().join(format!("{name}.ext")), "subjectAltName=DNS:metrics.test\n").unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            &path(&format!("{name}.csr")),
            "-CA",
            &path("ca.pem"),
            "-CAkey",
            &path("ca.key"),
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            &path(&format!("{name}.ext")),
            "-out",
            &path(&format!("{name}.pem")),
        ]);
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/tls_target.py");
    let port_file = dir.path().join("port");
    let _server = crate::support::Killed(
        std::process::Command::new("python3")
            .args([script, &path("server.pem"), &path("server.key"), &port_file.display().to_string(), &path("ca.pem")])
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let port = loop {
        if let Some(port) = std::fs::read_to_string(&port_file).ok().filter(|p| !p.is_empty()) {
            break port;
        }
        assert!(Instant::now() < deadline, "the TLS target did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    let tls = |client: bool| {
        let mut yaml = format!("    tls_config:\n      ca_file: {}\n      server_name: metrics.test\n", path("ca.pem"));
        if client {
            yaml.push_str(&format!(
                "      cert_file: {}\n      key_file: {}\n",
                path("client.pem"),
                path("client.key")
            ));
        }
        yaml
    };
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tls\n    scheme: https\n{}    static_configs:\n      - targets: ['127.0.0.1:{port}']\n  - job_name: no-client-cert\n    scheme: https\n{}    static_configs:\n      - targets: ['127.0.0.1:{port}']\n",
        tls(true),
        tls(false),
    );
    let node = Node::start(&config);
    node.eventually("the TLS target scraped", 20, || async { node.value("tls_demo{job=\"tls\"}").await == Some(7.0) })
        .await;
    node.eventually("the job without a client certificate failing", 20, || async {
        let targets = node.targets().await;
        let active = targets["activeTargets"].as_array().unwrap().clone();
        active.iter().any(|t| {
            t["scrapePool"] == "no-client-cert"
                && t["health"] == "down"
                && !t["lastError"].as_str().unwrap_or("").is_empty()
        })
    })
    .await;
    assert_eq!(node.value("up{job=\"no-client-cert\"}").await, Some(0.0));
}
