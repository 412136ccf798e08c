//! The query engine: parses with `promql-parser`, fetches what the query
//! reads through `Queryable` once, then evaluates step by step, as
//! Prometheus' engine does for instant and range queries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};

use crate::series::{Labels, Queryable, Sample};

use super::error::{Error, ErrorKind};
use super::eval::{Evaluator, StepValue, kind};
use super::select::{TimeContext, Window, fetch, plan};
use super::value::{InstantSample, RangeSeries, Value};

/// Prometheus' defaults: 5m lookback, 50M samples, 2m timeout, 11,000 points.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub lookback_delta_ms: i64,
    pub max_samples: usize,
    pub timeout: Duration,
    /// Step of subqueries that give none (Prometheus uses the global evaluation interval).
    pub default_subquery_step_ms: i64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            lookback_delta_ms: 5 * 60 * 1000,
            max_samples: 50_000_000,
            timeout: Duration::from_secs(120),
            default_subquery_step_ms: 60_000,
        }
    }
}

/// The most points a range query may return per series.
pub const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// A query's value and its annotations.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub value: Value,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

pub struct Engine {
    queryable: Arc<dyn Queryable>,
    options: EngineOptions,
}

impl Engine {
    pub fn new(queryable: Arc<dyn Queryable>, options: EngineOptions) -> Self {
        Engine { queryable, options }
    }

    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Evaluates `query` at one time.
    pub async fn instant(&self, tenant: &str, query: &str, time_ms: i64) -> Result<QueryResult, Error> {
        let expr = parse(query)?;
        let run = self.run(tenant, &expr, time_ms, time_ms, 0);
        let (value, warnings, infos) = self.with_timeout(run).await??;
        let value = match value.into_iter().next().expect("one step") {
            StepValue::Scalar(v) => Value::Scalar { t: time_ms, v },
            StepValue::String(v) => Value::String { t: time_ms, v },
            StepValue::Vector(v) => Value::Vector(v),
            StepValue::Matrix(m) => Value::Matrix(m),
        };
        Ok(QueryResult { value, warnings, infos })
    }

    /// Evaluates `query` at every step from `start` to `end`.
    pub async fn range(
        &self,
        tenant: &str,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<QueryResult, Error> {
        if step_ms <= 0 {
            return Err(Error::bad_data(
                "zero or negative query resolution step widths are not accepted. Try a positive integer",
            ));
        }
        if end_ms < start_ms {
            return Err(Error::bad_data("end timestamp must not be before start time"));
        }
        if (end_ms - start_ms) / step_ms > MAX_POINTS_PER_SERIES {
            return Err(Error::bad_data(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
            ));
        }
        let expr = parse(query)?;
        let value_type = expr.value_type();
        if !matches!(value_type, ValueType::Scalar | ValueType::Vector) {
            return Err(Error::bad_data(format!(
                "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
                type_name(value_type)
            )));
        }
        let run = self.run(tenant, &expr, start_ms, end_ms, step_ms);
        let (steps, warnings, infos) = self.with_timeout(run).await??;
        let mut series: BTreeMap<Labels, Vec<Sample>> = BTreeMap::new();
        let mut t = start_ms;
        for step in steps {
            match step {
                StepValue::Scalar(v) => series.entry(Labels::default()).or_default().push(Sample::new(t, v)),
                StepValue::Vector(vector) => {
                    for InstantSample { labels, v, .. } in vector {
                        series.entry(labels).or_default().push(Sample::new(t, v));
                    }
                }
                other => return Err(Error::bad_data(format!("range query step gave {}", kind(&other)))),
            }
            t += step_ms;
        }
        let matrix = series.into_iter().map(|(labels, samples)| RangeSeries { labels, samples }).collect();
        Ok(QueryResult { value: Value::Matrix(matrix), warnings, infos })
    }

    async fn with_timeout<T>(&self, future: impl std::future::Future<Output = T>) -> Result<T, Error> {
        tokio::time::timeout(self.options.timeout, future).await.map_err(|_| Error {
            kind: ErrorKind::Timeout,
            message: format!("query timed out in query execution (timeout {:?})", self.options.timeout),
        })
    }

    /// Fetches the data and evaluates every step.
    async fn run(
        &self,
        tenant: &str,
        expr: &Expr,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<(Vec<StepValue>, Vec<String>, Vec<String>), Error> {
        let context = TimeContext {
            start,
            end,
            lookback_ms: self.options.lookback_delta_ms,
            subquery_step_ms: self.options.default_subquery_step_ms,
        };
        let mut planned = Vec::new();
        plan(expr, Window { low: start, high: end }, &context, &mut planned);
        let data = fetch(self.queryable.as_ref(), tenant, &planned, self.options.max_samples).await?;
        let evaluator = Evaluator { data: &data, context, warnings: Default::default(), infos: Default::default() };
        let mut steps = Vec::new();
        let mut t = start;
        loop {
            steps.push(evaluator.eval(expr, t)?);
            if step == 0 || t + step > end {
                break;
            }
            t += step;
        }
        Ok((steps, evaluator.warnings.into_inner(), evaluator.infos.into_inner()))
    }
}

/// Parses a query, with Prometheus' error shape.
pub fn parse(query: &str) -> Result<Expr, Error> {
    parser::parse(query).map_err(|message| Error { kind: ErrorKind::Parse, message })
}

fn type_name(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Scalar => "scalar",
        ValueType::String => "string",
        ValueType::Vector => "instant vector",
        ValueType::Matrix => "range vector",
    }
}
