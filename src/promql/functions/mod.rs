//! The numeric kernels of PromQL's functions, with Prometheus 3 semantics
//! (`promql/functions.go`, `promql/quantile.go`): range functions over one
//! series' samples in a window, element-wise functions on one value, and
//! quantiles. Selection, labels, steps, lookback and annotations are the
//! evaluator's.

mod histogram;
pub(crate) mod kahan;
mod math;
mod over_time;
mod range;
mod time;

pub use histogram::{bucket_quantile, quantile};
pub use math::{clamp, round};
pub use over_time::{
    avg_over_time, double_exponential_smoothing, extreme_over_time, mad_over_time, quantile_over_time,
    stddev_over_time, stdvar_over_time, sum_over_time, timestamp_of_extreme,
};
pub use range::{changes, deriv, extrapolated_rate, instant_change, predict_linear, resets};
pub use time::date_function;

use crate::series::Sample;

/// Why a function could not be applied. `Smoothing`/`TrendFactor` are
/// evaluation errors in Prometheus (`execution`); the others mean the
/// caller passed a name or arguments the parser should have rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("unknown function {0:?}")]
    UnknownFunction(String),
    #[error("function {function} expects {expected} scalar argument(s), got {got}")]
    ArgumentCount { function: String, expected: &'static str, got: usize },
    #[error("invalid smoothing factor. Expected: 0 < sf < 1, got: {}", go_fixed(*.0))]
    SmoothingFactor(f64),
    #[error("invalid trend factor. Expected: 0 < tf < 1, got: {}", go_fixed(*.0))]
    TrendFactor(f64),
}

/// Formats like Go's `%f`, which upstream's messages use.
fn go_fixed(value: f64) -> String {
    match value {
        f64::INFINITY => "+Inf".to_string(),
        f64::NEG_INFINITY => "-Inf".to_string(),
        _ => format!("{value:.6}"),
    }
}

/// Applies range function `name` to one series' float samples in the window
/// `(range_start_ms, range_end_ms]` (sorted, stale markers removed).
/// `args` are the scalar arguments besides the range: φ for
/// `quantile_over_time`, seconds ahead for `predict_linear`, sf and tf for
/// `double_exponential_smoothing`. Ok(None) when the series yields no output.
///
/// `predict_linear` is anchored at `range_end_ms` here; upstream anchors at
/// the evaluation time, so with `offset` or `@` call [`predict_linear`].
pub fn range_function(
    name: &str,
    samples: &[Sample],
    range_start_ms: i64,
    range_end_ms: i64,
    args: &[f64],
) -> Result<Option<f64>, Error> {
    let expect = |expected: usize| check_count(name, args, expected, expected);
    let output = match name {
        "rate" | "increase" | "delta" => {
            expect(0)?;
            let (is_counter, is_rate) = (name != "delta", name == "rate");
            extrapolated_rate(samples, range_start_ms, range_end_ms, is_counter, is_rate)
        }
        "irate" | "idelta" => expect(0).map(|_| instant_change(samples, name == "irate"))?,
        "deriv" => expect(0).map(|_| deriv(samples))?,
        "predict_linear" => expect(1).map(|_| predict_linear(samples, range_end_ms, args[0]))?,
        "resets" => expect(0).map(|_| resets(samples))?,
        "changes" => expect(0).map(|_| changes(samples))?,
        "quantile_over_time" => expect(1).map(|_| quantile_over_time(samples, args[0]))?,
        "double_exponential_smoothing" | "holt_winters" => {
            expect(2)?;
            return double_exponential_smoothing(samples, args[0], args[1]);
        }
        _ => {
            let output = aggregate_over_time(name, samples).ok_or_else(|| Error::UnknownFunction(name.to_string()))?;
            expect(0)?;
            output
        }
    };
    Ok(output)
}

/// The argument-free `*_over_time` functions: Some(output) if `name` is one.
fn aggregate_over_time(name: &str, samples: &[Sample]) -> Option<Option<f64>> {
    let nonempty = |value: f64| (!samples.is_empty()).then_some(value);
    let output = match name {
        "avg_over_time" => avg_over_time(samples),
        "sum_over_time" => sum_over_time(samples),
        "min_over_time" => extreme_over_time(samples, false),
        "max_over_time" => extreme_over_time(samples, true),
        "count_over_time" => nonempty(samples.len() as f64),
        "last_over_time" => samples.last().map(|sample| sample.v),
        "first_over_time" => samples.first().map(|sample| sample.v),
        "present_over_time" | "absent_over_time" => nonempty(1.0),
        "stddev_over_time" => stddev_over_time(samples),
        "stdvar_over_time" => stdvar_over_time(samples),
        "mad_over_time" => mad_over_time(samples),
        "ts_of_min_over_time" => timestamp_of_extreme(samples, false),
        "ts_of_max_over_time" => timestamp_of_extreme(samples, true),
        "ts_of_first_over_time" => samples.first().map(|sample| sample.t as f64 / 1000.0),
        "ts_of_last_over_time" => samples.last().map(|sample| sample.t as f64 / 1000.0),
        _ => return None,
    };
    Some(output)
}

/// Applies element-wise function `name` to `v`. `args` are its scalar
/// arguments: `round` takes an optional to_nearest (default 1), `clamp`
/// min and max, `clamp_min`/`clamp_max` one bound. The date functions take
/// `v` as Unix seconds. Ok(None) when upstream drops the element (`clamp`
/// with min > max).
pub fn instant_function(name: &str, v: f64, args: &[f64]) -> Result<Option<f64>, Error> {
    match name {
        "round" => {
            check_count(name, args, 0, 1)?;
            Ok(Some(round(v, args.first().copied().unwrap_or(1.0))))
        }
        "clamp" => check_count(name, args, 2, 2).map(|_| clamp(v, args[0], args[1])),
        "clamp_min" => check_count(name, args, 1, 1).map(|_| clamp(v, args[0], f64::INFINITY)),
        "clamp_max" => check_count(name, args, 1, 1).map(|_| clamp(v, f64::NEG_INFINITY, args[0])),
        _ => {
            let value = math::unary(name)
                .map(|function| function(v))
                .or_else(|| date_function(name, v))
                .ok_or_else(|| Error::UnknownFunction(name.to_string()))?;
            check_count(name, args, 0, 0)?;
            Ok(Some(value))
        }
    }
}

fn check_count(name: &str, args: &[f64], min: usize, max: usize) -> Result<(), Error> {
    if (min..=max).contains(&args.len()) {
        return Ok(());
    }
    let expected = match (min, max) {
        (0, 0) => "no",
        (0, 1) => "0 or 1",
        (1, 1) => "1",
        (2, 2) => "2",
        _ => "a different number of",
    };
    Err(Error::ArgumentCount { function: name.to_string(), expected, got: args.len() })
}

#[cfg(test)]
mod tests;
