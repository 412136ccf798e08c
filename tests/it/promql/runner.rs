//! Runs one parsed test file against Sonde's PromQL engine, as upstream's
//! `test.exec`: `load` appends through the `Appender` seam into a fresh TSDB,
//! `clear` opens another, and each `eval` runs its query (and, for instant
//! queries, the same query as a range around the time, which must agree).
//! The backend is either a TSDB in this process or a cluster's seams (the
//! distributor and the fan-out queryable), where `clear` starts a new
//! tenant.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sonde::promql::{Engine, EngineOptions, InstantSample, QueryResult, Value};
use sonde::series::{AppendBatch, Appender, DEFAULT_TENANT, Queryable, Sample};
use sonde::tsdb::{Storage, TsdbOptions};

use super::compare::{assert_sorted, check_annotations, compare_scalar, compare_value, compare_vector, labels_of};
use super::script::{Command, Eval, EvalKind, Expected, LabelPairs, Load, Point};

/// How one eval ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// Upstream's test engine settings (`promqltest.NewTestEngine`).
const MAX_SAMPLES: usize = 10_000;
/// A query slower than this is a failure, so that one bad eval cannot hang CI.
const QUERY_DEADLINE: Duration = Duration::from_secs(60);
/// The skip reason for anything depending on native histograms.
pub const NATIVE_HISTOGRAMS: &str = "native histograms";
/// The skip reason for anything depending on `@st` start timestamps.
pub const START_TIMESTAMPS: &str = "start timestamps (@st)";

/// Where loads go and queries read.
pub enum Backend {
    /// A fresh TSDB in a temporary directory for every `clear`.
    Local,
    /// A cluster's write and read seams; every `clear` takes a new tenant.
    Cluster { appender: Arc<dyn Appender>, queryable: Arc<dyn Queryable>, tenants: AtomicUsize },
}

/// A fresh storage and engine, and what has been loaded into it.
struct Environment {
    _dir: Option<tempfile::TempDir>,
    appender: Arc<dyn Appender>,
    engine: Arc<Engine>,
    tenant: String,
    /// Metric names with data that was not loaded, and why.
    unsupported: BTreeMap<String, &'static str>,
}

impl Environment {
    fn open(backend: &Backend) -> Result<Environment, String> {
        let engine_options = EngineOptions { max_samples: MAX_SAMPLES, ..EngineOptions::default() };
        match backend {
            Backend::Local => {
                let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
                let options = TsdbOptions { out_of_order_window_ms: i64::MAX / 4, ..TsdbOptions::default() };
                let storage =
                    Arc::new(Storage::open(dir.path(), options).map_err(|e| format!("cannot open storage: {e}"))?);
                let queryable: Arc<dyn Queryable> = storage.clone();
                let engine = Arc::new(Engine::new(queryable, engine_options));
                let appender: Arc<dyn Appender> = storage;
                let tenant = DEFAULT_TENANT.to_string();
                Ok(Environment { _dir: Some(dir), appender, engine, tenant, unsupported: BTreeMap::new() })
            }
            Backend::Cluster { appender, queryable, tenants } => {
                let tenant = format!("promql-{}", tenants.fetch_add(1, Ordering::Relaxed));
                let engine = Arc::new(Engine::new(queryable.clone(), engine_options));
                let appender = appender.clone();
                Ok(Environment { _dir: None, appender, engine, tenant, unsupported: BTreeMap::new() })
            }
        }
    }
}

/// Runs a file's commands; returns each eval's line and outcome, and notes
/// on commands that are not evals (failed loads, skipped blocks).
pub async fn run_script(commands: &[Command], backend: &Backend) -> (Vec<(usize, Outcome)>, Vec<String>) {
    let (mut outcomes, mut notes) = (Vec::new(), Vec::new());
    let mut environment = match Environment::open(backend) {
        Ok(environment) => environment,
        Err(e) => return (outcomes, vec![e]),
    };
    for command in commands {
        match command {
            Command::Clear { line } => match Environment::open(backend) {
                Ok(fresh) => environment = fresh,
                Err(e) => notes.push(format!("line {line}: {e}")),
            },
            Command::Load(load) => {
                if let Err(e) = run_load(&mut environment, load).await {
                    notes.push(format!("line {}: load failed: {e}", load.line));
                }
            }
            Command::Eval(eval) => outcomes.push((eval.line, run_eval(&environment, eval).await)),
            Command::Skip { line, eval: true, reason } => outcomes.push((*line, Outcome::Skipped(reason.clone()))),
            Command::Skip { line, eval: false, reason } => notes.push(format!("line {line}: skipped: {reason}")),
        }
    }
    (outcomes, notes)
}

/// Appends a load's float samples; series with histogram points are
/// remembered by name so that evals reading them are skipped.
async fn run_load(environment: &mut Environment, load: &Load) -> Result<(), String> {
    // As upstream, a series given twice in one load keeps its last definition.
    let mut series: std::collections::BTreeMap<sonde::series::Labels, (LabelPairs, Vec<Sample>)> = Default::default();
    for (pairs, points) in &load.series {
        let samples = float_samples(points, load.step_ms);
        if points.iter().any(|p| matches!(p, Point::Histogram(_))) {
            mark(environment, metric_name(pairs), NATIVE_HISTOGRAMS);
        }
        if load.with_nhcb {
            mark(environment, metric_name(pairs).and_then(|n| classic_histogram_base(&n)), NATIVE_HISTOGRAMS);
        }
        let labels = labels_of(pairs);
        let sorted = labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect();
        series.insert(labels, (sorted, samples));
    }
    for (pairs, _) in &load.start_timestamps {
        mark(environment, metric_name(pairs), START_TIMESTAMPS);
    }
    let mut batch = AppendBatch::new();
    for (pairs, samples) in series.values() {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        batch.push_series(&borrowed, samples);
    }
    let outcome = environment.appender.append(&environment.tenant, &batch).await.map_err(|e| e.to_string())?;
    match outcome.first_rejection {
        Some(reason) => Err(format!("{} samples rejected, first: {reason}", outcome.samples_rejected)),
        None => Ok(()),
    }
}

fn mark(environment: &mut Environment, name: Option<String>, reason: &'static str) {
    if let Some(name) = name {
        environment.unsupported.entry(name).or_insert(reason);
    }
}

/// Point i of a load sits at i*step; `_` and histograms leave no float sample.
fn float_samples(points: &[Point], step_ms: i64) -> Vec<Sample> {
    let timed = points.iter().enumerate().map(|(i, p)| (i as i64 * step_ms, p));
    timed.filter_map(|(t, p)| if let Point::Value(v) = p { Some(Sample::new(t, *v)) } else { None }).collect()
}

fn metric_name(pairs: &LabelPairs) -> Option<String> {
    pairs.iter().rev().find(|(name, _)| name == "__name__").map(|(_, value)| value.clone())
}

/// The native histogram `load_with_nhcb` makes from `x_bucket`, `x_count`, `x_sum`.
fn classic_histogram_base(name: &str) -> Option<String> {
    ["_bucket", "_count", "_sum"].iter().find_map(|suffix| name.strip_suffix(suffix)).map(str::to_string)
}

/// Why an eval cannot run on Sonde today, if it cannot.
fn skip_reason(environment: &Environment, eval: &Eval) -> Option<String> {
    let expects_histogram = match &eval.expected {
        Expected::Series(series) => series.iter().flat_map(|s| &s.points).any(|p| matches!(p, Point::Histogram(_))),
        _ => false,
    };
    if expects_histogram {
        return Some(NATIVE_HISTOGRAMS.to_string());
    }
    expression_names(&eval.expr).find_map(|name| environment.unsupported.get(name)).map(|reason| reason.to_string())
}

/// Identifiers and quoted strings of an expression: every metric name it can
/// select by name (and more, which only makes the skip check cautious).
fn expression_names(expr: &str) -> impl Iterator<Item = &str> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.')).filter(|w| !w.is_empty())
}

async fn run_eval(environment: &Environment, eval: &Eval) -> Outcome {
    if let Some(reason) = skip_reason(environment, eval) {
        return Outcome::Skipped(reason);
    }
    match check_eval(environment, eval).await {
        Ok(()) => Outcome::Passed,
        Err(message) => Outcome::Failed(message),
    }
}

async fn check_eval(environment: &Environment, eval: &Eval) -> Result<(), String> {
    let result = query(environment, eval.kind, &eval.expr).await;
    let result = match (result, &eval.fail) {
        (Err(error), Some(expected)) if expected.matches(&error) => return Ok(()),
        (Err(error), Some(expected)) => return Err(format!("expected an error matching {expected}, got: {error}")),
        (Err(error), None) => return Err(format!("query failed: {error}")),
        (Ok(_), Some(_)) => return Err("expected the query to fail, but it succeeded".into()),
        (Ok(result), None) => result,
    };
    check_annotations(eval, &result)?;
    compare_value(eval, &result.value)?;
    match eval.kind {
        EvalKind::Instant { at_ms } => check_range_mode(environment, eval, &result, at_ms).await,
        EvalKind::Range { .. } => Ok(()),
    }
}

/// Upstream's consistency check: the instant query run as a range query
/// from one minute before to one minute after gives the same middle step.
async fn check_range_mode(
    environment: &Environment,
    eval: &Eval,
    instant: &QueryResult,
    at_ms: i64,
) -> Result<(), String> {
    let excluded = eval.range_vector.is_some() || matches!(eval.expected, Expected::String(_));
    if excluded || eval.expr.contains("range()") {
        return Ok(());
    }
    let kind = EvalKind::Range { start_ms: at_ms - 60_000, end_ms: at_ms + 60_000, step_ms: 60_000 };
    let result = query(environment, kind, &eval.expr).await.map_err(|e| format!("range mode: query failed: {e}"))?;
    if eval.ordered {
        return Ok(());
    }
    let Value::Matrix(matrix) = &result.value else {
        return Err("range mode: the range query did not return a matrix".into());
    };
    assert_sorted(matrix).map_err(|e| format!("range mode: {e}"))?;
    let middle: Vec<InstantSample> = matrix
        .iter()
        .filter_map(|series| series.samples.iter().find(|s| s.t == at_ms).map(|s| (series, s)))
        .map(|(series, s)| InstantSample { labels: series.labels.clone(), t: s.t, v: s.v })
        .collect();
    let compared = match (&instant.value, middle.first()) {
        (Value::Scalar { .. }, Some(first)) => compare_scalar(&eval.expected, first.v),
        (Value::Scalar { .. }, None) => Err("the range query has no point at the instant".into()),
        _ => compare_vector(&eval.expected, false, &middle),
    };
    compared.map_err(|e| format!("range mode: {e}"))
}

/// Runs a query in its own task, so that an engine panic fails one eval
/// instead of the whole run, and under a deadline.
async fn query(environment: &Environment, kind: EvalKind, expr: &str) -> Result<QueryResult, String> {
    let (engine, expr, tenant) = (environment.engine.clone(), expr.to_string(), environment.tenant.clone());
    let task = tokio::spawn(async move {
        match kind {
            EvalKind::Instant { at_ms } => engine.instant(&tenant, &expr, at_ms).await,
            EvalKind::Range { start_ms, end_ms, step_ms } => {
                engine.range(&tenant, &expr, start_ms, end_ms, step_ms).await
            }
        }
    });
    let mut task = task;
    match tokio::time::timeout(QUERY_DEADLINE, &mut task).await {
        Err(_) => {
            task.abort();
            Err(format!("no answer within {QUERY_DEADLINE:?}"))
        }
        Ok(Err(join_error)) => Err(format!("the engine panicked: {}", panic_message(join_error))),
        Ok(Ok(result)) => result.map_err(|e| e.to_string()),
    }
}

fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a non-text panic".into()),
        Err(error) => error.to_string(),
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
