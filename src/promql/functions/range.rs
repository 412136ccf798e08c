//! Rate-like range functions over one series' float samples: `rate`,
//! `increase`, `delta`, `irate`, `idelta`, `deriv`, `predict_linear`,
//! `resets` and `changes`, following Prometheus 3's `promql/functions.go`
//! (extrapolatedRate, instantValue, linearRegression). Anchored and smoothed
//! selectors and OTel start timestamps are not handled here.

use super::kahan;
use crate::series::Sample;

/// How much further than the average sample interval a boundary may lie and
/// still count as covered by the series (Prometheus' 1.1 factor).
const EXTRAPOLATION_THRESHOLD: f64 = 1.1;

/// `rate`, `increase` and `delta`: the change over the window
/// `(range_start_ms, range_end_ms]`, corrected for counter resets when
/// `is_counter`, extrapolated towards the boundaries, and per second when
/// `is_rate`. None with fewer than two samples.
pub fn extrapolated_rate(
    samples: &[Sample],
    range_start_ms: i64,
    range_end_ms: i64,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    let (first, last) = match samples {
        [first, .., last] => (first, last),
        _ => return None,
    };
    let mut change = last.v - first.v;
    if is_counter {
        change += counter_reset_correction(samples);
    }
    let sampled_seconds = (last.t - first.t) as f64 / 1000.0;
    let average_interval = sampled_seconds / (samples.len() - 1) as f64;
    let threshold = average_interval * EXTRAPOLATION_THRESHOLD;

    let mut to_start = (first.t - range_start_ms) as f64 / 1000.0;
    if to_start >= threshold {
        // No sample where one was expected: assume the series starts half an
        // interval before its first sample rather than at the boundary.
        to_start = average_interval / 2.0;
    }
    if is_counter && change > 0.0 && first.v >= 0.0 {
        // A counter cannot go below zero, so never extrapolate past the
        // point where the observed slope would reach zero.
        to_start = to_start.min(sampled_seconds * (first.v / change));
    }
    let mut to_end = (range_end_ms - last.t) as f64 / 1000.0;
    if to_end >= threshold {
        to_end = average_interval / 2.0;
    }

    let mut factor = (sampled_seconds + to_start + to_end) / sampled_seconds;
    if is_rate {
        factor /= (range_end_ms - range_start_ms) as f64 / 1000.0;
    }
    Some(change * factor)
}

/// The sum of the values just before each drop, which is what a counter lost
/// to its resets.
fn counter_reset_correction(samples: &[Sample]) -> f64 {
    samples.windows(2).filter(|pair| pair[1].v < pair[0].v).map(|pair| pair[0].v).sum()
}

/// `irate` (`is_rate`) and `idelta`: the change between the last two samples,
/// per second for `irate`, where a drop in a counter counts from zero.
/// None with fewer than two samples or when both share a timestamp.
pub fn instant_change(samples: &[Sample], is_rate: bool) -> Option<f64> {
    let [previous, last] = match samples {
        [.., previous, last] => [previous, last],
        _ => return None,
    };
    let interval_ms = last.t - previous.t;
    if interval_ms == 0 {
        return None;
    }
    let reset = is_rate && last.v < previous.v;
    let change = if reset { last.v } else { last.v - previous.v };
    Some(if is_rate { change / (interval_ms as f64 / 1000.0) } else { change })
}

/// Least-squares fit of value against time in seconds relative to
/// `origin_ms`; returns (slope per second, value at `origin_ms`).
///
/// Measuring time from an origin near the samples keeps `x²` small enough
/// that the sums stay precise (Prometheus issue 2674). A constant series
/// has slope 0 exactly, or NaN when that constant is infinite.
pub fn linear_regression(samples: &[Sample], origin_ms: i64) -> (f64, f64) {
    let first_value = samples[0].v;
    if samples.iter().all(|sample| sample.v == first_value) {
        return match first_value.is_infinite() {
            true => (f64::NAN, f64::NAN),
            false => (0.0, first_value),
        };
    }
    let (mut x, mut y, mut xy, mut x2) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
    let accumulate = |acc: &mut [f64; 2], value: f64| {
        let (sum, compensation) = kahan::add(value, acc[0], acc[1]);
        *acc = [sum, compensation];
    };
    for sample in samples {
        let seconds = (sample.t - origin_ms) as f64 / 1000.0;
        accumulate(&mut x, seconds);
        accumulate(&mut y, sample.v);
        accumulate(&mut xy, seconds * sample.v);
        accumulate(&mut x2, seconds * seconds);
    }
    let n = samples.len() as f64;
    let (sum_x, sum_y, sum_xy, sum_x2) = (x[0] + x[1], y[0] + y[1], xy[0] + xy[1], x2[0] + x2[1]);
    let covariance = sum_xy - sum_x * sum_y / n;
    let variance = sum_x2 - sum_x * sum_x / n;
    let slope = covariance / variance;
    (slope, sum_y / n - slope * sum_x / n)
}

/// `deriv`: the regression slope per second. None with fewer than two samples.
pub fn deriv(samples: &[Sample]) -> Option<f64> {
    (samples.len() >= 2).then(|| linear_regression(samples, samples[0].t).0)
}

/// `predict_linear`: the regression line's value `seconds_ahead` after
/// `at_ms`. Upstream anchors at the evaluation time, which equals the range
/// end unless the selector has an `offset` or `@`.
pub fn predict_linear(samples: &[Sample], at_ms: i64, seconds_ahead: f64) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let (slope, intercept) = linear_regression(samples, at_ms);
    Some(slope * seconds_ahead + intercept)
}

/// `resets`: how many times the value dropped. None without samples.
pub fn resets(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    Some(samples.windows(2).filter(|pair| pair[1].v < pair[0].v).count() as f64)
}

/// `changes`: how many times the value changed, where NaN following NaN is
/// no change. None without samples.
pub fn changes(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let changed = |pair: &&[Sample]| pair[1].v != pair[0].v && !(pair[1].v.is_nan() && pair[0].v.is_nan());
    Some(samples.windows(2).filter(changed).count() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    /// Samples every `step_ms` from `start_ms`, one per value.
    fn series(start_ms: i64, step_ms: i64, values: &[f64]) -> Vec<Sample> {
        values.iter().enumerate().map(|(i, &v)| Sample::new(start_ms + i as i64 * step_ms, v)).collect()
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
    }

    fn counter(start: f64, step: f64, count: usize) -> Vec<f64> {
        (0..count).map(|i| start + step * i as f64).collect()
    }

    #[test]
    fn increase_over_full_coverage_needs_no_extrapolation() {
        // 0+10x10 every 5m, increase(x[50m]) at 50m: window (0, 50m] holds 5m..50m.
        let samples = series(5 * MINUTE, 5 * MINUTE, &counter(10.0, 10.0, 10));
        let increase = extrapolated_rate(&samples, 0, 50 * MINUTE, true, false).unwrap();
        // 90 observed over 45m; the start is 5m away (< 1.1 × 5m) so extrapolate fully.
        assert!(close(increase, 100.0), "{increase}");
    }

    #[test]
    fn increase_stops_extrapolating_at_the_counter_zero_point() {
        // functions.test: increase(x[100m]) at 50m for 0+10x10, 10+10x10 and 1+10x10.
        let window = (-50 * MINUTE, 50 * MINUTE);
        for (start, expected) in [(0.0, 100.0), (10.0, 105.0), (1.0, 101.0)] {
            let samples = series(0, 5 * MINUTE, &counter(start, 10.0, 11));
            let increase = extrapolated_rate(&samples, window.0, window.1, true, false).unwrap();
            assert!(close(increase, expected), "start {start}: {increase}");
        }
    }

    #[test]
    fn increase_corrects_counter_resets() {
        // functions.test "/bar": 0+18x5 0+18x5 gives increase(x[100m]) = 162.
        let mut values = counter(0.0, 18.0, 6);
        values.extend(counter(0.0, 18.0, 5));
        let samples = series(0, 5 * MINUTE, &values);
        let increase = extrapolated_rate(&samples, -50 * MINUTE, 50 * MINUTE, true, false).unwrap();
        assert!(close(increase, 162.0), "{increase}");
    }

    #[test]
    fn rate_divides_by_the_range_not_the_sampled_interval() {
        let samples = series(5 * MINUTE, 5 * MINUTE, &counter(10.0, 10.0, 10));
        let rate = extrapolated_rate(&samples, 0, 50 * MINUTE, true, true).unwrap();
        assert!(close(rate, 100.0 / 3000.0), "{rate}");
    }

    #[test]
    fn delta_may_be_negative_and_extrapolates_half_an_interval_at_gaps() {
        // Samples at 40s, 50s, 60s in (0, 100s]: start 40s away and end 40s
        // away exceed 1.1 × 10s, so each side extends only 5s.
        let samples = series(40_000, 10_000, &[30.0, 20.0, 10.0]);
        let delta = extrapolated_rate(&samples, 0, 100_000, false, false).unwrap();
        assert!(close(delta, -20.0 * 30.0 / 20.0), "{delta}");
    }

    #[test]
    fn rate_needs_two_samples() {
        assert_eq!(extrapolated_rate(&[], 0, 1000, true, true), None);
        assert_eq!(extrapolated_rate(&[Sample::new(10, 1.0)], 0, 1000, true, true), None);
    }

    #[test]
    fn rate_sees_only_the_ends_and_the_drops() {
        // As upstream, a NaN in the middle neither counts as a drop nor
        // after one, so only a NaN at either end makes the result NaN.
        let middle = series(1000, 1000, &[1.0, f64::NAN, 3.0]);
        assert_eq!(extrapolated_rate(&middle, 0, 3000, true, false), Some(3.0));
        let last = series(1000, 1000, &[1.0, 2.0, f64::NAN]);
        assert!(extrapolated_rate(&last, 0, 3000, true, true).unwrap().is_nan());
    }

    #[test]
    fn irate_counts_a_drop_from_zero_and_idelta_does_not() {
        let samples = series(0, 10_000, &[5.0, 10.0, 4.0]);
        assert_eq!(instant_change(&samples, true), Some(0.4));
        assert_eq!(instant_change(&samples, false), Some(-6.0));
        let rising = series(0, 10_000, &[5.0, 10.0, 30.0]);
        assert_eq!(instant_change(&rising, true), Some(2.0));
    }

    #[test]
    fn instant_change_needs_two_distinct_timestamps() {
        assert_eq!(instant_change(&[Sample::new(0, 1.0)], true), None);
        assert_eq!(instant_change(&[Sample::new(5, 1.0), Sample::new(5, 2.0)], false), None);
    }

    #[test]
    fn deriv_is_the_least_squares_slope() {
        // y = 2t + 1 with t in seconds, far from the epoch.
        let start = 1_700_000_000_000;
        let samples: Vec<Sample> =
            (0..10).map(|i| Sample::new(start + i * 15_000, 2.0 * (i * 15) as f64 + 1.0)).collect();
        assert!(close(deriv(&samples).unwrap(), 2.0));
        assert_eq!(deriv(&samples[..1]), None);
    }

    #[test]
    fn deriv_of_a_constant_is_zero_unless_infinite() {
        assert_eq!(deriv(&series(0, 1000, &[7.0, 7.0, 7.0])), Some(0.0));
        assert!(deriv(&series(0, 1000, &[f64::INFINITY; 3])).unwrap().is_nan());
    }

    #[test]
    fn predict_linear_extends_the_fit_from_the_anchor() {
        // functions.test: 0+10x10 every 5m, predict_linear(x[50m], 3600) at 50m = 220.
        let samples = series(5 * MINUTE, 5 * MINUTE, &counter(10.0, 10.0, 10));
        let predicted = predict_linear(&samples, 50 * MINUTE, 3600.0).unwrap();
        assert!(close(predicted, 220.0), "{predicted}");
        assert!(close(predict_linear(&samples, 50 * MINUTE, 0.0).unwrap(), 100.0));
    }

    #[test]
    fn regression_matches_functions_test_reset_series() {
        // testcounter_reset_middle_total: 0+10x4 0+10x5 every 5m.
        let values = [0.0, 10.0, 20.0, 30.0, 40.0, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0];
        let samples = series(0, 5 * MINUTE, &values);
        assert!(close(deriv(&samples).unwrap(), 0.010606060606060607));
        // [50m] at 50m drops the sample at 0 (left-open window).
        assert!(close(predict_linear(&samples[1..], 50 * MINUTE, 3600.0).unwrap(), 70.0));
        // [55m] @ 3000 evaluated at 10m anchors at the evaluation time, 600s.
        assert!(close(predict_linear(&samples, 10 * MINUTE, 3600.0).unwrap(), 51.36363636363637));
    }

    #[test]
    fn resets_and_changes_follow_functions_test() {
        // "/foo" 1 2 3 0 1 0 0 1 2 0 over [50m]: window (0, 50m] drops the first sample.
        let foo = [2.0, 3.0, 0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 0.0];
        assert_eq!(resets(&series(0, 1, &foo)), Some(3.0));
        assert_eq!(changes(&series(0, 1, &foo)), Some(7.0));
        assert_eq!(resets(&[]), None);
        assert_eq!(changes(&[Sample::new(0, 1.0)]), Some(0.0));
    }

    #[test]
    fn changes_treats_consecutive_nans_as_equal() {
        assert_eq!(changes(&series(0, 1, &[f64::NAN, f64::NAN, f64::NAN])), Some(0.0));
        assert_eq!(changes(&series(0, 1, &[0.0, f64::NAN, 0.0])), Some(2.0));
    }
}
