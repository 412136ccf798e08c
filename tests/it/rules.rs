//! Rules end to end through `sonde all`: a scraped gauge crosses a
//! threshold, the alert goes pending, firing and resolved, the `ALERTS`
//! series and recorded series land in the TSDB, the rules and alerts APIs
//! show it, and a real Alertmanager hands the notifications to a webhook.
//! A restart while an alert is pending keeps its pending time.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use crate::exporter::Exporter;
use crate::support::{Killed, Sonde, free_port, get_json, now_ms, reference_binary, wait_for};

const RULES: &str = r#"
groups:
  - name: load
    interval: 1s
    rules:
      - record: instance:cpu_load:max
        expr: max by (instance, job) (cpu_load)
      - alert: HighLoad
        expr: cpu_load > 0.7
        for: 3s
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} load is {{ $value }}"
  - name: other
    rules:
      - record: job:up:count
        expr: count by (job) (up)
"#;

fn config(exporter: &Exporter, alertmanager: Option<u16>) -> String {
    let alerting = match alertmanager {
        Some(port) => {
            format!("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{port}']\n")
        }
        None => String::new(),
    };
    format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n{alerting}scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{}']\n",
        exporter.address()
    )
}

struct Node {
    sonde: Sonde,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start(config: &str, rules: &str, extra: &[&str]) -> Node {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
        std::fs::write(dir.path().join("rules.yml"), rules).unwrap();
        let sonde = Sonde::start(&dir.path().join("data"), extra);
        Node { sonde, client: reqwest::Client::new(), _dir: dir }
    }

    async fn api(&self, path: &str) -> Value {
        get_json(&self.client, &self.sonde.url(path)).await["data"].clone()
    }

    async fn query(&self, expr: &str) -> Vec<Value> {
        let path = format!("/api/v1/query?query={}", expr.replace(' ', "%20").replace('"', "%22").replace('=', "%3D"));
        self.api(&path).await["result"].as_array().unwrap().clone()
    }

    async fn alert_states(&self) -> Vec<String> {
        let alerts = self.api("/api/v1/alerts").await;
        alerts["alerts"].as_array().unwrap().iter().map(|a| a["state"].as_str().unwrap().to_string()).collect()
    }

    async fn eventually<F, Fut>(&self, what: &str, seconds: u64, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        crate::support::eventually_async(what, seconds, async || check().await).await
    }
}

/// A webhook that records what the Alertmanager posts.
pub async fn webhook() -> (u16, Arc<Mutex<Vec<Value>>>) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = received.clone();
    let app = axum::Router::new().fallback(move |body: bytes::Bytes| {
        let store = store.clone();
        async move {
            if let Ok(json) = serde_json::from_slice(&body) {
                store.lock().push(json);
            }
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, received)
}

pub fn start_alertmanager(dir: &std::path::Path, hook_port: u16) -> Option<(Killed, u16)> {
    let binary = reference_binary("prometheus-alertmanager")?;
    let port = free_port();
    let config = format!(
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:{hook_port}/hook\n        send_resolved: true\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let child = std::process::Command::new(binary)
        .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cannot start prometheus-alertmanager");
    let killed = Killed(child);
    wait_for(&format!("http://127.0.0.1:{port}/-/ready"));
    Some((killed, port))
}

fn notified(received: &Mutex<Vec<Value>>, status: &str) -> Option<Value> {
    received.lock().iter().find(|n| n["status"] == status).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_goes_pending_firing_resolved_and_reaches_alertmanager() {
    let am_dir = tempfile::tempdir().unwrap();
    let (hook_port, received) = webhook().await;
    let Some((_alertmanager, am_port)) = start_alertmanager(am_dir.path(), hook_port) else { return };
    let exporter = Exporter::start("# TYPE cpu_load gauge\ncpu_load 0.9\n").await;
    let node = Node::start(&config(&exporter, Some(am_port)), RULES, &[]);

    node.eventually("the alert to be pending", 20, || async { node.alert_states().await == ["pending"] }).await;
    node.eventually("the alert to fire", 20, || async { node.alert_states().await == ["firing"] }).await;
    let firing = node.query(r#"ALERTS{alertname="HighLoad",alertstate="firing"}"#).await;
    assert_eq!(firing.len(), 1, "{firing:?}");
    assert_eq!(firing[0]["metric"]["severity"], "page");
    assert_eq!(firing[0]["metric"]["instance"], exporter.address());
    let recorded = node.query("instance:cpu_load:max").await;
    assert_eq!(recorded[0]["value"][1], "0.9", "{recorded:?}");

    let rules = node.api("/api/v1/rules").await;
    let group = &rules["groups"][0];
    assert_eq!((group["name"].as_str(), group["interval"].as_f64()), (Some("load"), Some(1.0)));
    let alerting = &group["rules"][1];
    assert_eq!(alerting["type"], "alerting");
    assert_eq!(alerting["state"], "firing");
    assert_eq!(alerting["duration"], 3.0);
    assert_eq!(alerting["health"], "ok");
    assert_eq!(alerting["query"], "cpu_load > 0.7");
    let alert = &alerting["alerts"][0];
    assert_eq!(alert["annotations"]["summary"], format!("{} load is 0.9", exporter.address()));
    assert_eq!(alert["value"], "9e-01");
    assert_eq!(group["rules"][0]["type"], "recording");
    let recording_only = node.api("/api/v1/rules?type=record").await;
    assert_eq!(recording_only["groups"][0]["rules"].as_array().unwrap().len(), 1);

    let first_page = node.api("/api/v1/rules?group_limit=1").await;
    assert_eq!(first_page["groups"].as_array().unwrap().len(), 1);
    let token = first_page["groupNextToken"].as_str().unwrap().to_string();
    let second_page = node.api(&format!("/api/v1/rules?group_limit=1&group_next_token={token}")).await;
    assert_eq!(second_page["groups"][0]["name"], "other");
    assert!(second_page.get("groupNextToken").is_none());
    let bad = node.client.get(node.sonde.url("/api/v1/rules?group_limit=0")).send().await.unwrap();
    assert_eq!(bad.status(), 400);

    let alertmanagers = node.api("/api/v1/alertmanagers").await;
    assert_eq!(alertmanagers["activeAlertmanagers"][0]["url"], format!("http://127.0.0.1:{am_port}/api/v2/alerts"));

    node.eventually("the firing notification at the webhook", 30, || async { notified(&received, "firing").is_some() })
        .await;
    let firing = notified(&received, "firing").unwrap();
    let alert = &firing["alerts"][0];
    assert_eq!(alert["labels"]["alertname"], "HighLoad");
    assert_eq!(alert["labels"]["severity"], "page");
    assert!(alert["generatorURL"].as_str().unwrap().contains("/graph?g0.expr=cpu_load+%3E+0.7&g0.tab=1"), "{alert}");

    exporter.set_body("# TYPE cpu_load gauge\ncpu_load 0.1\n");
    node.eventually("the alert to resolve", 20, || async { node.alert_states().await.is_empty() }).await;
    node.eventually("the resolved notification at the webhook", 30, || async {
        notified(&received, "resolved").is_some()
    })
    .await;
    node.eventually("ALERTS to go stale", 10, || async {
        node.query(r#"ALERTS{alertname="HighLoad"}"#).await.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_during_for_keeps_the_pending_time() {
    let exporter = Exporter::start("# TYPE cpu_load gauge\ncpu_load 0.9\n").await;
    let rules = RULES.replace("for: 3s", "for: 10m");
    let mut node = Node::start(&config(&exporter, None), &rules, &["--rules.alert.for-grace-period=1s"]);
    node.eventually("the alert to be pending", 20, || async { node.alert_states().await == ["pending"] }).await;
    let for_state = r#"ALERTS_FOR_STATE{alertname="HighLoad"}"#;
    node.eventually("ALERTS_FOR_STATE", 20, || async { !node.query(for_state).await.is_empty() }).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let before: f64 = node.query(for_state).await[0]["value"][1].as_str().unwrap().parse().unwrap();

    assert!(node.sonde.terminate().success());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let restarted_s = now_ms() as f64 / 1000.0;
    node.sonde.restart();

    // Restored after the second evaluation: active since before the stop,
    // moved by the time Sonde was down, not reset to the restart.
    let after = Arc::new(Mutex::new(before));
    node.eventually("a restored ALERTS_FOR_STATE", 30, || async {
        let result = node.query(for_state).await;
        let value = result.first().map_or(before, |r| r["value"][1].as_str().unwrap().parse().unwrap());
        *after.lock() = value;
        value != before
    })
    .await;
    let after = *after.lock();
    // About 8 s of pending time before the stop; a reset would start it at the restart.
    let downtime = restarted_s - before - 8.0;
    assert!(
        after >= before + 1.0 && after < restarted_s - 5.0,
        "before {before}, after {after}, restart {restarted_s}, downtime ~{downtime}"
    );
    assert_eq!(node.alert_states().await, ["pending"]);
}

#[test]
fn check_rules_reports_like_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yml");
    std::fs::write(&good, RULES).unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: 'rate(x[5m]'\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["check", "rules"])
        .arg(&good)
        .arg(&bad)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.contains("  SUCCESS: 3 rules found"), "{stdout}");
    assert!(
        stderr.contains("  FAILED:") && stderr.contains("group \"a\", rule 1, \"X\": could not parse expression"),
        "{stderr}"
    );
}
