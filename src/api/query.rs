//! `/api/v1/query` and `/api/v1/query_range`, answering in Prometheus' JSON
//! shapes (`resultType` and `result`; values as strings, times as seconds).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::promql::{self, ErrorKind, Value};
use crate::series::Labels;
use crate::series::partial::with_partial_responses;

use super::ApiState;
use super::error::{ApiError, ErrorType};
use super::params::{Params, tenant};
use super::response::{ApiResult, Success};
use super::time::now_millis;

/// A query's data: `{"resultType": …, "result": …}`.
pub struct QueryData(Value);

impl Serialize for QueryData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        match &self.0 {
            Value::Scalar { t, v } => {
                map.serialize_entry("resultType", "scalar")?;
                map.serialize_entry("result", &Point(*t, *v))?;
            }
            Value::String { t, v } => {
                map.serialize_entry("resultType", "string")?;
                map.serialize_entry("result", &(Seconds(*t), v))?;
            }
            Value::Vector(vector) => {
                map.serialize_entry("resultType", "vector")?;
                let items: Vec<VectorItem<'_>> =
                    vector.iter().map(|s| VectorItem { metric: &s.labels, value: Point(s.t, s.v) }).collect();
                map.serialize_entry("result", &items)?;
            }
            Value::Matrix(matrix) => {
                map.serialize_entry("resultType", "matrix")?;
                let items: Vec<MatrixItem<'_>> =
                    matrix.iter().map(|s| MatrixItem { metric: &s.labels, values: &s.samples }).collect();
                map.serialize_entry("result", &items)?;
            }
        }
        map.end()
    }
}

struct LabelMap<'a>(&'a Labels);

impl Serialize for LabelMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|l| (&l.name, &l.value)))
    }
}

#[derive(Serialize)]
struct VectorItem<'a> {
    #[serde(serialize_with = "labels")]
    metric: &'a Labels,
    value: Point,
}

#[derive(Serialize)]
struct MatrixItem<'a> {
    #[serde(serialize_with = "labels")]
    metric: &'a Labels,
    #[serde(serialize_with = "points")]
    values: &'a Vec<crate::series::Sample>,
}

fn labels<S: Serializer>(labels: &&Labels, serializer: S) -> Result<S::Ok, S::Error> {
    LabelMap(labels).serialize(serializer)
}

fn points<S: Serializer>(samples: &&Vec<crate::series::Sample>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(samples.len()))?;
    for s in samples.iter() {
        seq.serialize_element(&Point(s.t, s.v))?;
    }
    seq.end()
}

/// A time in seconds, as a JSON number with millisecond precision.
struct Seconds(i64);

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0 as f64 / 1000.0)
    }
}

/// `[<seconds>, "<value>"]`.
struct Point(i64, f64);

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (Seconds(self.0), format_value(self.1)).serialize(serializer)
    }
}

/// Values as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes them.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// The engine's error for query text `expr`, as Prometheus' API words it.
fn query_error(expr: &str, e: promql::Error) -> ApiError {
    let kind = match e.kind {
        ErrorKind::Parse => {
            let message = promql::prometheus_parse_error(expr, &e.message);
            return ApiError::bad_data(format!("invalid parameter \"query\": {message}"));
        }
        ErrorKind::BadData => ErrorType::BadData,
        ErrorKind::Execution | ErrorKind::TooManySamples => ErrorType::Execution,
        ErrorKind::Timeout => ErrorType::Timeout,
        ErrorKind::Canceled => ErrorType::Canceled,
        ErrorKind::Unavailable => ErrorType::Unavailable,
        ErrorKind::Internal => ErrorType::Internal,
    };
    ApiError { kind, message: e.message }
}

/// The answer; `missing` says what a partial answer lacks.
fn finish(result: promql::QueryResult, missing: Vec<String>) -> Success<QueryData> {
    let mut success = Success::new(QueryData(result.value));
    success.warnings = missing;
    success.warnings.extend(result.warnings);
    success.infos = result.infos;
    success
}

/// The request's parameters, tenant and `query` expression.
fn query_request(
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Params, String, String), ApiError> {
    let params = Params::from_request(method, query, headers, body);
    let tenant = tenant(headers)?;
    let expr = params
        .get("query")
        .ok_or_else(|| ApiError::bad_data("invalid parameter \"query\": query must not be empty"))?
        .to_string();
    Ok((params, tenant, expr))
}

/// The expression parsed, or Prometheus' error for it:
/// `invalid parameter "query": 1:7: parse error: …`.
pub(super) fn parse_query(expr: &str) -> Result<promql_parser::parser::Expr, ApiError> {
    promql::parse(expr).map_err(|e| query_error(expr, e))
}

/// A time parameter that must be present.
fn required_time(params: &Params, key: &str) -> Result<i64, ApiError> {
    match params.get(key) {
        Some(_) => params.time(key, 0),
        None => Err(ApiError::bad_data(format!("invalid parameter \"{key}\": cannot parse \"\" to a valid timestamp"))),
    }
}

pub async fn instant(
    State(state): State<ApiState>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<QueryData> {
    let (params, tenant, expr) = query_request(&method, query.as_deref(), &headers, &body)?;
    let time = params.time("time", now_millis())?;
    let engine = &state.query()?.engine;
    let (result, missing) =
        with_partial_responses(params.partial_response()?, engine.instant(&tenant, &expr, time)).await;
    Ok(finish(result.map_err(|e| query_error(&expr, e))?, missing))
}

pub async fn range(
    State(state): State<ApiState>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<QueryData> {
    let (params, tenant, expr) = query_request(&method, query.as_deref(), &headers, &body)?;
    let start = required_time(&params, "start")?;
    let end = required_time(&params, "end")?;
    if end < start {
        return Err(ApiError::bad_data("invalid parameter \"end\": end timestamp must not be before start time"));
    }
    let step = parse_step(params.get("step").unwrap_or(""))?;
    let engine = &state.query()?.engine;
    let (result, missing) =
        with_partial_responses(params.partial_response()?, engine.range(&tenant, &expr, start, end, step)).await;
    Ok(finish(result.map_err(|e| query_error(&expr, e))?, missing))
}

/// `step` as float seconds or a Prometheus duration.
fn parse_step(text: &str) -> Result<i64, ApiError> {
    let invalid =
        || ApiError::bad_data(format!("invalid parameter \"step\": cannot parse \"{text}\" to a valid duration"));
    let millis = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() => (seconds * 1000.0).round() as i64,
        Ok(_) => return Err(invalid()),
        Err(_) => crate::config::Duration::parse(text).map_err(|_| invalid())?.milliseconds() as i64,
    };
    if millis <= 0 {
        return Err(ApiError::bad_data(
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    Ok(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_like_go() {
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.5), "0.5");
        assert_eq!(format_value(1e21), "1000000000000000000000");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
    }

    #[test]
    fn steps_take_seconds_or_durations() {
        assert_eq!(parse_step("15").unwrap(), 15_000);
        assert_eq!(parse_step("0.5").unwrap(), 500);
        assert_eq!(parse_step("1m").unwrap(), 60_000);
        assert!(parse_step("0").is_err());
        assert!(parse_step("x").is_err());
    }
}
