//! The seed scenario, "tell me when CPU on server X is above 70% for a
//! while", end to end with compressed time: a real node_exporter is scraped
//! by `sonde all`, the rule `avg by (instance)
//! (rate(node_cpu_seconds_total{mode!="idle"}[5s])) > 0.7` (the seed's
//! rule with its window scaled from 1m to 5s) with `for: 3s` goes pending,
//! firing and resolved, and a real Alertmanager hands both notifications to
//! a webhook.
//!
//! The load is applied through node_exporter's own input: it reads the CPU
//! counters from `--path.procfs`, here a directory whose `stat` file the
//! test advances, so the CPU time per mode is set exactly and the test does
//! not depend on what else this machine runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::rules::{start_alertmanager, webhook};
use crate::support::{Killed, Sonde, eventually_async as eventually, free_port, get_json, reference_binary, wait_for};

const RULES: &str = r#"
groups:
  - name: node
    interval: 1s
    rules:
      - alert: HighCPU
        expr: avg by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5s])) > 0.7
        for: 3s
        labels:
          severity: page
        annotations:
          summary: "CPU on {{ $labels.instance }} is {{ $value | humanizePercentage }}"
"#;

/// The modes of a `/proc/stat` cpu line, in order.
const MODES: usize = 10;
const IDLE: usize = 3;

/// A `/proc/stat` of two CPUs whose counters advance at the given rate:
/// busy, every non-idle mode of `user nice system iowait irq softirq steal`
/// at 0.9 s/s; idle, those at 0.02 s/s and idle at the rest.
struct FakeProc {
    dir: tempfile::TempDir,
    busy: Arc<AtomicBool>,
}

impl FakeProc {
    fn start() -> FakeProc {
        let dir = tempfile::tempdir().unwrap();
        let busy = Arc::new(AtomicBool::new(false));
        let (path, flag) = (dir.path().to_path_buf(), busy.clone());
        std::thread::spawn(move || {
            // Ticks of USER_HZ (100 per second), per CPU and mode.
            let mut ticks = [[1_000.0f64; MODES]; 2];
            let mut last = Instant::now();
            loop {
                let elapsed = last.elapsed().as_secs_f64();
                last = Instant::now();
                let busy = flag.load(Ordering::Relaxed);
                for cpu in &mut ticks {
                    for (mode, counter) in cpu.iter_mut().enumerate().take(8) {
                        let rate = match (mode == IDLE, busy) {
                            (true, true) => 0.0,
                            (true, false) => 0.86,
                            (false, true) => 0.9,
                            (false, false) => 0.02,
                        };
                        *counter += rate * elapsed * 100.0;
                    }
                }
                if write_stat(&path, &ticks).is_err() {
                    return; // the directory is gone: the test ended
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        FakeProc { dir, busy }
    }
}

fn write_stat(dir: &std::path::Path, ticks: &[[f64; MODES]; 2]) -> std::io::Result<()> {
    let line = |name: &str, values: &[f64; MODES]| {
        let fields: Vec<String> = values.iter().map(|v| format!("{}", v.floor() as u64)).collect();
        format!("{name} {}\n", fields.join(" "))
    };
    let mut total = [0.0; MODES];
    for cpu in ticks {
        for (sum, value) in total.iter_mut().zip(cpu) {
            *sum += value;
        }
    }
    let mut text = line("cpu ", &total);
    for (index, cpu) in ticks.iter().enumerate() {
        text.push_str(&line(&format!("cpu{index}"), cpu));
    }
    text.push_str("intr 0\nctxt 0\nbtime 1700000000\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n");
    let temporary = dir.join("stat.tmp");
    std::fs::write(&temporary, text)?;
    std::fs::rename(temporary, dir.join("stat"))
}

fn alert_states(alerts: &Value) -> Vec<String> {
    alerts["data"]["alerts"].as_array().unwrap().iter().map(|a| a["state"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_above_70_percent_alerts_through_node_exporter_and_alertmanager() {
    let Some(node_exporter) = reference_binary("prometheus-node-exporter") else { return };
    let am_dir = tempfile::tempdir().unwrap();
    let (hook_port, received) = webhook().await;
    let Some((_alertmanager, am_port)) = start_alertmanager(am_dir.path(), hook_port) else { return };

    let proc = FakeProc::start();
    std::fs::create_dir_all(proc.dir.path().join("sys")).unwrap();
    let exporter_port = free_port();
    let exporter = std::process::Command::new(node_exporter)
        .arg(format!("--web.listen-address=127.0.0.1:{exporter_port}"))
        .arg(format!("--path.procfs={}", proc.dir.path().display()))
        .arg(format!("--path.sysfs={}", proc.dir.path().join("sys").display()))
        .args(["--collector.disable-defaults", "--collector.cpu"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("cannot start node_exporter");
    let _exporter = Killed(exporter);
    wait_for(&format!("http://127.0.0.1:{exporter_port}/metrics"));

    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n\
         alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am_port}']\n\
         scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:{exporter_port}']\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    std::fs::write(dir.path().join("rules.yml"), RULES).unwrap();
    let sonde = Sonde::start(&dir.path().join("data"), &[]);
    let client = reqwest::Client::new();
    let alerts = async || get_json(&client, &sonde.url("/api/v1/alerts")).await;

    // Idle: 2% in every non-idle mode; the alert stays inactive.
    let cpu = sonde.url("/api/v1/query?query=count(node_cpu_seconds_total)");
    eventually("node_cpu_seconds_total scraped", 20, async || {
        get_json(&client, &cpu).await["data"]["result"][0]["value"][1] == "16"
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(alert_states(&alerts().await).is_empty(), "an alert without load");

    proc.busy.store(true, Ordering::Relaxed);
    eventually("HighCPU pending", 20, async || alert_states(&alerts().await) == ["pending"]).await;
    eventually("HighCPU firing", 20, async || alert_states(&alerts().await) == ["firing"]).await;
    let firing = alerts().await;
    let alert = &firing["data"]["alerts"][0];
    assert_eq!(alert["labels"]["instance"], format!("127.0.0.1:{exporter_port}"));
    // About 90% (the counters advance in whole ticks).
    let summary = alert["annotations"]["summary"].as_str().unwrap();
    let percent =
        summary.strip_prefix(&format!("CPU on 127.0.0.1:{exporter_port} is ")).and_then(|p| p.strip_suffix('%'));
    let percent: f64 = percent.and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("summary {summary:?}"));
    assert!((85.0..95.0).contains(&percent), "{summary}");
    eventually("the firing notification at the webhook", 30, async || {
        received.lock().iter().any(|n| n["status"] == "firing" && n["alerts"][0]["labels"]["alertname"] == "HighCPU")
    })
    .await;

    proc.busy.store(false, Ordering::Relaxed);
    eventually("HighCPU resolved", 20, async || alert_states(&alerts().await).is_empty()).await;
    eventually("the resolved notification at the webhook", 30, async || {
        received.lock().iter().any(|n| n["status"] == "resolved" && n["alerts"][0]["labels"]["alertname"] == "HighCPU")
    })
    .await;
}
