//! The systems under test: finding their binaries, starting each on a free
//! loopback port with a fresh data directory (fed by remote write, or
//! scraping the jobs of a given configuration), waiting for its readiness
//! endpoint, and the admin calls the measurements need (write the data to
//! disk, count the series held, evaluate a counting query). A child is
//! killed and its directory removed when its handle drops, on a panic's
//! unwinding too.

use std::fs::{self, File};
use std::io;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tempfile::TempDir;

use super::measure;

/// Why a system could not be found, started or asked something.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    #[error("unknown system {0:?}; known: prometheus, victoria-metrics, sonde")]
    Unknown(String),
    #[error("binary not found: {0}")]
    Missing(String),
    #[error("cannot prepare the data directory: {0}")]
    Directory(io::Error),
    #[error("cannot find a free loopback port: {0}")]
    Port(io::Error),
    #[error("cannot start {binary}: {source}")]
    Spawn { binary: PathBuf, source: io::Error },
    #[error("it exited ({status}) before it was ready; last output:\n{log}")]
    Exited { status: ExitStatus, log: String },
    #[error("it was not ready within {seconds} s; last output:\n{log}")]
    NotReady { seconds: u64, log: String },
    #[error("{call} is not served ({status})")]
    Unsupported { call: &'static str, status: StatusCode },
    #[error("{call} failed: {detail}")]
    Call { call: &'static str, detail: String },
    #[error("cannot size the flushed data: {0}")]
    Measure(#[from] measure::MeasureError),
}

/// A system the benchmark knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemKind {
    Prometheus,
    VictoriaMetrics,
    Sonde,
}

impl SystemKind {
    pub const ALL: [SystemKind; 3] = [Self::Prometheus, Self::VictoriaMetrics, Self::Sonde];

    /// The name used in `--systems`.
    pub fn flag_name(self) -> &'static str {
        match self {
            Self::Prometheus => "prometheus",
            Self::VictoriaMetrics => "victoria-metrics",
            Self::Sonde => "sonde",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Self::Prometheus => "Prometheus",
            Self::VictoriaMetrics => "VictoriaMetrics",
            Self::Sonde => "Sonde",
        }
    }

    pub fn parse(name: &str) -> Result<Self, SystemError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.flag_name() == name)
            .ok_or_else(|| SystemError::Unknown(name.to_string()))
    }

    fn ready_path(self) -> &'static str {
        match self {
            Self::VictoriaMetrics => "/health",
            Self::Prometheus | Self::Sonde => "/-/ready",
        }
    }
}

/// How a started system gets its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Each bench constructs one of the variants only.
#[allow(dead_code)]
pub enum Feed<'a> {
    /// Pushed by remote write; no scrape jobs.
    Push,
    /// Scraped by the system itself: the text of a Prometheus configuration
    /// file with a `scrape_configs` section, given to Prometheus and Sonde as
    /// `--config.file` and to VictoriaMetrics as `-promscrape.config`.
    Scrape(&'a str),
}

/// The binary to run for `kind`: Prometheus and VictoriaMetrics from PATH,
/// Sonde from `sonde_binary`.
pub fn locate(kind: SystemKind, sonde_binary: &Path) -> Result<PathBuf, SystemError> {
    let found = match kind {
        SystemKind::Prometheus => find_on_path("prometheus"),
        SystemKind::VictoriaMetrics => find_on_path("victoria-metrics"),
        SystemKind::Sonde => Some(sonde_binary.to_path_buf()).filter(|path| is_executable(path)),
    };
    found.ok_or_else(|| {
        SystemError::Missing(match kind {
            SystemKind::Sonde => format!(
                "{} (build it with `cargo build --release`, or pass --sonde-bin or SONDE_BIN)",
                sonde_binary.display()
            ),
            _ => format!("no `{}` on PATH", kind.flag_name()),
        })
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// A started system. Dropping it kills the process, then removes its files.
pub struct Running {
    child: Child,
    kind: SystemKind,
    port: u16,
    root: TempDir,
}

const LOG_FILE: &str = "output.log";
const LOG_TAIL_LINES: usize = 15;
const POLL: Duration = Duration::from_millis(100);
/// VictoriaMetrics writes parts in the background after a flush; its size
/// counts once it held still this many polls in a row.
const STABLE_POLLS: u32 = 3;
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Running {
    /// Starts `binary` as `kind` on a free port with a new data directory,
    /// fed by remote write.
    pub fn start(kind: SystemKind, binary: &Path) -> Result<Self, SystemError> {
        Self::start_fed(kind, binary, Feed::Push)
    }

    /// Starts `binary` as `kind` on a free port with a new data directory,
    /// fed as `feed` says.
    pub fn start_fed(kind: SystemKind, binary: &Path, feed: Feed<'_>) -> Result<Self, SystemError> {
        let bench = if feed == Feed::Push { "ingest" } else { "scrape" };
        let root = tempfile::Builder::new()
            .prefix(&format!("{bench}-bench-{}-", kind.flag_name()))
            .tempdir()
            .map_err(SystemError::Directory)?;
        let port = free_port().map_err(SystemError::Port)?;
        let arguments = arguments(kind, root.path(), port, feed).map_err(SystemError::Directory)?;
        let log = File::create(root.path().join(LOG_FILE)).map_err(SystemError::Directory)?;
        let log_copy = log.try_clone().map_err(SystemError::Directory)?;
        let child = Command::new(binary)
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_copy)
            .spawn()
            .map_err(|source| SystemError::Spawn { binary: binary.to_path_buf(), source })?;
        Ok(Self { child, kind, port, root })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn write_url(&self) -> String {
        self.url("/api/v1/write")
    }

    /// `path` on the system's HTTP listener.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Polls the readiness endpoint until it answers 2xx, the process exits,
    /// or `timeout` passes.
    pub async fn wait_ready(&mut self, client: &reqwest::Client, timeout: Duration) -> Result<(), SystemError> {
        let deadline = Instant::now() + timeout;
        let url = self.url(self.kind.ready_path());
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(SystemError::Exited { status, log: self.log_tail() });
            }
            let answer = client.get(&url).timeout(Duration::from_secs(2)).send().await;
            if answer.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(SystemError::NotReady { seconds: timeout.as_secs(), log: self.log_tail() });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Writes everything ingested to disk and returns the directory that
    /// holds it: a snapshot (the head written as a block) for Prometheus and
    /// Sonde; the whole storage directory after a forced flush for
    /// VictoriaMetrics.
    pub async fn flush(&self, client: &reqwest::Client) -> Result<PathBuf, SystemError> {
        match self.kind {
            SystemKind::Prometheus | SystemKind::Sonde => self.snapshot(client).await,
            SystemKind::VictoriaMetrics => self.force_flush(client).await,
        }
    }

    async fn snapshot(&self, client: &reqwest::Client) -> Result<PathBuf, SystemError> {
        const CALL: &str = "POST /api/v1/admin/tsdb/snapshot";
        let body = call(client.post(self.url("/api/v1/admin/tsdb/snapshot")), CALL).await?;
        let name = json_data(&body, CALL)?
            .get("name")
            .and_then(|name| name.as_str())
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .map(str::to_string)
            .ok_or_else(|| SystemError::Call { call: CALL, detail: format!("no snapshot name in {body}") })?;
        Ok(self.data_dir().join("snapshots").join(name))
    }

    /// VictoriaMetrics only: makes every ingested row searchable and waits
    /// until the background writes of parts stopped moving the directory's
    /// size, which it returns.
    pub async fn force_flush(&self, client: &reqwest::Client) -> Result<PathBuf, SystemError> {
        call(client.get(self.url("/internal/force_flush")), "GET /internal/force_flush").await?;
        let data = self.data_dir();
        let (mut last, mut still) = (measure::directory_size(&data)?, 0);
        let deadline = Instant::now() + SETTLE_TIMEOUT;
        while still < STABLE_POLLS && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let size = measure::directory_size(&data)?;
            still = if size == last { still + 1 } else { 0 };
            last = size;
        }
        Ok(data)
    }

    /// How many series the system holds: `count({__name__=~".+"})` at
    /// `query_ms` on Prometheus and VictoriaMetrics; the length of
    /// `/api/v1/series` over `[start_ms, query_ms]` on Sonde.
    pub async fn count_series(
        &self,
        client: &reqwest::Client,
        start_ms: i64,
        query_ms: i64,
    ) -> Result<u64, SystemError> {
        let seconds = |ms: i64| format!("{:.3}", ms as f64 / 1000.0);
        if self.kind == SystemKind::Sonde {
            const CALL: &str = "GET /api/v1/series";
            let request = client.get(self.url("/api/v1/series"));
            let query = [
                ("match[]", "{__name__=~\".+\"}".to_string()),
                ("start", seconds(start_ms)),
                ("end", seconds(query_ms)),
            ];
            let body = call(request.query(&query), CALL).await?;
            let series = json_data(&body, CALL)?.as_array().map(Vec::len);
            return series
                .map(|n| n as u64)
                .ok_or_else(|| SystemError::Call { call: CALL, detail: "data is not a list".into() });
        }
        self.query_count(client, "count({__name__=~\".+\"})", query_ms).await
    }

    /// The number an instant query such as `count(...)` or `sum(...)`
    /// yields at `time_ms`; an empty result counts 0. `nocache=1` stops
    /// VictoriaMetrics from moving a recent `time` back by its
    /// `-search.latencyOffset` and from answering out of its cache; the
    /// others ignore it.
    pub async fn query_count(&self, client: &reqwest::Client, query: &str, time_ms: i64) -> Result<u64, SystemError> {
        const CALL: &str = "GET /api/v1/query";
        let time = format!("{:.3}", time_ms as f64 / 1000.0);
        let query = [("query", query), ("time", time.as_str()), ("nocache", "1")];
        let body = call(client.get(self.url("/api/v1/query")).query(&query), CALL).await?;
        parse_count(&json_data(&body, CALL)?)
            .ok_or_else(|| SystemError::Call { call: CALL, detail: format!("unexpected answer {body}") })
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.root.path().join(LOG_FILE)).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The data directory is removed after this, when `root` drops.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port the kernel just handed out on loopback; the tiny window before the
/// child binds it is acceptable for a benchmark.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn arguments(kind: SystemKind, root: &Path, port: u16, feed: Feed<'_>) -> io::Result<Vec<String>> {
    let data = root.join("data");
    fs::create_dir(&data)?;
    let (data, listen) = (data.display().to_string(), format!("127.0.0.1:{port}"));
    let config = root.join("prometheus.yml");
    let config_flag = |flag: &str| format!("{flag}={}", config.display());
    Ok(match (kind, feed) {
        (SystemKind::Prometheus, Feed::Push) => {
            // Global settings only: no scrape jobs, so only pushed series exist.
            fs::write(&config, "global:\n  scrape_interval: 15s\n")?;
            vec![
                config_flag("--config.file"),
                format!("--storage.tsdb.path={data}"),
                format!("--web.listen-address={listen}"),
                "--web.enable-remote-write-receiver".into(),
                "--web.enable-admin-api".into(),
            ]
        }
        (SystemKind::Prometheus, Feed::Scrape(text)) => {
            fs::write(&config, text)?;
            vec![
                config_flag("--config.file"),
                format!("--storage.tsdb.path={data}"),
                format!("--web.listen-address={listen}"),
                "--web.enable-admin-api".into(),
            ]
        }
        (SystemKind::VictoriaMetrics, Feed::Push) => {
            vec![format!("-storageDataPath={data}"), format!("-httpListenAddr={listen}")]
        }
        (SystemKind::VictoriaMetrics, Feed::Scrape(text)) => {
            fs::write(&config, text)?;
            vec![
                format!("-storageDataPath={data}"),
                format!("-httpListenAddr={listen}"),
                config_flag("-promscrape.config"),
            ]
        }
        (SystemKind::Sonde, feed) => {
            let mut arguments = vec!["all".to_string()];
            if let Feed::Scrape(text) = feed {
                fs::write(&config, text)?;
                arguments.push(config_flag("--config.file"));
            }
            arguments.extend([
                format!("--storage.tsdb.path={data}"),
                format!("--web.listen-address={listen}"),
                "--web.enable-admin-api".into(),
            ]);
            arguments
        }
    })
}

/// Sends a request and returns its body, mapping 404/405 to `Unsupported`.
async fn call(request: reqwest::RequestBuilder, call: &'static str) -> Result<String, SystemError> {
    let response = request.send().await.map_err(|error| SystemError::Call { call, detail: error.to_string() })?;
    let status = response.status();
    let body = response.text().await.map_err(|error| SystemError::Call { call, detail: error.to_string() })?;
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Err(SystemError::Unsupported { call, status }),
        status if status.is_success() => Ok(body),
        status => Err(SystemError::Call { call, detail: format!("{status}: {}", body.trim()) }),
    }
}

/// The `data` of a Prometheus API answer whose status is "success".
fn json_data(body: &str, call: &'static str) -> Result<serde_json::Value, SystemError> {
    let mut answer: serde_json::Value = serde_json::from_str(body)
        .map_err(|error| SystemError::Call { call, detail: format!("answer is not JSON: {error}") })?;
    if answer.get("status").and_then(|s| s.as_str()) != Some("success") {
        return Err(SystemError::Call { call, detail: format!("status is not success: {body}") });
    }
    Ok(answer.get_mut("data").map(serde_json::Value::take).unwrap_or_default())
}

/// The value of a one-element instant vector; an empty vector counts 0.
fn parse_count(data: &serde_json::Value) -> Option<u64> {
    let result = data.get("result")?.as_array()?;
    let Some(first) = result.first() else {
        return Some(0);
    };
    first.get("value")?.get(1)?.as_str()?.parse::<f64>().ok().map(|count| count as u64)
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    #[test]
    fn system_names_round_trip() {
        for kind in SystemKind::ALL {
            assert_eq!(SystemKind::parse(kind.flag_name()).unwrap(), kind);
        }
        assert!(SystemKind::parse("influxdb").unwrap_err().to_string().contains("unknown system \"influxdb\""));
    }

    #[test]
    fn a_missing_sonde_binary_says_how_to_get_one() {
        let error = locate(SystemKind::Sonde, Path::new("/nonexistent/sonde")).unwrap_err();
        assert!(matches!(error, SystemError::Missing(_)));
        assert!(error.to_string().contains("/nonexistent/sonde"));
        // A directory or a non-executable file is no binary either.
        assert!(locate(SystemKind::Sonde, Path::new("/tmp")).is_err());
    }

    #[test]
    fn prometheus_gets_a_config_without_scrape_jobs() {
        let root = tempfile::tempdir().unwrap();
        let arguments = arguments(SystemKind::Prometheus, root.path(), 4321, Feed::Push).unwrap();
        assert!(arguments.contains(&"--web.listen-address=127.0.0.1:4321".to_string()));
        assert!(arguments.contains(&"--web.enable-remote-write-receiver".to_string()));
        let config = fs::read_to_string(root.path().join("prometheus.yml")).unwrap();
        assert!(!config.contains("scrape_configs"));
        assert!(root.path().join("data").is_dir());
    }

    #[test]
    fn every_system_gets_the_same_scrape_config() {
        let text = "scrape_configs:\n  - job_name: bench\n";
        for kind in SystemKind::ALL {
            let root = tempfile::tempdir().unwrap();
            let arguments = arguments(kind, root.path(), 4321, Feed::Scrape(text)).unwrap();
            let config = root.path().join("prometheus.yml").display().to_string();
            let flag = if kind == SystemKind::VictoriaMetrics { "-promscrape.config" } else { "--config.file" };
            assert!(arguments.contains(&format!("{flag}={config}")), "{kind:?}: {arguments:?}");
            assert_eq!(fs::read_to_string(&config).unwrap(), text);
            assert!(!arguments.iter().any(|a| a.contains("remote-write")), "{kind:?}: {arguments:?}");
        }
    }

    #[test]
    fn counts_come_from_the_instant_vector() {
        let data = serde_json::json!({"resultType": "vector", "result": [{"metric": {}, "value": [1.5, "2000"]}]});
        assert_eq!(parse_count(&data), Some(2_000));
        assert_eq!(parse_count(&serde_json::json!({"resultType": "vector", "result": []})), Some(0));
        assert_eq!(parse_count(&serde_json::json!({"result": "nope"})), None);
        assert!(json_data(r#"{"status":"error","error":"bad"}"#, "test").is_err());
        assert!(json_data("<html>", "test").unwrap_err().to_string().contains("not JSON"));
    }

    /// An executable shell script standing in for a system's binary.
    fn fake_binary(dir: &Path, script: &str) -> PathBuf {
        let path = dir.join("fake-system");
        fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn a_process_that_exits_early_is_reported_with_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let binary = fake_binary(dir.path(), "echo \"cannot start: $1\" >&2; exit 3");
        let mut running = Running::start(SystemKind::Sonde, &binary).unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let error = running.wait_ready(&client, Duration::from_secs(20)).await.unwrap_err();
        assert!(matches!(error, SystemError::Exited { .. }), "{error}");
        assert!(error.to_string().contains("cannot start: all"), "{error}");
    }

    #[tokio::test]
    async fn a_process_that_never_gets_ready_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut running = Running::start(SystemKind::Prometheus, &fake_binary(dir.path(), "exec sleep 600")).unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let error = running.wait_ready(&client, Duration::from_millis(300)).await.unwrap_err();
        assert!(matches!(error, SystemError::NotReady { .. }), "{error}");
    }

    #[test]
    fn dropping_kills_the_process_and_removes_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let running = Running::start(SystemKind::VictoriaMetrics, &fake_binary(dir.path(), "exec sleep 600")).unwrap();
        let (pid, root) = (running.pid(), running.root.path().to_path_buf());
        assert!(Path::new(&format!("/proc/{pid}")).exists());
        drop(running);
        assert!(!root.exists());
        // Killed and reaped: the process is gone.
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }
}
