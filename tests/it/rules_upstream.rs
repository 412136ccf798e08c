//! The same rule file in Sonde and in Prometheus 2.42, both scraping the
//! same exporter and each sending to its own real Alertmanager: the same
//! `ALERTS` series, recorded series, alerts in `/api/v1/alerts`, and alerts
//! at the Alertmanagers' webhooks, firing and then resolved. Timestamps and
//! generator URLs differ by design (each evaluates on its own slots and
//! host) and are left out.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value;

use crate::exporter::Exporter;
use crate::rules::{start_alertmanager, webhook};
use crate::support::{Killed, Sonde, free_port, get_json, reference_binary, wait_for};

const RULES: &str = r#"
groups:
  - name: load
    interval: 1s
    rules:
      - record: job:cpu_load:max
        expr: max by (job, core) (cpu_load)
        labels:
          source: recorded
      - alert: HighLoad
        expr: cpu_load > 0.7
        for: 2s
        labels:
          severity: page
          core_label: "core {{ $labels.core }}"
        annotations:
          summary: "{{ $labels.instance }} core {{ $labels.core }} at {{ $value | humanizePercentage }}"
          value: "{{ $value }}"
"#;

const HIGH: &str =
    "# TYPE cpu_load gauge\ncpu_load{core=\"0\"} 0.9\ncpu_load{core=\"1\"} 0.95\ncpu_load{core=\"2\"} 0.2\n";
const LOW: &str =
    "# TYPE cpu_load gauge\ncpu_load{core=\"0\"} 0.1\ncpu_load{core=\"1\"} 0.1\ncpu_load{core=\"2\"} 0.2\n";

fn config(exporter: &Exporter, alertmanager_port: u16) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{alertmanager_port}']\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{}']\n",
        exporter.address()
    )
}

/// Label sets of a query's result, as sorted JSON strings.
async fn label_sets(client: &reqwest::Client, base: &str, query: &str) -> BTreeSet<String> {
    let url =
        format!("{base}/api/v1/query?query={}", query.replace(' ', "%20").replace('"', "%22").replace('=', "%3D"));
    let json = get_json(client, &url).await;
    json["data"]["result"].as_array().unwrap().iter().map(|r| r["metric"].to_string()).collect()
}

/// Alerts of `/api/v1/alerts` without their times.
async fn api_alerts(client: &reqwest::Client, base: &str) -> BTreeSet<String> {
    let json = get_json(client, &format!("{base}/api/v1/alerts")).await;
    let alerts = json["data"]["alerts"].as_array().unwrap();
    alerts.iter().map(|a| format!("{} {} {} {}", a["labels"], a["annotations"], a["state"], a["value"])).collect()
}

/// Alerts a webhook received with `status`, by labels and annotations.
fn webhook_alerts(received: &Mutex<Vec<Value>>, status: &str) -> BTreeSet<String> {
    let notifications = received.lock();
    let alerts = notifications.iter().flat_map(|n| n["alerts"].as_array().cloned().unwrap_or_default());
    alerts.filter(|a| a["status"] == status).map(|a| format!("{} {}", a["labels"], a["annotations"])).collect()
}

async fn eventually(what: &str, seconds: u64, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonde_and_prometheus_raise_the_same_alerts() {
    let Some(prometheus) = reference_binary("prometheus") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (sonde_hook, sonde_received) = webhook().await;
    let (prometheus_hook, prometheus_received) = webhook().await;
    std::fs::create_dir_all(dir.path().join("am-sonde")).unwrap();
    std::fs::create_dir_all(dir.path().join("am-prometheus")).unwrap();
    let Some((_am_sonde, sonde_am_port)) = start_alertmanager(&dir.path().join("am-sonde"), sonde_hook) else { return };
    let Some((_am_prometheus, prometheus_am_port)) =
        start_alertmanager(&dir.path().join("am-prometheus"), prometheus_hook)
    else {
        return;
    };
    let exporter = Exporter::start(HIGH).await;

    let sonde_dir = dir.path().join("sonde");
    std::fs::create_dir_all(&sonde_dir).unwrap();
    std::fs::write(sonde_dir.join("prometheus.yml"), config(&exporter, sonde_am_port)).unwrap();
    std::fs::write(sonde_dir.join("rules.yml"), RULES).unwrap();
    let sonde = Sonde::start(&sonde_dir.join("data"), &[]);

    let prometheus_dir = dir.path().join("prometheus");
    std::fs::create_dir_all(&prometheus_dir).unwrap();
    std::fs::write(prometheus_dir.join("prometheus.yml"), config(&exporter, prometheus_am_port)).unwrap();
    std::fs::write(prometheus_dir.join("rules.yml"), RULES).unwrap();
    let prometheus_port = free_port();
    let _prometheus = Killed(
        Command::new(prometheus)
            .args(["--config.file=prometheus.yml", "--storage.tsdb.path=data"])
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .current_dir(&prometheus_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let prometheus_url = format!("http://127.0.0.1:{prometheus_port}");
    wait_for(&format!("{prometheus_url}/-/ready"));
    let sonde_url = sonde.url("");
    let client = reqwest::Client::new();

    let firing = r#"ALERTS{alertstate="firing"}"#;
    for base in [&sonde_url, &prometheus_url] {
        eventually("two firing alerts", 30, async || label_sets(&client, base, firing).await.len() == 2).await;
    }
    for query in [firing, "ALERTS_FOR_STATE", "job:cpu_load:max"] {
        let expected = label_sets(&client, &prometheus_url, query).await;
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(label_sets(&client, &sonde_url, query).await, expected, "{query}");
    }
    assert_eq!(api_alerts(&client, &sonde_url).await, api_alerts(&client, &prometheus_url).await);

    for received in [&sonde_received, &prometheus_received] {
        eventually("firing alerts at the webhook", 30, async || webhook_alerts(received, "firing").len() == 2).await;
    }
    assert_eq!(webhook_alerts(&sonde_received, "firing"), webhook_alerts(&prometheus_received, "firing"));

    exporter.set_body(LOW);
    for received in [&sonde_received, &prometheus_received] {
        eventually("resolved alerts at the webhook", 40, async || webhook_alerts(received, "resolved").len() == 2)
            .await;
    }
    assert_eq!(webhook_alerts(&sonde_received, "resolved"), webhook_alerts(&prometheus_received, "resolved"));
    for base in [&sonde_url, &prometheus_url] {
        eventually("ALERTS to go stale", 20, async || label_sets(&client, base, "ALERTS").await.is_empty()).await;
    }
}
