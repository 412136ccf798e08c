//! Scrape benchmark: serves one real node_exporter page from many loopback
//! targets, has Prometheus, VictoriaMetrics and Sonde scrape the same
//! targets with the same configuration one after another, and prints a
//! Markdown table of scraped samples/s, CPU per scraped sample and resident
//! memory per active series, Sonde's ratios and the targets; first,
//! the parse throughput of Sonde's own parser on real pages.
//!
//! `cargo bench --bench scrape -- [--targets N] [--seconds S] [--interval S]
//! [--warmup S] [--systems a,b] [--smoke] [--sonde-bin PATH] [--payload FILE]
//! [--parse-seconds S]`

#[path = "ingest/measure.rs"]
// Shared with the ingest bench, which uses the rest.
#[allow(dead_code)]
mod measure;
#[path = "scrape/observe.rs"]
mod observe;
#[path = "scrape/parse_speed.rs"]
mod parse_speed;
#[path = "scrape/payload.rs"]
mod payload;
#[path = "scrape/report.rs"]
mod report;
#[path = "ingest/system.rs"]
#[allow(dead_code)]
mod system;
#[path = "scrape/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use observe::Schedule;
use report::{Outcome, Row, Setup};
use system::SystemKind;
use targets::Targets;

const USAGE: &str = "usage: cargo bench --bench scrape -- [--targets N] [--seconds S] [--interval S] \
[--warmup S] [--systems prometheus,victoria-metrics,sonde] [--smoke] [--sonde-bin PATH] [--payload FILE] \
[--parse-seconds S]";
/// Warm-up in scrape intervals, unless `--warmup` says otherwise.
const WARMUP_INTERVALS: u32 = 3;

/// Why the benchmark could not run or its run is not valid.
#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("{USAGE}")]
    Help,
    #[error("{0}\n{USAGE}")]
    Flag(String),
    #[error(transparent)]
    Payload(#[from] payload::PayloadError),
    #[error("cannot start the scrape targets: {0}")]
    Targets(std::io::Error),
    #[error("cannot build the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("the parse measurement panicked")]
    ParsePanicked,
    #[error("interrupted; children stopped")]
    Interrupted,
    #[error("the run is not valid: {0}")]
    Invalid(String),
}

/// Command-line settings; `--smoke` only changes the defaults.
#[derive(Debug, Clone)]
struct Flags {
    targets: usize,
    seconds: u64,
    interval: u64,
    warmup: u64,
    systems: Vec<SystemKind>,
    smoke: bool,
    sonde_binary: PathBuf,
    payload: Option<PathBuf>,
    parse_seconds: f64,
}

impl Flags {
    fn parse(arguments: impl IntoIterator<Item = String>) -> Result<Flags, BenchError> {
        let (mut targets, mut seconds, mut interval, mut warmup, mut parse_seconds) = (None, None, None, None, None);
        let (mut smoke, mut sonde, mut payload) = (false, None, None);
        let mut systems = SystemKind::ALL.to_vec();
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
                "--targets" => targets = Some(number(&name, &value()?)?),
                "--seconds" => seconds = Some(whole_seconds(&name, &value()?)?),
                "--interval" => interval = Some(whole_seconds(&name, &value()?)?),
                "--warmup" => warmup = Some(whole_seconds(&name, &value()?)?),
                "--parse-seconds" => parse_seconds = Some(fraction_of_seconds(&name, &value()?)?),
                "--systems" => systems = system_list(&value()?)?,
                "--sonde-bin" => sonde = Some(PathBuf::from(value()?)),
                "--payload" => payload = Some(PathBuf::from(value()?)),
                "--smoke" => smoke = true,
                "--help" | "-h" => return Err(BenchError::Help),
                // cargo passes --bench to every bench target.
                "--bench" => {}
                other => return Err(BenchError::Flag(format!("unknown flag {other:?}"))),
            }
        }
        let interval = interval.unwrap_or(if smoke { 1 } else { 5 }) as u64;
        Ok(Flags {
            targets: targets.unwrap_or(if smoke { 10 } else { 200 }),
            seconds: seconds.unwrap_or(if smoke { 5 } else { 60 }) as u64,
            interval,
            warmup: warmup.map_or(interval * u64::from(WARMUP_INTERVALS), |w| w as u64),
            systems,
            smoke,
            sonde_binary: sonde.unwrap_or_else(default_sonde_binary),
            payload,
            parse_seconds: parse_seconds.unwrap_or(if smoke { 0.1 } else { 1.0 }),
        })
    }

    /// The measured window: `--seconds` rounded up to whole intervals.
    fn schedule(&self) -> Schedule {
        let intervals = self.seconds.div_ceil(self.interval);
        Schedule {
            interval: Duration::from_secs(self.interval),
            warmup: Duration::from_secs(self.warmup),
            window: Duration::from_secs(intervals * self.interval),
        }
    }

    /// The flags as given on a command line that repeats this run.
    fn command_line(&self) -> String {
        let systems: Vec<&str> = self.systems.iter().map(|kind| kind.flag_name()).collect();
        let payload = self.payload.as_ref().map_or(String::new(), |path| format!(" --payload {}", path.display()));
        format!(
            "--targets {} --seconds {} --interval {} --warmup {} --systems {}{} --sonde-bin {}{payload} \
             --parse-seconds {}",
            self.targets,
            self.seconds,
            self.interval,
            self.warmup,
            systems.join(","),
            if self.smoke { " --smoke" } else { "" },
            self.sonde_binary.display(),
            self.parse_seconds,
        )
    }
}

fn number(name: &str, text: &str) -> Result<usize, BenchError> {
    match text.parse::<usize>() {
        Ok(value) if value > 0 => Ok(value),
        _ => Err(BenchError::Flag(format!("{name} needs a positive whole number, got {text:?}"))),
    }
}

/// A positive whole number of seconds, with or without an `s`.
fn whole_seconds(name: &str, text: &str) -> Result<usize, BenchError> {
    number(name, text.strip_suffix('s').unwrap_or(text))
        .map_err(|_| BenchError::Flag(format!("{name} needs a positive whole number of seconds, got {text:?}")))
}

/// Zero or more seconds, fractions allowed.
fn fraction_of_seconds(name: &str, text: &str) -> Result<f64, BenchError> {
    match text.strip_suffix('s').unwrap_or(text).parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(BenchError::Flag(format!("{name} needs zero or more seconds, got {text:?}"))),
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
            eprintln!("scrape bench: {error}");
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
    eprintln!("scrape bench: {error}");
    ExitCode::FAILURE
}

async fn run(flags: &Flags) -> Result<(), BenchError> {
    let payload = Arc::new(payload::obtain(flags.payload.clone()).await?);
    eprintln!("payload: {}, {} samples, {} bytes", payload.origin, payload.samples, payload.text.len());
    println!("# Scrape benchmark");
    if flags.parse_seconds > 0.0 {
        print!("{}", parse_section(&payload, flags.parse_seconds).await?);
    }
    let targets = Targets::serve(flags.targets, payload.clone()).await.map_err(BenchError::Targets)?;
    let config = targets::scrape_config(targets.addresses(), Duration::from_secs(flags.interval));
    let client = reqwest::Client::builder().no_proxy().build().map_err(BenchError::Client)?;
    let setup = Setup {
        targets: flags.targets,
        samples_per_scrape: payload.samples,
        payload_origin: payload.origin.clone(),
        payload_bytes: payload.text.len(),
        gzip_bytes: payload.gzip.len(),
        schedule: flags.schedule(),
        command_line: flags.command_line(),
    };
    let mut rows = Vec::new();
    for &kind in &flags.systems {
        eprintln!("{}: starting", kind.display_name());
        let outcome = bench_system(kind, flags, &config, &targets, &client, &setup).await;
        rows.push(Row { kind, outcome });
    }
    print!("{}", report::render(&rows, &setup, &measure::machine()));
    let problems = report::problems(&rows, &setup);
    if problems.is_empty() { Ok(()) } else { Err(BenchError::Invalid(problems.join("; "))) }
}

/// Parses the served page and the parser's corpus off the async threads.
async fn parse_section(payload: &payload::Payload, seconds: f64) -> Result<String, BenchError> {
    let live = parse_speed::Page {
        name: format!("served page ({})", payload.origin),
        format: parse_speed::Format::Text,
        body: payload.text.to_vec(),
    };
    let budget = Duration::from_secs_f64(seconds);
    eprintln!("parsing the served page and {} for {seconds} s each", parse_speed::CORPUS_DIR);
    tokio::task::spawn_blocking(move || {
        let (pages, notes) = parse_speed::pages(Path::new(parse_speed::CORPUS_DIR), live);
        parse_speed::render(&parse_speed::measure(&pages, budget), &notes, budget)
    })
    .await
    .map_err(|_| BenchError::ParsePanicked)
}

async fn bench_system(
    kind: SystemKind,
    flags: &Flags,
    config: &str,
    targets: &Targets,
    client: &reqwest::Client,
    setup: &Setup,
) -> Outcome {
    let binary = match system::locate(kind, &flags.sonde_binary) {
        Ok(binary) => binary,
        Err(error) => return Outcome::Skipped(error.to_string()),
    };
    let observed =
        observe::observe(kind, &binary, config, targets, client, setup.schedule, setup.active_series()).await;
    match observed {
        Ok(observed) => Outcome::Measured(Box::new(observed)),
        Err(error) => Outcome::Failed(error),
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
    fn defaults_match_the_documented_ones() {
        let flags = parse("--bench").unwrap();
        assert_eq!((flags.targets, flags.seconds, flags.interval, flags.warmup), (200, 60, 5, 15));
        assert_eq!(flags.systems, SystemKind::ALL.to_vec());
        assert_eq!(flags.parse_seconds, 1.0);
    }

    #[test]
    fn smoke_shrinks_defaults_but_explicit_flags_win() {
        let flags = parse("--targets=20 --smoke").unwrap();
        assert_eq!((flags.targets, flags.seconds, flags.interval, flags.warmup, flags.smoke), (20, 5, 1, 3, true));
        let flags =
            parse("--systems victoria-metrics,prometheus --sonde-bin /x/sonde --interval 2s --warmup 1").unwrap();
        assert_eq!(flags.systems, vec![SystemKind::VictoriaMetrics, SystemKind::Prometheus]);
        assert_eq!((flags.sonde_binary.as_path(), flags.interval, flags.warmup), (Path::new("/x/sonde"), 2, 1));
        assert!(flags.command_line().contains("--systems victoria-metrics,prometheus"));
        assert_eq!(parse("--parse-seconds 0").unwrap().parse_seconds, 0.0);
    }

    #[test]
    fn the_window_is_whole_intervals() {
        let schedule = parse("--seconds 12 --interval 5").unwrap().schedule();
        assert_eq!((schedule.window, schedule.warmup), (Duration::from_secs(15), Duration::from_secs(15)));
        assert_eq!(parse("--seconds 10 --interval 5").unwrap().schedule().window, Duration::from_secs(10));
    }

    #[test]
    fn bad_flags_are_named() {
        let message = |line: &str| parse(line).unwrap_err().to_string();
        assert!(message("--targets 0").contains("--targets needs a positive whole number, got \"0\""));
        assert!(message("--interval 1.5s").contains("--interval needs a positive whole number of seconds"));
        assert!(message("--parse-seconds -1").contains("--parse-seconds needs zero or more seconds"));
        assert!(message("--seconds").contains("--seconds needs a value"));
        assert!(message("--turbo").contains("unknown flag \"--turbo\""));
        assert!(message("--systems prometheus,influxdb").contains("unknown system \"influxdb\""));
    }
}
