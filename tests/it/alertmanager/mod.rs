//! `sonde alertmanager` end to end: its API as amtool and Prometheus use
//! it, the same configuration and alerts given to Alertmanager 0.25 and to
//! Sonde (notifications compared body for body), and a three-peer cluster
//! that notifies once.

mod amtool;
mod compare;
mod partition;
mod peers;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use serde_json::Value;

use crate::support::{Killed, free_port, reference_binary, wait_for};

/// An Alertmanager process: Sonde's or upstream's.
pub struct Am {
    pub process: Option<Killed>,
    /// Where its API listens.
    pub host: String,
    pub port: u16,
    binary: PathBuf,
    args: Vec<String>,
    /// Runs it in this network namespace (`ip netns exec`).
    namespace: Option<String>,
}

impl Am {
    /// `sonde alertmanager` with `config` in `dir`; `extra` are more flags.
    pub fn sonde(dir: &Path, config: &str, extra: &[String]) -> Am {
        Am::start(PathBuf::from(env!("CARGO_BIN_EXE_sonde")), true, dir, config, extra)
    }

    /// Prometheus Alertmanager (the Debian package), or `None` outside CI
    /// when it is not installed.
    pub fn upstream(dir: &Path, config: &str, extra: &[String]) -> Option<Am> {
        let binary = reference_binary("prometheus-alertmanager")?;
        Some(Am::start(binary, false, dir, config, extra))
    }

    fn start(binary: PathBuf, sonde: bool, dir: &Path, config: &str, extra: &[String]) -> Am {
        Am::start_at(binary, sonde, dir, config, extra, "127.0.0.1", None)
    }

    /// Sonde's (`sonde`) or upstream's Alertmanager with its API on `host`,
    /// in a network namespace if given.
    pub fn start_at(
        binary: PathBuf,
        sonde: bool,
        dir: &Path,
        config: &str,
        extra: &[String],
        host: &str,
        namespace: Option<&str>,
    ) -> Am {
        std::fs::create_dir_all(dir).unwrap();
        let config_file = dir.join("alertmanager.yml");
        std::fs::write(&config_file, config).unwrap();
        let port = free_port();
        let mut args = Vec::new();
        if sonde {
            args.push("alertmanager".to_string());
        }
        args.extend([
            format!("--config.file={}", config_file.display()),
            format!("--storage.path={}", dir.join("data").display()),
            format!("--web.listen-address={host}:{port}"),
            "--web.external-url=http://alertmanager.example:9093".to_string(),
        ]);
        if !extra.iter().any(|arg| arg.starts_with("--cluster.listen-address")) {
            args.push(format!("--cluster.listen-address=127.0.0.1:{}", free_port()));
        }
        args.extend(extra.iter().cloned());
        let namespace = namespace.map(str::to_string);
        let mut am = Am { process: None, host: host.to_string(), port, binary, args, namespace };
        am.launch();
        am
    }

    fn launch(&mut self) {
        let log = std::env::var_os("SONDE_TEST_LOGS").is_some();
        let mut command = match &self.namespace {
            Some(namespace) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", namespace]).arg(&self.binary);
                command
            }
            None => Command::new(&self.binary),
        };
        let child = command
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(if log { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .expect("cannot start an alertmanager");
        self.process = Some(Killed(child));
        wait_for(&self.url("/-/ready"));
    }

    /// Starts the process again with the same flags and state directory.
    pub fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    pub fn kill9(&mut self) {
        self.process.take();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}:{}{}", self.host, self.port, path)
    }

    pub async fn post_alerts(&self, client: &reqwest::Client, alerts: &Value) {
        let response = client.post(self.url("/api/v2/alerts")).json(alerts).send().await.unwrap();
        let status = response.status();
        assert_eq!(status, 200, "posting alerts: {}", response.text().await.unwrap());
    }
}

/// A request a fake receiver got: its path, body and arrival.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub body: Value,
    pub at: Instant,
}

/// A local HTTP server recording every request (webhook, Telegram's API).
#[derive(Clone)]
pub struct Recorder {
    pub host: String,
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        Recorder::start_on("127.0.0.1").await
    }

    /// A recorder listening on `host` (an address other namespaces reach).
    pub async fn start_on(host: &str) -> Recorder {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let listener = tokio::net::TcpListener::bind(format!("{host}:0")).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let store = received.clone();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri, body: bytes::Bytes| {
            let store = store.clone();
            async move {
                let body = serde_json::from_slice(&body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
                store.lock().push(Received { path: uri.path().to_string(), body, at: Instant::now() });
                // Telegram's answer (Alertmanager reads the chat id); a webhook ignores it.
                axum::Json(serde_json::json!({"ok": true, "result": {"message_id": 1, "chat": {"id": -1001}}}))
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder { host: host.to_string(), port, received }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}:{}{path}", self.host, self.port)
    }

    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock())
    }

    pub fn count(&self) -> usize {
        self.received.lock().len()
    }
}

/// RFC 3339 in UTC with milliseconds, as Prometheus sends times.
pub fn rfc3339(unix_ms: i64) -> String {
    sonde::api::time::format_rfc3339(unix_ms)
}
