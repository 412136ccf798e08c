//! Comparison of query results with a test file's expectations, as upstream's
//! `evalCmd.compareResult` and `checkAnnotations`: values equal within a
//! relative 1e-6 (`util/almost.Equal`, NaN equal to NaN), series matched by
//! label set, positions checked only for `expect ordered`, range results
//! sorted by labels with one expected point per step.

use std::collections::{BTreeMap, BTreeSet};

use sonde::promql::{InstantSample, QueryResult, RangeSeries, Value};
use sonde::series::{Labels, Sample};

use super::script::{Annotations, Eval, EvalKind, Expected, ExpectedSeries, Point};

/// Upstream's `defaultEpsilon`: the relative error allowed for values.
pub const EPSILON: f64 = 0.000_001;

/// Whether `a` and `b` differ by less than their magnitude times `epsilon`;
/// both NaN (any NaN, stale markers included) counts as equal.
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let min_normal = f64::MIN_POSITIVE;
    let absolute_sum = a.abs() + b.abs();
    let difference = (a - b).abs();
    if a == 0.0 || b == 0.0 || absolute_sum < min_normal {
        return difference < epsilon * min_normal;
    }
    difference / absolute_sum.min(f64::MAX) < epsilon
}

/// The label set of an expected series, in the engine's form.
pub fn labels_of(pairs: &[(String, String)]) -> Labels {
    Labels::from_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// Checks warn and info annotations against the eval's expectations.
pub fn check_annotations(eval: &Eval, result: &QueryResult) -> Result<(), String> {
    check_annotation_kind(&eval.warn, &result.warnings, "warn")?;
    check_annotation_kind(&eval.info, &result.infos, "info")
}

fn check_annotation_kind(expected: &Annotations, actual: &[String], kind: &str) -> Result<(), String> {
    match expected {
        Annotations::Unchecked => Ok(()),
        Annotations::Absent if actual.is_empty() => Ok(()),
        Annotations::Absent => Err(format!("unexpected {kind} annotations: {actual:?}")),
        Annotations::Matching(_) if actual.is_empty() => {
            Err(format!("expected {kind} annotations but none were found"))
        }
        Annotations::Matching(matchers) => {
            if let Some(missing) = matchers.iter().find(|m| !actual.iter().any(|a| m.matches(a))) {
                return Err(format!("expected {kind} annotation matching {missing} but found only {actual:?}"));
            }
            match actual.iter().find(|a| !matchers.iter().any(|m| m.matches(a))) {
                Some(extra) => Err(format!("unexpected {kind} annotation {extra:?}")),
                None => Ok(()),
            }
        }
    }
}

/// Compares a result value with what the eval expects.
pub fn compare_value(eval: &Eval, value: &Value) -> Result<(), String> {
    match value {
        Value::Scalar { v, .. } => compare_scalar(&eval.expected, *v),
        Value::String { v, .. } => match &eval.expected {
            Expected::String(expected) if expected == v => Ok(()),
            Expected::String(expected) => Err(format!("expected string {expected:?} but got {v:?}")),
            _ => Err(format!("expected {} but got string {v:?}", describe(&eval.expected))),
        },
        Value::Vector(samples) => compare_vector(&eval.expected, eval.ordered, samples),
        Value::Matrix(series) => compare_matrix(eval, series),
    }
}

fn describe(expected: &Expected) -> &'static str {
    match expected {
        Expected::Scalar(_) => "a scalar",
        Expected::String(_) => "a string",
        Expected::Series(_) => "a vector or matrix",
    }
}

pub fn compare_scalar(expected: &Expected, actual: f64) -> Result<(), String> {
    match expected {
        Expected::Scalar(value) if almost_equal(*value, actual, EPSILON) => Ok(()),
        Expected::Scalar(value) => Err(format!("expected scalar {value} but got {actual}")),
        other => Err(format!("expected {} but got scalar {actual}", describe(other))),
    }
}

/// Expected series by label set; a later line for the same labels wins, as upstream.
fn expected_by_labels(expected: &[ExpectedSeries]) -> BTreeMap<Labels, &ExpectedSeries> {
    expected.iter().map(|series| (labels_of(&series.labels), series)).collect()
}

pub fn compare_vector(expected: &Expected, ordered: bool, samples: &[InstantSample]) -> Result<(), String> {
    let Expected::Series(series) = expected else {
        return Err(format!("expected {} but got vector {}", describe(expected), format_vector(samples)));
    };
    let wanted = expected_by_labels(series);
    let mut seen = BTreeSet::new();
    for (index, sample) in samples.iter().enumerate() {
        let Some(expected) = wanted.get(&sample.labels) else {
            return Err(format!("unexpected series {} in result, with value {}", sample.labels, sample.v));
        };
        if ordered && expected.position != index + 1 {
            return Err(format!(
                "expected series {} at position {} but it was at {}",
                sample.labels,
                expected.position,
                index + 1
            ));
        }
        compare_instant_point(&expected.points, sample)?;
        seen.insert(&sample.labels);
    }
    missing_series(&wanted, &seen)
}

fn compare_instant_point(points: &[Point], sample: &InstantSample) -> Result<(), String> {
    match points.first() {
        Some(Point::Value(value)) if almost_equal(*value, sample.v, EPSILON) => Ok(()),
        Some(Point::Value(value)) => Err(format!("expected {value} for {} but got {}", sample.labels, sample.v)),
        Some(Point::Histogram(text)) => {
            Err(format!("expected histogram {text} for {} but got {}", sample.labels, sample.v))
        }
        Some(Point::Omitted) | None => Err(format!("expected no value for {} but got {}", sample.labels, sample.v)),
    }
}

fn missing_series(wanted: &BTreeMap<Labels, &ExpectedSeries>, seen: &BTreeSet<&Labels>) -> Result<(), String> {
    match wanted.iter().find(|(labels, _)| !seen.contains(labels)) {
        Some((labels, series)) => Err(format!("expected series {labels} with {:?} not found", series.points)),
        None => Ok(()),
    }
}

/// The times of expected points: the range query's steps, or the window of
/// an instant query's `expect range vector`.
fn expected_steps(eval: &Eval) -> Option<(i64, i64, i64)> {
    match (eval.kind, eval.range_vector) {
        (_, Some(window)) => Some((window.start_ms, window.end_ms, window.step_ms)),
        (EvalKind::Range { start_ms, end_ms, step_ms }, None) => Some((start_ms, end_ms, step_ms)),
        (EvalKind::Instant { .. }, None) => None,
    }
}

pub fn compare_matrix(eval: &Eval, matrix: &[RangeSeries]) -> Result<(), String> {
    if eval.ordered {
        return Err("expected ordered result, but query returned a matrix".into());
    }
    let Expected::Series(series) = &eval.expected else {
        return Err(format!("expected {} but got a matrix of {} series", describe(&eval.expected), matrix.len()));
    };
    let Some((start, end, step)) = expected_steps(eval) else {
        return Err(format!("expected a vector but got a matrix of {} series", matrix.len()));
    };
    assert_sorted(matrix)?;
    let wanted = expected_by_labels(series);
    let mut seen = BTreeSet::new();
    for actual in matrix {
        let Some(expected) = wanted.get(&actual.labels) else {
            return Err(format!(
                "unexpected series {} in result, has {}",
                actual.labels,
                format_samples(&actual.samples)
            ));
        };
        let points = expected_samples(expected, start, end, step)?;
        compare_samples(&actual.labels, &points, &actual.samples)?;
        seen.insert(&actual.labels);
    }
    missing_series(&wanted, &seen)
}

/// Expected points at `start + i*step`, without the omitted ones.
fn expected_samples(expected: &ExpectedSeries, start: i64, end: i64, step: i64) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    for (index, point) in expected.points.iter().enumerate() {
        let t = start + index as i64 * step;
        if t > end {
            return Err(format!(
                "expected {} points for {}, but the query range cannot return this many",
                expected.points.len(),
                labels_of(&expected.labels)
            ));
        }
        match point {
            Point::Value(v) => samples.push(Sample::new(t, *v)),
            Point::Omitted => {}
            Point::Histogram(text) => return Err(format!("expected histogram {text}, which Sonde does not support")),
        }
    }
    Ok(samples)
}

fn compare_samples(labels: &Labels, expected: &[Sample], actual: &[Sample]) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!("expected {} points for {labels}, but got {}", expected.len(), format_samples(actual)));
    }
    for (index, (want, got)) in expected.iter().zip(actual).enumerate() {
        if want.t != got.t {
            return Err(format!(
                "expected point {index} of {labels} at t={}, but it is at t={} (result has {})",
                want.t,
                got.t,
                format_samples(actual)
            ));
        }
        if !almost_equal(want.v, got.v, EPSILON) {
            return Err(format!(
                "expected point {index} (t={}) of {labels} to be {}, but got {} (result has {})",
                got.t,
                want.v,
                got.v,
                format_samples(actual)
            ));
        }
    }
    Ok(())
}

/// Range results must come sorted by label set.
pub fn assert_sorted(matrix: &[RangeSeries]) -> Result<(), String> {
    match matrix.windows(2).position(|pair| pair[0].labels > pair[1].labels) {
        Some(index) => Err(format!(
            "matrix is not sorted by labels: {} at index {} comes before {}",
            matrix[index].labels,
            index,
            matrix[index + 1].labels
        )),
        None => Ok(()),
    }
}

fn format_samples(samples: &[Sample]) -> String {
    let points: Vec<String> = samples.iter().map(|s| format!("{} @{}", s.v, s.t)).collect();
    format!("{} points [{}]", samples.len(), points.join(", "))
}

fn format_vector(samples: &[InstantSample]) -> String {
    let items: Vec<String> = samples.iter().map(|s| format!("{} => {}", s.labels, s.v)).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
