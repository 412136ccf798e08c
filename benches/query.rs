//! PromQL query benchmark: loads the same HTTP-service data (request
//! counters, a latency histogram, a gauge) into Sonde, Prometheus and
//! VictoriaMetrics by remote write, one system at a time so that no system
//! answers while another ingests, times six dashboard queries at the end of
//! the data on each (median of `--runs`), checks that Sonde's answers are
//! Prometheus' and prints a Markdown table against the target.
//!
//! `cargo bench --bench query -- [--series N] [--hours H] [--runs R]
//! [--systems a,b] [--smoke] [--sonde-bin PATH]`

#[path = "query/answer.rs"]
mod answer;
#[path = "query/dataset.rs"]
mod dataset;
#[path = "ingest/load.rs"]
// Shared with the ingest bench; this one only encodes requests with it.
#[allow(dead_code)]
mod load;
#[path = "ingest/measure.rs"]
#[allow(dead_code)]
mod measure;
#[path = "ingest/push.rs"]
#[allow(dead_code)]
mod push;
#[path = "query/queries.rs"]
mod queries;
#[path = "query/report.rs"]
mod report;
#[path = "ingest/system.rs"]
#[allow(dead_code)]
mod system;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dataset::{Dataset, DatasetSpec};
use push::PushSettings;
use queries::Query;
use report::{Measured, Outcome, Report, Run, Setup};
use system::{Running, SystemKind};

const USAGE: &str = "usage: cargo bench --bench query -- [--series N] [--hours H] [--runs R] \
[--systems sonde,prometheus,victoria-metrics] [--smoke] [--sonde-bin PATH]";
/// Sonde first: its answers are the ones under test.
const SYSTEMS: [SystemKind; 3] = [SystemKind::Sonde, SystemKind::Prometheus, SystemKind::VictoriaMetrics];
const SEED: u64 = 0x9E37_0001;
const BATCH: usize = 2_000;
const CONCURRENCY: usize = 4;
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// A system is quiet once it used less CPU than this share of one core over
/// a second: head chunks written, parts merged, garbage collected.
const QUIET_SHARE: f64 = 0.05;
const QUIET_TIMEOUT: Duration = Duration::from_secs(120);

/// Why the benchmark could not run or its run is not valid.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("{USAGE}")]
    Help,
    #[error("{0}\n{USAGE}")]
    Flag(String),
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error(transparent)]
    Push(#[from] push::PushError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the data generator panicked")]
    Generator,
    #[error("interrupted; children stopped")]
    Interrupted,
    #[error("the run is not valid: {0}")]
    Invalid(String),
}

/// Command-line settings; `--smoke` only changes the defaults.
#[derive(Debug, Clone)]
struct Flags {
    series: usize,
    minutes: u64,
    runs: usize,
    systems: Vec<SystemKind>,
    smoke: bool,
    sonde_binary: PathBuf,
}

impl Flags {
    fn parse(arguments: impl IntoIterator<Item = String>) -> Result<Flags, BenchError> {
        let (mut series, mut minutes, mut runs, mut smoke, mut sonde) = (None, None, None, false, None);
        let mut systems = SYSTEMS.to_vec();
        let mut arguments = arguments.into_iter();
        while let Some(argument) = arguments.next() {
            let (name, inline) = match argument.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (argument, None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| arguments.next())
                    .ok_or_else(|| BenchError::Flag(format!("{name} needs a value")))
            };
            match name.as_str() {
                "--series" => series = Some(number(&name, &value()?)?),
                "--hours" => minutes = Some(hours_as_minutes(&name, &value()?)?),
                "--runs" => runs = Some(number(&name, &value()?)?),
                "--systems" => systems = system_list(&value()?)?,
                "--sonde-bin" => sonde = Some(PathBuf::from(value()?)),
                "--smoke" => smoke = true,
                "--help" | "-h" => return Err(BenchError::Help),
                // cargo passes --bench to every bench target.
                "--bench" => {}
                other => return Err(BenchError::Flag(format!("unknown flag {other:?}"))),
            }
        }
        Ok(Flags {
            series: series.unwrap_or(if smoke { 2_000 } else { 100_000 }),
            minutes: minutes.unwrap_or(if smoke { 30 } else { 120 }),
            runs: runs.unwrap_or(if smoke { 2 } else { 7 }),
            systems,
            smoke,
            sonde_binary: sonde.unwrap_or_else(default_sonde_binary),
        })
    }

    /// The flags as given on a command line that repeats this run.
    fn command_line(&self) -> String {
        let systems: Vec<&str> = self.systems.iter().map(|kind| kind.flag_name()).collect();
        format!(
            "--series {} --hours {} --runs {} --systems {}{}",
            self.series,
            self.minutes as f64 / 60.0,
            self.runs,
            systems.join(","),
            if self.smoke { " --smoke" } else { "" },
        )
    }
}

fn number(name: &str, text: &str) -> Result<usize, BenchError> {
    match text.parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(BenchError::Flag(format!("{name} needs a positive whole number, got {text:?}"))),
    }
}

/// Hours, fractions allowed, in whole minutes: at least 10, so that the
/// 5 m windows hold a full set of samples.
fn hours_as_minutes(name: &str, text: &str) -> Result<u64, BenchError> {
    match text.parse::<f64>() {
        Ok(hours) if hours.is_finite() && hours * 60.0 >= 10.0 => Ok((hours * 60.0).round() as u64),
        _ => Err(BenchError::Flag(format!("{name} needs at least 10 minutes in hours (e.g. 0.5), got {text:?}"))),
    }
}

fn system_list(list: &str) -> Result<Vec<SystemKind>, BenchError> {
    let kinds = list.split(',').map(|name| SystemKind::parse(name.trim())).collect::<Result<Vec<_>, _>>();
    kinds.map_err(|error| BenchError::Flag(error.to_string()))
}

/// `SONDE_BIN`, else the binary cargo built beside this benchmark.
fn default_sonde_binary() -> PathBuf {
    std::env::var_os("SONDE_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sonde")), PathBuf::from)
}

// Unused where the integration tests include this file as a module.
#[cfg_attr(test, allow(dead_code))]
fn main() -> ExitCode {
    let flags = match Flags::parse(std::env::args().skip(1)) {
        Ok(flags) => flags,
        Err(BenchError::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("query bench: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(BenchError::Runtime(error)),
    };
    let result = runtime.block_on(async {
        // Returning drops the running system, whose guard stops the child.
        tokio::select! {
            result = run(&flags) => result,
            _ = tokio::signal::ctrl_c() => Err(BenchError::Interrupted),
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    result.map_or_else(fail, |()| ExitCode::SUCCESS)
}

fn fail(error: BenchError) -> ExitCode {
    eprintln!("query bench: {error}");
    ExitCode::FAILURE
}

async fn run(flags: &Flags) -> Result<(), BenchError> {
    let data = generate(flags).await?;
    let client = push::client(CONCURRENCY)?;
    let queries = queries::dashboard(&data);
    let mut runs = Vec::new();
    for &kind in &flags.systems {
        eprintln!("{}: starting", kind.display_name());
        let outcome = bench_system(kind, flags, &data, &queries, &client).await;
        runs.push(Run { kind, outcome });
    }
    let setup = Setup {
        command_line: flags.command_line(),
        machine: measure::machine(),
        series: data.series,
        instances: data.instances,
        samples: data.samples,
        minutes: flags.minutes,
        runs: flags.runs,
    };
    let report = Report { queries: &queries, runs: &runs, setup };
    print!("{}", report.render());
    let problems = report.problems(std::env::var_os("CI").is_some());
    if problems.is_empty() { Ok(()) } else { Err(BenchError::Invalid(problems.join("; "))) }
}

/// Encodes every request before any system starts, off the async threads.
async fn generate(flags: &Flags) -> Result<Dataset, BenchError> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let spec = DatasetSpec { series: flags.series, minutes: flags.minutes, batch: BATCH, now_ms, seed: SEED };
    eprintln!("encoding {} series over {} min in requests of {BATCH}", spec.series, spec.minutes);
    let started = Instant::now();
    let generated = tokio::task::spawn_blocking(move || dataset::generate(&spec));
    let data = generated.await.map_err(|_| BenchError::Generator)??;
    eprintln!(
        "encoded {} samples, {:.1} MiB on the wire, in {:.1} s",
        data.samples,
        data.wire_bytes as f64 / (1u64 << 20) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(data)
}

async fn bench_system(
    kind: SystemKind,
    flags: &Flags,
    data: &Dataset,
    queries: &[Query],
    client: &reqwest::Client,
) -> Outcome {
    let binary = match system::locate(kind, &flags.sonde_binary) {
        Ok(binary) => binary,
        Err(error) => {
            eprintln!("{}: skipped: {error}", kind.display_name());
            return Outcome::Skipped(error.to_string());
        }
    };
    match measure_system(kind, &binary, flags, data, queries, client).await {
        Ok(measured) => Outcome::Measured(Box::new(measured)),
        Err(error) => {
            eprintln!("{}: failed: {error}", kind.display_name());
            Outcome::Failed(error)
        }
    }
}

async fn measure_system(
    kind: SystemKind,
    binary: &Path,
    flags: &Flags,
    data: &Dataset,
    queries: &[Query],
    client: &reqwest::Client,
) -> Result<Measured, String> {
    let name = kind.display_name();
    let mut running = Running::start(kind, binary).map_err(|e| e.to_string())?;
    running.wait_ready(client, READY_TIMEOUT).await.map_err(|e| e.to_string())?;
    eprintln!("{name}: pushing {} samples", data.samples);
    let load = load_data(&running, data, client).await?;
    let pushed = Instant::now();
    if kind == SystemKind::VictoriaMetrics {
        running.force_flush(client).await.map_err(|e| e.to_string())?;
    }
    let held = running.count_series(client, data.first_ms, data.end_ms).await.map_err(|e| e.to_string())?;
    if held != data.series as u64 {
        return Err(format!("holds {held} of {} series after the push", data.series));
    }
    wait_until_quiet(running.pid()).await?;
    let settle = pushed.elapsed();
    eprintln!("{name}: pushed in {:.1} s, quiet {:.1} s later", load.as_secs_f64(), settle.as_secs_f64());
    let peak_since_start = measure::reset_peak_memory(running.pid()).is_err();
    let base = running.url("");
    let mut timed = Vec::with_capacity(queries.len());
    for query in queries {
        eprintln!("{name}: {}", query.title());
        timed.push(queries::time(client, &base, query, flags.runs).await);
    }
    let peak_resident_bytes = measure::memory(running.pid()).map_err(|e| e.to_string())?.peak_resident_bytes;
    Ok(Measured { load, settle, peak_resident_bytes, peak_since_start, queries: timed })
}

/// Pushes every round and fails on any lost sample: the answers would differ.
async fn load_data(running: &Running, data: &Dataset, client: &reqwest::Client) -> Result<Duration, String> {
    let settings = PushSettings { concurrency: CONCURRENCY, max_attempts: 10, backoff: Duration::from_millis(100) };
    let report = push::push(client, &running.write_url(), &data.rounds, &settings).await;
    if report.failed_samples > 0 {
        let first = report.first_failure.unwrap_or_default();
        return Err(format!("rejected {} samples; first failure: {first}", report.failed_samples));
    }
    Ok(report.wall)
}

/// Waits until `pid` used less than `QUIET_SHARE` of a core over a second,
/// so that no background work of the ingest runs into the timings.
async fn wait_until_quiet(pid: u32) -> Result<(), String> {
    let ticks = measure::clock_ticks_per_second();
    let deadline = Instant::now() + QUIET_TIMEOUT;
    let mut before = measure::cpu_time(pid, ticks).map_err(|e| e.to_string())?;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = measure::cpu_time(pid, ticks).map_err(|e| e.to_string())?;
        if (now - before).as_secs_f64() < QUIET_SHARE {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("still busy {} s after the push", QUIET_TIMEOUT.as_secs()));
        }
        before = now;
    }
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Flags, BenchError> {
        Flags::parse(line.split_whitespace().map(str::to_string))
    }

    #[test]
    fn defaults_and_smoke_defaults() {
        let flags = parse("--bench").unwrap();
        assert_eq!((flags.series, flags.minutes, flags.runs, flags.smoke), (100_000, 120, 7, false));
        assert_eq!(flags.systems, SYSTEMS.to_vec());
        let smoke = parse("--smoke --runs=5").unwrap();
        assert_eq!((smoke.series, smoke.minutes, smoke.runs), (2_000, 30, 5));
        assert!(smoke.command_line().starts_with("--series 2000 --hours 0.5 --runs 5"), "{}", smoke.command_line());
    }

    #[test]
    fn hours_may_be_fractions_but_not_too_short() {
        assert_eq!(parse("--hours 1.5").unwrap().minutes, 90);
        let message = |line: &str| parse(line).unwrap_err().to_string();
        assert!(message("--hours 0.1").contains("at least 10 minutes"));
        assert!(message("--runs 0").contains("--runs needs a positive whole number"));
        assert!(message("--systems sonde,influxdb").contains("unknown system \"influxdb\""));
        assert!(message("--fast").contains("unknown flag \"--fast\""));
    }
}
