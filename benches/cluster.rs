//! Cluster benchmark: the same remote-write load into `sonde all` and into a
//! loopback cluster (`cluster/launch.sh`: 3 meta, 3 storage nodes, RF 3, one
//! scraper as the entry point, one query node), on the same machine, one
//! after the other. Prints ingest throughput and CPU-seconds per million
//! samples (the cluster's: every process's), and the latency of a set of
//! PromQL queries through `sonde query` against `sonde all`, as ratios.
//!
//! `cargo bench --bench cluster -- [--series N] [--rounds R] [--batch B]
//! [--concurrency C] [--query-runs Q] [--smoke] [--sonde-bin PATH]`

#[path = "ingest/load.rs"]
#[allow(dead_code)]
mod load;
#[path = "ingest/measure.rs"]
#[allow(dead_code)]
mod measure;
#[path = "ingest/push.rs"]
#[allow(dead_code)]
mod push;
#[path = "ingest/system.rs"]
#[allow(dead_code)]
mod system;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use load::{Load, LoadSpec};
use push::PushSettings;
use system::{Running, SystemKind};

const USAGE: &str = "usage: cargo bench --bench cluster -- [--series N] [--rounds R] [--batch B] \
[--concurrency C] [--query-runs Q] [--smoke] [--sonde-bin PATH]";
const INTERVAL_MS: i64 = 15_000;
const SEED: u64 = 0xC1u64 << 32 | 0x5EED;
const READY: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
struct Flags {
    series: usize,
    rounds: usize,
    batch: usize,
    concurrency: usize,
    query_runs: usize,
    sonde: PathBuf,
}

fn parse_flags() -> Result<Flags, String> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    let default_binary =
        std::env::var_os("SONDE_BIN").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sonde")));
    let mut flags = Flags {
        series: if smoke { 2_000 } else { 20_000 },
        rounds: if smoke { 3 } else { 20 },
        batch: 2_000,
        concurrency: 4,
        query_runs: if smoke { 3 } else { 20 },
        sonde: default_binary,
    };
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if flag == "--smoke" {
            continue;
        }
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{flag}: {value:?} is not a number\n{USAGE}"));
        match flag.as_str() {
            "--series" => flags.series = number()?,
            "--rounds" => flags.rounds = number()?,
            "--batch" => flags.batch = number()?,
            "--concurrency" => flags.concurrency = number()?,
            "--query-runs" => flags.query_runs = number()?,
            "--sonde-bin" => flags.sonde = PathBuf::from(value),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    Ok(flags)
}

/// What one system did with the load.
struct Measured {
    wall: Duration,
    cpu: Duration,
    failed_samples: u64,
    series_found: u64,
    /// Median latency of each query.
    latencies: Vec<Duration>,
}

/// Queries over the pushed data, as a dashboard would ask them.
fn queries(load: &Load) -> Vec<(String, String)> {
    let t = format!("{:.3}", load.query_time_ms as f64 / 1000.0);
    let start = format!("{:.3}", load.first_timestamp_ms as f64 / 1000.0);
    let instant = |q: &str| (q.to_string(), format!("/api/v1/query?query={}&time={t}", encode(q)));
    let range = |q: &str| {
        (format!("{q} (range)"), format!("/api/v1/query_range?query={}&start={start}&end={t}&step=60", encode(q)))
    };
    vec![
        instant("count({__name__=~\".+\"})"),
        instant("sum by (job) (rate(node_cpu_seconds_total[5m]))"),
        instant("topk(5, node_memory_MemAvailable_bytes)"),
        range("sum(rate(node_network_receive_bytes_total[5m]))"),
        range("max by (instance) (node_load1)"),
    ]
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn time_queries(client: &reqwest::Client, base: &str, load: &Load, runs: usize) -> Result<Vec<Duration>, String> {
    let mut medians = Vec::new();
    for (name, path) in queries(load) {
        let mut times = Vec::new();
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            let response = client.get(format!("{base}{path}")).send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = response.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("{name}: {status}: {body}"));
            }
            times.push(started.elapsed());
        }
        times.sort();
        medians.push(times[times.len() / 2]);
    }
    Ok(medians)
}

async fn count_series(client: &reqwest::Client, base: &str, load: &Load) -> Result<u64, String> {
    let path = format!(
        "/api/v1/series?match[]={}&start={:.3}&end={:.3}",
        encode("{__name__=~\".+\"}"),
        load.first_timestamp_ms as f64 / 1000.0,
        load.query_time_ms as f64 / 1000.0
    );
    let body: serde_json::Value = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    body["data"].as_array().map(|a| a.len() as u64).ok_or_else(|| format!("bad series answer: {body}"))
}

fn settings(flags: &Flags) -> PushSettings {
    PushSettings { concurrency: flags.concurrency, max_attempts: 10, backoff: Duration::from_millis(100) }
}

async fn measure_single(flags: &Flags, load: &Load, client: &reqwest::Client) -> Result<Measured, String> {
    let mut running = Running::start(SystemKind::Sonde, &flags.sonde).map_err(|e| e.to_string())?;
    running.wait_ready(client, READY).await.map_err(|e| e.to_string())?;
    let ticks = measure::clock_ticks_per_second();
    let before = measure::cpu_time(running.pid(), ticks).map_err(|e| e.to_string())?;
    let pushed = push::push(client, &running.write_url(), &load.rounds, &settings(flags)).await;
    let cpu = measure::cpu_time(running.pid(), ticks).map_err(|e| e.to_string())?.saturating_sub(before);
    let base = running.url("");
    let series_found = count_series(client, &base, load).await?;
    let latencies = time_queries(client, &base, load, flags.query_runs).await?;
    Ok(Measured { wall: pushed.wall, cpu, failed_samples: pushed.failed_samples, series_found, latencies })
}

/// The loopback cluster, stopped when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    base: u16,
}

impl Cluster {
    fn launcher(&self, command: &str) -> Command {
        let mut launcher = Command::new("bash");
        launcher.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/cluster/launch.sh")).arg(command);
        launcher.arg("--dir").arg(self.dir.path());
        launcher
    }

    fn pids(&self) -> Vec<u32> {
        let entries = std::fs::read_dir(self.dir.path()).into_iter().flatten().flatten();
        entries
            .filter(|e| e.path().extension().is_some_and(|x| x == "pid"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok()?.trim().parse().ok())
            .collect()
    }

    fn cpu(&self) -> Result<Duration, String> {
        let ticks = measure::clock_ticks_per_second();
        self.pids().into_iter().map(|pid| measure::cpu_time(pid, ticks).map_err(|e| e.to_string())).sum()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.launcher("down").status();
    }
}

fn free_block() -> Result<u16, String> {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos()) as u16;
    for attempt in 0..100u16 {
        // Below the kernel's ephemeral ports (32768 and up).
        let base = 20_000 + (seed.wrapping_add(attempt * 37) % 120) * 100;
        if (0..=60).all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok()) {
            return Ok(base);
        }
    }
    Err("no free block of ports".into())
}

async fn measure_cluster(flags: &Flags, load: &Load, client: &reqwest::Client) -> Result<Measured, String> {
    let dir = tempfile::Builder::new().prefix("cluster-bench-").tempdir().map_err(|e| e.to_string())?;
    let config = dir.path().join("scrape.yml");
    std::fs::write(&config, "scrape_configs: []\n").map_err(|e| e.to_string())?;
    let cluster = Cluster { dir, base: free_block()? };
    let status = cluster
        .launcher("up")
        .args(["--base-port", &cluster.base.to_string(), "--storage", "3", "--scrapers", "1"])
        .arg("--scrape-config")
        .arg(&config)
        .arg("--binary")
        .arg(&flags.sonde)
        .args(["--replication-factor", "3"])
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cluster/launch.sh up failed".into());
    }
    // The scraper must see all three storage nodes before the load starts.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = cluster.cpu()?;
    let url = format!("http://127.0.0.1:{}/api/v1/write", cluster.base + 31);
    let pushed = push::push(client, &url, &load.rounds, &settings(flags)).await;
    let cpu = cluster.cpu()?.saturating_sub(before);
    let base = format!("http://127.0.0.1:{}", cluster.base + 20);
    let series_found = count_series(client, &base, load).await?;
    let latencies = time_queries(client, &base, load, flags.query_runs).await?;
    Ok(Measured { wall: pushed.wall, cpu, failed_samples: pushed.failed_samples, series_found, latencies })
}

fn render(load: &Load, single: &Measured, cluster: &Measured, flags: &Flags) -> String {
    let samples = load.samples as f64;
    let rate = |m: &Measured| samples / m.wall.as_secs_f64();
    let cpu = |m: &Measured| m.cpu.as_secs_f64() / (samples / 1e6);
    let mut out = format!(
        "\n{} series x {} rounds = {} samples in requests of {}, {} connections; {} runs per query (median)\n\n\
         | system | samples/s | CPU-s per 1M samples | series found | failed samples |\n|---|--:|--:|--:|--:|\n",
        load.series, flags.rounds, load.samples, flags.batch, flags.concurrency, flags.query_runs
    );
    for (name, m) in [("sonde all", single), ("cluster: 3 storage, RF 3 (all processes)", cluster)] {
        out.push_str(&format!(
            "| {name} | {:.0} | {:.3} | {} | {} |\n",
            rate(m),
            cpu(m),
            m.series_found,
            m.failed_samples
        ));
    }
    out.push_str(&format!(
        "\nreplication CPU per sample: {:.2}x sonde all (target <= 3.5x)\n\n| query | sonde all ms | sonde query ms | ratio |\n|---|--:|--:|--:|\n",
        cpu(cluster) / cpu(single)
    ));
    for (index, (name, _)) in queries(load).iter().enumerate() {
        let (a, b) = (single.latencies[index].as_secs_f64() * 1e3, cluster.latencies[index].as_secs_f64() * 1e3);
        out.push_str(&format!("| `{name}` | {a:.2} | {b:.2} | {:.2}x |\n", b / a));
    }
    let total = |m: &Measured| m.latencies.iter().map(Duration::as_secs_f64).sum::<f64>();
    out.push_str(&format!(
        "\nfan-out query latency, all queries: {:.2}x sonde all (target <= 1.5x)\n",
        total(cluster) / total(single)
    ));
    out
}

fn main() -> ExitCode {
    let flags = match parse_flags() {
        Ok(flags) => flags,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if !flags.sonde.is_file() {
        eprintln!("no sonde binary at {} (cargo build --release, or --sonde-bin)", flags.sonde.display());
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        let spec = LoadSpec {
            series: flags.series,
            rounds: flags.rounds,
            batch: flags.batch,
            interval_ms: INTERVAL_MS,
            end_ms: now,
            seed: SEED,
        };
        let load = match load::generate(&spec) {
            Ok(load) => load,
            Err(e) => {
                eprintln!("cannot generate the load: {e}");
                return ExitCode::FAILURE;
            }
        };
        let client = match push::client(flags.concurrency) {
            Ok(client) => client,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        eprintln!("sonde all: pushing {} samples", load.samples);
        let single = measure_single(&flags, &load, &client).await;
        eprintln!("cluster: pushing {} samples", load.samples);
        let cluster = measure_cluster(&flags, &load, &client).await;
        match (single, cluster) {
            (Ok(single), Ok(cluster)) => {
                println!("{}", render(&load, &single, &cluster, &flags));
                let complete = |m: &Measured| m.failed_samples == 0 && m.series_found == load.series as u64;
                if complete(&single) && complete(&cluster) {
                    ExitCode::SUCCESS
                } else {
                    eprintln!("the run is not valid: samples failed or series are missing");
                    ExitCode::FAILURE
                }
            }
            (single, cluster) => {
                if let Err(e) = single {
                    eprintln!("sonde all failed: {e}");
                }
                if let Err(e) = cluster {
                    eprintln!("the cluster failed: {e}");
                }
                ExitCode::FAILURE
            }
        }
    })
}
