//! The dashboard queries the benchmark times, asked at the end of the data
//! through each system's HTTP API, and how one is timed: one untimed run
//! whose answer is kept for the comparison, then the median of `runs` timed
//! ones, each from sending the request to reading the last byte of the body.

use std::time::{Duration, Instant};

use super::answer::Answer;
use super::dataset::Dataset;

const REQUESTS: &str = "sum by (job) (rate(bench_requests_total[5m]))";
const LATENCY_P99: &str = "histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))";
const TOP_INSTANCES: &str = "topk(10, sum by (instance) (rate(bench_requests_total[5m])))";
const SERIES_BY_STATUS: &str = "count by (status) (bench_requests_total)";
const SHORT_RANGE_MS: i64 = 3_600_000;
const LONG_RANGE_MS: i64 = 24 * 3_600_000;

/// When a query is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    Instant { time_ms: i64 },
    Range { start_ms: i64, end_ms: i64, step_seconds: i64 },
}

#[derive(Debug, Clone)]
pub struct Query {
    pub expression: &'static str,
    pub evaluation: Evaluation,
}

impl Query {
    /// Range queries evaluate at many steps over every series they select:
    /// the issue wants those at least twice as fast as Prometheus.
    pub fn is_heavy(&self) -> bool {
        matches!(self.evaluation, Evaluation::Range { .. })
    }

    /// The query as the report names it.
    pub fn title(&self) -> String {
        match self.evaluation {
            Evaluation::Instant { .. } => format!("`{}`", self.expression),
            Evaluation::Range { start_ms, end_ms, step_seconds } => {
                format!("`{}` range {}, step {step_seconds} s", self.expression, span(end_ms - start_ms))
            }
        }
    }

    /// Path and parameters on a system's HTTP API. `nocache=1` keeps
    /// VictoriaMetrics from answering out of its rollup cache and from
    /// moving a recent time back by `-search.latencyOffset`; the others
    /// ignore it.
    pub fn request(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let mut parameters = vec![("query", self.expression.to_string())];
        let path = match self.evaluation {
            Evaluation::Instant { time_ms } => {
                parameters.push(("time", seconds(time_ms)));
                "/api/v1/query"
            }
            Evaluation::Range { start_ms, end_ms, step_seconds } => {
                parameters.extend([("start", seconds(start_ms)), ("end", seconds(end_ms))]);
                parameters.push(("step", step_seconds.to_string()));
                "/api/v1/query_range"
            }
        };
        parameters.push(("nocache", "1".to_string()));
        (path, parameters)
    }
}

/// The queries of a dashboard looking at the last moment of `data`: four
/// instant ones, the first over the last hour, and the p99 latency over the
/// last 24 h or the whole loaded span if that is shorter.
pub fn dashboard(data: &Dataset) -> Vec<Query> {
    let end_ms = data.end_ms;
    let loaded_ms = end_ms - data.start_ms;
    let instant = |expression| Query { expression, evaluation: Evaluation::Instant { time_ms: end_ms } };
    let range = |expression, length_ms: i64, step_seconds| Query {
        expression,
        evaluation: Evaluation::Range { start_ms: end_ms - length_ms.min(loaded_ms), end_ms, step_seconds },
    };
    vec![
        instant(REQUESTS),
        instant(LATENCY_P99),
        instant(TOP_INSTANCES),
        instant(SERIES_BY_STATUS),
        range(REQUESTS, SHORT_RANGE_MS, 15),
        range(LATENCY_P99, LONG_RANGE_MS, 60),
    ]
}

/// One query against one system.
#[derive(Debug, Clone)]
pub struct Timed {
    pub median: Duration,
    pub answer: Answer,
}

/// Asks `query` at `base` once for its answer, then `runs` times for time.
pub async fn time(client: &reqwest::Client, base: &str, query: &Query, runs: usize) -> Result<Timed, String> {
    let (path, parameters) = query.request();
    let request = || client.get(format!("{base}{path}")).query(&parameters);
    let answer = Answer::parse(&ask(request()).await?)?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        ask(request()).await?;
        times.push(started.elapsed());
    }
    Ok(Timed { median: median(&mut times), answer })
}

async fn ask(request: reqwest::RequestBuilder) -> Result<String, String> {
    let response = request.send().await.map_err(|error| format!("cannot send: {error}"))?;
    let status = response.status();
    let body = response.text().await.map_err(|error| format!("cannot read the answer: {error}"))?;
    if status.is_success() { Ok(body) } else { Err(format!("{status}: {}", body.trim())) }
}

/// The middle time; the mean of the middle two for an even count.
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    let middle = times.len() / 2;
    if times.len() % 2 == 1 { times[middle] } else { (times[middle - 1] + times[middle]) / 2 }
}

fn seconds(ms: i64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

fn span(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes % 60 == 0 { format!("{} h", minutes / 60) } else { format!("{minutes} min") }
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn data(hours: i64) -> Dataset {
        let end_ms = 1_700_000_040_000;
        Dataset {
            rounds: Arc::new(vec![]),
            instances: 1,
            series: 40,
            samples: 0,
            wire_bytes: 0,
            first_ms: end_ms - hours * 3_600_000 - 360_000,
            start_ms: end_ms - hours * 3_600_000,
            end_ms,
        }
    }

    #[test]
    fn ranges_end_at_the_data_and_stay_inside_it() {
        let queries = dashboard(&data(2));
        assert_eq!(queries.len(), 6);
        assert!(queries.iter().all(|q| match q.evaluation {
            Evaluation::Instant { time_ms } => time_ms == 1_700_000_040_000,
            Evaluation::Range { end_ms, .. } => end_ms == 1_700_000_040_000,
        }));
        assert_eq!(queries.iter().filter(|q| q.is_heavy()).count(), 2);
        assert_eq!(queries[4].title(), format!("`{REQUESTS}` range 1 h, step 15 s"));
        assert_eq!(queries[5].title(), format!("`{LATENCY_P99}` range 2 h, step 60 s"));
        let short = dashboard(&Dataset { start_ms: 1_700_000_040_000 - 1_800_000, ..data(1) });
        assert_eq!(short[4].title(), format!("`{REQUESTS}` range 30 min, step 15 s"));
    }

    #[test]
    fn requests_carry_the_times_in_seconds() {
        let (path, parameters) = dashboard(&data(2))[4].request();
        assert_eq!(path, "/api/v1/query_range");
        let get = |name: &str| parameters.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str());
        assert_eq!(
            (get("start"), get("end"), get("step")),
            (Some("1699996440.000"), Some("1700000040.000"), Some("15"))
        );
        assert_eq!(get("nocache"), Some("1"));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_mean() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(9), ms(1), ms(5)]), ms(5));
        assert_eq!(median(&mut [ms(4), ms(2), ms(8), ms(100)]), ms(6));
    }
}
