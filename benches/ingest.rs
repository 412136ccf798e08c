//! Remote-write ingest benchmark: starts Prometheus, VictoriaMetrics and Sonde
//! one after another, pushes the same pre-encoded node_exporter-like load into
//! each (as Prometheus' remote-write queue manager would), and prints a
//! Markdown table of throughput, CPU, memory and disk per sample.
//!
//! `cargo bench --bench ingest -- [--series N] [--rounds R] [--batch B]
//! [--concurrency C] [--systems a,b] [--smoke] [--sonde-bin PATH]`

#[path = "ingest/load.rs"]
mod load;
#[path = "ingest/measure.rs"]
// Shared with the query bench, which also resets the peak it reads.
#[allow(dead_code)]
mod measure;
#[path = "ingest/push.rs"]
mod push;
#[path = "ingest/system.rs"]
mod system;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use load::{Load, LoadSpec};
use measure::{Machine, Memory};
use push::{PushReport, PushSettings};
use system::{Running, SystemKind};

const USAGE: &str = "usage: cargo bench --bench ingest -- [--series N] [--rounds R] [--batch B] \
[--concurrency C] [--systems prometheus,victoria-metrics,sonde] [--smoke] [--sonde-bin PATH]";
const SCRAPE_INTERVAL_MS: i64 = 15_000;
const SEED: u64 = 0x5EED_50DE;
const READY_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_ATTEMPTS: u32 = 10;
const RETRY_BACKOFF: Duration = Duration::from_millis(100);

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
    #[error("the load generator panicked")]
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
    rounds: usize,
    batch: usize,
    concurrency: usize,
    systems: Vec<SystemKind>,
    smoke: bool,
    sonde_binary: PathBuf,
}

impl Flags {
    fn parse(arguments: impl IntoIterator<Item = String>) -> Result<Flags, BenchError> {
        let (mut series, mut rounds, mut smoke, mut sonde) = (None, None, false, None);
        let mut flags = Flags {
            series: 0,
            rounds: 0,
            batch: 2_000,
            concurrency: 4,
            systems: SystemKind::ALL.to_vec(),
            smoke,
            sonde_binary: PathBuf::new(),
        };
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
                "--rounds" => rounds = Some(number(&name, &value()?)?),
                "--batch" => flags.batch = number(&name, &value()?)?,
                "--concurrency" => flags.concurrency = number(&name, &value()?)?,
                "--systems" => flags.systems = systems(&value()?)?,
                "--sonde-bin" => sonde = Some(PathBuf::from(value()?)),
                "--smoke" => smoke = true,
                "--help" | "-h" => return Err(BenchError::Help),
                // cargo passes --bench to every bench target.
                "--bench" => {}
                other => return Err(BenchError::Flag(format!("unknown flag {other:?}"))),
            }
        }
        flags.smoke = smoke;
        flags.series = series.unwrap_or(if smoke { 2_000 } else { 100_000 });
        flags.rounds = rounds.unwrap_or(if smoke { 3 } else { 20 });
        flags.sonde_binary = sonde.unwrap_or_else(default_sonde_binary);
        Ok(flags)
    }

    /// The flags as given on a command line that repeats this run.
    fn command_line(&self) -> String {
        let systems: Vec<&str> = self.systems.iter().map(|kind| kind.flag_name()).collect();
        format!(
            "--series {} --rounds {} --batch {} --concurrency {} --systems {}{} --sonde-bin {}",
            self.series,
            self.rounds,
            self.batch,
            self.concurrency,
            systems.join(","),
            if self.smoke { " --smoke" } else { "" },
            self.sonde_binary.display()
        )
    }
}

fn number(name: &str, text: &str) -> Result<usize, BenchError> {
    match text.parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(BenchError::Flag(format!("{name} needs a positive whole number, got {text:?}"))),
    }
}

fn systems(list: &str) -> Result<Vec<SystemKind>, BenchError> {
    let kinds = list.split(',').map(|name| SystemKind::parse(name.trim())).collect::<Result<Vec<_>, _>>();
    kinds.map_err(|error| BenchError::Flag(error.to_string()))
}

/// `SONDE_BIN`, else the binary cargo built beside this benchmark.
fn default_sonde_binary() -> PathBuf {
    std::env::var_os("SONDE_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_sonde")), PathBuf::from)
}

/// What one system's run came to.
enum Outcome {
    Measured(Box<Measured>),
    Skipped(String),
    Failed(String),
}

struct Measured {
    push: PushReport,
    cpu: Duration,
    memory: Memory,
    /// The series count, or why it could not be checked.
    series_found: Result<u64, String>,
    /// Bytes on disk after the flush, or why they could not be measured.
    disk_bytes: Result<u64, String>,
}

struct Row {
    kind: SystemKind,
    outcome: Outcome,
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
            eprintln!("ingest bench: {error}");
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
    eprintln!("ingest bench: {error}");
    ExitCode::FAILURE
}

async fn run(flags: &Flags) -> Result<(), BenchError> {
    let load = generate(flags).await?;
    let client = push::client(flags.concurrency)?;
    let mut rows = Vec::new();
    for &kind in &flags.systems {
        eprintln!("{}: starting", kind.display_name());
        let outcome = bench_system(kind, flags, &load, &client).await;
        rows.push(Row { kind, outcome });
    }
    print!("{}", render(&rows, flags, &load, &measure::machine()));
    check_valid(&rows, &load)
}

/// Encodes every request before any system starts, off the async threads.
async fn generate(flags: &Flags) -> Result<Load, BenchError> {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let spec = LoadSpec {
        series: flags.series,
        rounds: flags.rounds,
        batch: flags.batch,
        interval_ms: SCRAPE_INTERVAL_MS,
        end_ms: now_ms,
        seed: SEED,
    };
    eprintln!("encoding {} series x {} rounds in requests of {}", spec.series, spec.rounds, spec.batch);
    let started = std::time::Instant::now();
    let load =
        tokio::task::spawn_blocking(move || load::generate(&spec)).await.map_err(|_| BenchError::Generator)??;
    let requests: usize = load.rounds.iter().map(Vec::len).sum();
    eprintln!(
        "encoded {requests} requests, {:.1} MiB on the wire, in {:.1} s",
        mib(load.wire_bytes),
        started.elapsed().as_secs_f64()
    );
    Ok(load)
}

async fn bench_system(kind: SystemKind, flags: &Flags, load: &Load, client: &reqwest::Client) -> Outcome {
    let binary = match system::locate(kind, &flags.sonde_binary) {
        Ok(binary) => binary,
        Err(error) => return Outcome::Skipped(error.to_string()),
    };
    match measure_system(kind, &binary, flags, load, client).await {
        Ok(measured) => Outcome::Measured(Box::new(measured)),
        Err(error) => Outcome::Failed(error),
    }
}

async fn measure_system(
    kind: SystemKind,
    binary: &Path,
    flags: &Flags,
    load: &Load,
    client: &reqwest::Client,
) -> Result<Measured, String> {
    let mut running = Running::start(kind, binary).map_err(|e| e.to_string())?;
    running.wait_ready(client, READY_TIMEOUT).await.map_err(|e| e.to_string())?;
    let (pid, ticks) = (running.pid(), measure::clock_ticks_per_second());
    let cpu_before = measure::cpu_time(pid, ticks).map_err(|e| e.to_string())?;
    eprintln!("{}: pushing {} samples", kind.display_name(), load.samples);
    let settings = PushSettings { concurrency: flags.concurrency, max_attempts: MAX_ATTEMPTS, backoff: RETRY_BACKOFF };
    let push = push::push(client, &running.write_url(), &load.rounds, &settings).await;
    let cpu = measure::cpu_time(pid, ticks).map_err(|e| e.to_string())?.saturating_sub(cpu_before);
    let memory = measure::memory(pid).map_err(|e| e.to_string())?;
    eprintln!("{}: flushing to disk and counting series", kind.display_name());
    // VictoriaMetrics only serves rows it has flushed, so count after the flush.
    let flushed = running.flush(client).await;
    let series_found =
        running.count_series(client, load.first_timestamp_ms, load.query_time_ms).await.map_err(|e| e.to_string());
    let disk_bytes = flushed.and_then(|dir| Ok(measure::directory_size(&dir)?)).map_err(|e| e.to_string());
    Ok(Measured { push, cpu, memory, series_found, disk_bytes })
}

/// A run is valid when every system that ran lost no sample and, where it
/// could be checked, holds every series.
fn check_valid(rows: &[Row], load: &Load) -> Result<(), BenchError> {
    let mut problems = Vec::new();
    for row in rows {
        let name = row.kind.display_name();
        match &row.outcome {
            Outcome::Failed(_) => problems.push(format!("{name} failed")),
            Outcome::Measured(m) if m.push.failed_samples > 0 => {
                problems.push(format!("{name} rejected {} samples", m.push.failed_samples))
            }
            Outcome::Measured(m) if m.series_found.as_ref().is_ok_and(|n| *n != load.series as u64) => problems
                .push(format!("{name} holds {} of {} series", m.series_found.as_ref().unwrap_or(&0), load.series)),
            _ => {}
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(BenchError::Invalid(problems.join("; "))) }
}

/// The per-sample and per-series figures of one measured system.
struct Figures {
    samples_per_second: f64,
    cpu_per_million: f64,
    peak_mib: f64,
    bytes_per_series: f64,
    disk_per_sample: Option<f64>,
}

impl Figures {
    fn of(measured: &Measured, load: &Load) -> Self {
        let samples = load.samples as f64;
        Figures {
            samples_per_second: samples / measured.push.wall.as_secs_f64(),
            cpu_per_million: measured.cpu.as_secs_f64() / (samples / 1e6),
            peak_mib: mib(measured.memory.peak_resident_bytes),
            bytes_per_series: measured.memory.resident_bytes as f64 / load.series as f64,
            disk_per_sample: measured.disk_bytes.as_ref().ok().map(|bytes| *bytes as f64 / samples),
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

fn render(rows: &[Row], flags: &Flags, load: &Load, machine: &Machine) -> String {
    let mut out = String::from(
        "\n| system | samples/s | CPU-s per 1M samples | peak RSS MiB | RSS bytes per active series | disk bytes per sample | series found | retries | failed samples |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let mut notes = Vec::new();
    for row in rows {
        out.push_str(&table_row(row, load, &mut notes));
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    for note in notes {
        out.push_str(&format!("- {note}\n"));
    }
    out.push_str(&ratios(rows, load));
    out.push_str(&footer(flags, load, machine));
    out
}

fn table_row(row: &Row, load: &Load, notes: &mut Vec<String>) -> String {
    let name = row.kind.display_name();
    let measured = match &row.outcome {
        Outcome::Measured(measured) => measured,
        Outcome::Skipped(reason) | Outcome::Failed(reason) => {
            let word = if matches!(row.outcome, Outcome::Skipped(_)) { "skipped" } else { "failed" };
            notes.push(format!("{name} {word}: {}", reason.replace('\n', "\n  ")));
            return format!("| {name} | {word} | – | – | – | – | – | – | – |\n");
        }
    };
    let figures = Figures::of(measured, load);
    let disk = figures.disk_per_sample.map_or("n/a".to_string(), |bytes| format!("{bytes:.2}"));
    if let Err(reason) = &measured.disk_bytes {
        notes.push(format!("{name} disk size not measured: {reason}"));
    }
    let found = match &measured.series_found {
        Ok(count) => format!("{count} of {}", load.series),
        Err(reason) => {
            notes.push(format!("{name} series not verified: {reason}"));
            "not verified".to_string()
        }
    };
    if let Some(failure) = &measured.push.first_failure {
        notes.push(format!("{name} first failed request: {failure}"));
    }
    format!(
        "| {name} | {:.0} | {:.2} | {:.0} | {:.0} | {disk} | {found} | {} | {} |\n",
        figures.samples_per_second,
        figures.cpu_per_million,
        figures.peak_mib,
        figures.bytes_per_series,
        measured.push.retries,
        measured.push.failed_samples,
    )
}

/// Sonde's figures over each other system's, column by column.
fn ratios(rows: &[Row], load: &Load) -> String {
    let figures_of = |row: &Row| match &row.outcome {
        Outcome::Measured(measured) => Some(Figures::of(measured, load)),
        _ => None,
    };
    let Some(sonde) = rows.iter().find(|row| row.kind == SystemKind::Sonde).and_then(figures_of) else {
        return "\nNo Sonde/other ratios: Sonde was not measured in this run.\n".to_string();
    };
    let mut out = String::from("\n");
    for row in rows.iter().filter(|row| row.kind != SystemKind::Sonde) {
        let Some(other) = figures_of(row) else {
            continue;
        };
        let pairs = [
            ("samples/s", Some(sonde.samples_per_second), Some(other.samples_per_second), "higher is better"),
            ("CPU per sample", Some(sonde.cpu_per_million), Some(other.cpu_per_million), "lower is better"),
            ("peak RSS", Some(sonde.peak_mib), Some(other.peak_mib), "lower is better"),
            ("RSS per active series", Some(sonde.bytes_per_series), Some(other.bytes_per_series), "lower is better"),
            ("disk per sample", sonde.disk_per_sample, other.disk_per_sample, "lower is better"),
        ];
        for (column, ours, theirs, direction) in pairs {
            if let (Some(ours), Some(theirs)) = (ours, theirs)
                && theirs > 0.0
            {
                out.push_str(&format!(
                    "Sonde/{} {column}: {:.2}x ({direction})\n",
                    row.kind.display_name(),
                    ours / theirs
                ));
            }
        }
    }
    out
}

fn footer(flags: &Flags, load: &Load, machine: &Machine) -> String {
    let requests: usize = load.rounds.iter().map(Vec::len).sum();
    format!(
        "\nMachine: {} CPUs (nproc), {}.\n\
         Flags: {}.\n\
         Load: {} series on {} node_exporter-like hosts, {} rounds 15 s apart, {} samples in {requests} requests \
         ({:.1} MiB snappy), seed {SEED:#x}; systems run one after another.\n\
         CPU and memory are the system's process from /proc during and right after the push. \
         Disk: Prometheus and Sonde write a snapshot (POST /api/v1/admin/tsdb/snapshot, the head as a block) and \
         its directory is sized; VictoriaMetrics is sized as its whole -storageDataPath after /internal/force_flush \
         once the size held still, so it includes its indexdb.\n",
        machine.cpus,
        machine.model,
        flags.command_line(),
        load.series,
        load.hosts,
        flags.rounds,
        load.samples,
        mib(load.wire_bytes),
    )
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse(line: &str) -> Result<Flags, BenchError> {
        Flags::parse(line.split_whitespace().map(str::to_string))
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let flags = parse("--bench").unwrap();
        assert_eq!((flags.series, flags.rounds, flags.batch, flags.concurrency), (100_000, 20, 2_000, 4));
        assert_eq!(flags.systems, SystemKind::ALL.to_vec());
    }

    #[test]
    fn smoke_shrinks_defaults_but_explicit_flags_win() {
        let flags = parse("--series=5000 --smoke").unwrap();
        assert_eq!((flags.series, flags.rounds, flags.smoke), (5_000, 3, true));
        let flags = parse("--systems victoria-metrics,prometheus --sonde-bin /x/sonde --concurrency 8").unwrap();
        assert_eq!(flags.systems, vec![SystemKind::VictoriaMetrics, SystemKind::Prometheus]);
        assert_eq!((flags.sonde_binary.as_path(), flags.concurrency), (Path::new("/x/sonde"), 8));
        assert!(flags.command_line().contains("--systems victoria-metrics,prometheus"));
    }

    #[test]
    fn bad_flags_are_named() {
        let message = |line: &str| parse(line).unwrap_err().to_string();
        assert!(message("--series 0").contains("--series needs a positive whole number, got \"0\""));
        assert!(message("--rounds").contains("--rounds needs a value"));
        assert!(message("--turbo").contains("unknown flag \"--turbo\""));
        assert!(message("--systems prometheus,influxdb").contains("unknown system \"influxdb\""));
    }

    fn load() -> Load {
        Load {
            rounds: Arc::new(vec![]),
            series: 1_000,
            hosts: 5,
            samples: 2_000_000,
            wire_bytes: 1 << 20,
            first_timestamp_ms: 0,
            query_time_ms: 15_000,
        }
    }

    fn measured(cpu_seconds: f64, disk_bytes: Result<u64, String>, found: Result<u64, String>) -> Outcome {
        let push = PushReport { wall: Duration::from_secs(4), requests: 10, ..PushReport::default() };
        let memory = Memory { resident_bytes: 4_000_000, peak_resident_bytes: 200 << 20 };
        Outcome::Measured(Box::new(Measured {
            push,
            cpu: Duration::from_secs_f64(cpu_seconds),
            memory,
            series_found: found,
            disk_bytes,
        }))
    }

    #[test]
    fn the_table_shows_figures_skips_and_ratios() {
        let rows = [
            Row { kind: SystemKind::Prometheus, outcome: measured(10.0, Ok(3_000_000), Ok(1_000)) },
            Row {
                kind: SystemKind::VictoriaMetrics,
                outcome: Outcome::Skipped("binary not found: no `victoria-metrics` on PATH".into()),
            },
            Row {
                kind: SystemKind::Sonde,
                outcome: measured(5.0, Err("snapshot is not served".into()), Err("series is not served".into())),
            },
        ];
        let machine = Machine { cpus: 2, model: "Test CPU".into() };
        let table = render(&rows, &parse("").unwrap(), &load(), &machine);
        assert!(table.contains("| Prometheus | 500000 | 5.00 | 200 | 4000 | 1.50 | 1000 of 1000 | 0 | 0 |"), "{table}");
        assert!(table.contains("| VictoriaMetrics | skipped |"), "{table}");
        assert!(table.contains("VictoriaMetrics skipped: binary not found"), "{table}");
        assert!(table.contains("| Sonde | 500000 | 2.50 | 200 | 4000 | n/a | not verified |"), "{table}");
        assert!(table.contains("Sonde/Prometheus CPU per sample: 0.50x (lower is better)"), "{table}");
        assert!(table.contains("Sonde/Prometheus samples/s: 1.00x"), "{table}");
        assert!(!table.contains("Sonde/Prometheus disk"), "no ratio without both figures");
        assert!(!table.contains("Sonde/VictoriaMetrics"), "no ratio against a skipped system");
        assert!(table.contains("Machine: 2 CPUs (nproc), Test CPU."));
    }

    #[test]
    fn without_sonde_there_are_no_ratios() {
        let rows = [Row { kind: SystemKind::Prometheus, outcome: measured(1.0, Ok(1), Ok(1_000)) }];
        assert!(ratios(&rows, &load()).contains("Sonde was not measured"));
    }

    #[test]
    fn lost_samples_missing_series_and_failures_make_a_run_invalid() {
        let good = Row { kind: SystemKind::Prometheus, outcome: measured(1.0, Ok(1), Ok(1_000)) };
        let skipped = Row { kind: SystemKind::Sonde, outcome: Outcome::Skipped("missing".into()) };
        assert!(check_valid(&[good, skipped], &load()).is_ok());
        let short = Row { kind: SystemKind::Prometheus, outcome: measured(1.0, Ok(1), Ok(999)) };
        let failed = Row { kind: SystemKind::Sonde, outcome: Outcome::Failed("exited".into()) };
        let error = check_valid(&[short, failed], &load()).unwrap_err().to_string();
        assert!(error.contains("Prometheus holds 999 of 1000 series") && error.contains("Sonde failed"), "{error}");
    }
}
