//! Helpers shared by the integration tests: a `sonde all` child process on a
//! free loopback port with its own data directory, remote-write encoding,
//! and reference systems that must exist in CI but may be missing locally.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sonde::ingest::remote_write::Protocol;
use sonde::ingest::remote_write::encode::{SeriesData, encode_body};

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `sonde all`, killed when dropped.
pub struct Sonde {
    pub child: Child,
    pub port: u16,
    pub data_dir: PathBuf,
    pub extra_args: Vec<String>,
}

impl Sonde {
    pub fn start(data_dir: &Path, extra_args: &[&str]) -> Sonde {
        Sonde::start_on(free_port(), data_dir, extra_args)
    }

    /// `start` on a given port (e.g. one its configuration scrapes).
    pub fn start_on(port: u16, data_dir: &Path, extra_args: &[&str]) -> Sonde {
        let extra_args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
        let child = spawn(data_dir, port, &extra_args);
        let sonde = Sonde { child, port, data_dir: data_dir.to_path_buf(), extra_args };
        sonde.wait_ready();
        sonde
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(response) = ureq_get(&self.url("/-/ready")) {
                if response.0 == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sonde did not become ready on port {}", self.port);
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the process with SIGTERM and waits for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }

    /// Starts the same node again on the same data directory and port.
    pub fn restart(&mut self) {
        self.child = spawn(&self.data_dir, self.port, &self.extra_args);
        self.wait_ready();
    }
}

impl Drop for Sonde {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(data_dir: &Path, port: u16, extra_args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sonde"))
        .arg("all")
        .arg(format!("--storage.tsdb.path={}", data_dir.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--config.file=prometheus.yml")
        .args(extra_args)
        .current_dir(data_dir.parent().unwrap_or(data_dir))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start sonde")
}

/// A blocking HTTP/1.0 GET on loopback for polling, usable inside async
/// tests: (status, body).
pub fn ureq_get(url: &str) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no status line")?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// A snappy-compressed remote-write body.
pub fn body(protocol: Protocol, series: &[SeriesData]) -> Vec<u8> {
    encode_body(protocol, series)
}

/// One series with the given labels and samples, in encoder form.
pub fn series(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> SeriesData {
    (labels.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(), samples.to_vec())
}

/// Posts a remote-write body; returns status, headers and body text.
pub async fn post_write(
    client: &reqwest::Client,
    url: &str,
    protocol: Protocol,
    body: Vec<u8>,
    tenant: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = client
        .post(url)
        .header("Content-Type", protocol.content_type())
        .header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Write-Version", protocol.version())
        .body(body);
    if let Some(tenant) = tenant {
        request = request.header("X-Scope-OrgID", tenant);
    }
    let response = request.send().await.expect("request failed");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// Where a reference system's binary is, or why the test cannot run. In CI
/// (`CI` set) a missing binary fails the test instead of skipping it.
pub fn reference_binary(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is required in CI but is not installed (.ci/run installs it)");
        }
        eprintln!("SKIPPED: {name} is not installed; install the Debian package to run this test");
    }
    found
}

/// JSON from a GET, panicking with the body on a non-200 answer.
pub async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "GET {url}: {text}");
    serde_json::from_str(&text).unwrap()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A child process (a reference system, an exporter) killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `url` until it answers 200, failing after a minute.
pub fn wait_for(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ureq_get(url).is_ok_and(|(status, _)| status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{url} did not come up");
}

/// Polls `check` every 200 ms until it holds, failing after `seconds`.
pub async fn eventually_async(what: &str, seconds: u64, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}
