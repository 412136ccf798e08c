//! The `<aggregation>_over_time` range functions and
//! `double_exponential_smoothing` over one series' float samples, following
//! Prometheus 3's `promql/functions.go` (Kahan sums, the direct mean that
//! falls back to an incremental mean on overflow, Welford variance).
//! Every function returns None for an empty window.

use super::histogram::quantile;
use super::{Error, kahan};
use crate::series::Sample;

/// `sum_over_time`, Kahan-compensated; an overflowed sum stays ±Inf.
pub fn sum_over_time(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let (sum, compensation) = samples.iter().fold((0.0, 0.0), |(s, c), sample| kahan::add(sample.v, s, c));
    Some(if sum.is_infinite() { sum } else { sum + compensation })
}

/// `avg_over_time`: the Kahan sum divided by the count while the sum stays
/// finite, switching to an incremental mean once it would overflow, so that
/// averaging values near `f64::MAX` does not give Inf.
pub fn avg_over_time(samples: &[Sample]) -> Option<f64> {
    let (first, rest) = samples.split_first()?;
    let (mut sum, mut compensation) = (first.v, 0.0);
    let mut mean = None;
    let mut count = 1.0;
    for sample in rest {
        count += 1.0;
        if mean.is_none() {
            let (new_sum, new_compensation) = kahan::add(sample.v, sum, compensation);
            if !new_sum.is_infinite() {
                (sum, compensation) = (new_sum, new_compensation);
                continue;
            }
            mean = Some(sum / (count - 1.0));
            compensation /= count - 1.0;
        }
        let shrink = (count - 1.0) / count;
        let previous = mean.unwrap_or_default();
        let (new_mean, new_compensation) = kahan::add(sample.v / count, shrink * previous, shrink * compensation);
        mean = Some(new_mean);
        compensation = new_compensation;
    }
    Some(match mean {
        Some(mean) => mean + compensation,
        None => sum / count + compensation / count,
    })
}

/// `max_over_time` (`pick_max`) or `min_over_time`: a NaN is replaced by any
/// later value, so the result is NaN only when the last candidates are NaN.
pub fn extreme_over_time(samples: &[Sample], pick_max: bool) -> Option<f64> {
    let best = extreme_sample(samples, |current, best| match pick_max {
        true => current > best,
        false => current < best,
    })?;
    Some(best.v)
}

/// `ts_of_max_over_time` / `ts_of_min_over_time`: the time in seconds of the
/// last sample holding the extreme value.
pub fn timestamp_of_extreme(samples: &[Sample], pick_max: bool) -> Option<f64> {
    let best = extreme_sample(samples, |current, best| match pick_max {
        true => current >= best,
        false => current <= best,
    })?;
    Some(best.t as f64 / 1000.0)
}

fn extreme_sample(samples: &[Sample], better: impl Fn(f64, f64) -> bool) -> Option<Sample> {
    let mut best = *samples.first()?;
    for sample in samples {
        if better(sample.v, best.v) || best.v.is_nan() {
            best = *sample;
        }
    }
    Some(best)
}

/// The population variance by Welford's method with Kahan-compensated
/// running mean and sum of squares (`stdvar_over_time`).
pub fn stdvar_over_time(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let (mut count, mut mean, mut mean_compensation) = (0.0, 0.0, 0.0);
    let (mut squares, mut squares_compensation) = (0.0, 0.0);
    for sample in samples {
        count += 1.0;
        let delta = sample.v - (mean + mean_compensation);
        (mean, mean_compensation) = kahan::add(delta / count, mean, mean_compensation);
        let spread = delta * (sample.v - (mean + mean_compensation));
        (squares, squares_compensation) = kahan::add(spread, squares, squares_compensation);
    }
    Some((squares + squares_compensation) / count)
}

/// `stddev_over_time`: the square root of `stdvar_over_time`.
pub fn stddev_over_time(samples: &[Sample]) -> Option<f64> {
    stdvar_over_time(samples).map(f64::sqrt)
}

/// `quantile_over_time`; φ outside [0, 1] gives ±Inf and NaN φ gives NaN
/// (the evaluator adds Prometheus' invalid-quantile warning).
pub fn quantile_over_time(samples: &[Sample], phi: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut values: Vec<f64> = samples.iter().map(|sample| sample.v).collect();
    Some(quantile(phi, &mut values))
}

/// `mad_over_time`: the median of absolute deviations from the median.
pub fn mad_over_time(samples: &[Sample]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut values: Vec<f64> = samples.iter().map(|sample| sample.v).collect();
    let median = quantile(0.5, &mut values);
    let mut deviations: Vec<f64> = samples.iter().map(|sample| (sample.v - median).abs()).collect();
    Some(quantile(0.5, &mut deviations))
}

/// `double_exponential_smoothing` (Holt's linear method) with smoothing
/// factor `smoothing` and trend factor `trend`, both required in (0, 1).
/// A NaN factor passes the check as upstream and yields NaN. None with
/// fewer than two samples.
pub fn double_exponential_smoothing(samples: &[Sample], smoothing: f64, trend: f64) -> Result<Option<f64>, Error> {
    if smoothing <= 0.0 || smoothing >= 1.0 {
        return Err(Error::SmoothingFactor(smoothing));
    }
    if trend <= 0.0 || trend >= 1.0 {
        return Err(Error::TrendFactor(trend));
    }
    let [first, second, ..] = samples else { return Ok(None) };
    let (mut previous_level, mut level) = (0.0, first.v);
    let mut slope = second.v - first.v;
    for (index, sample) in samples.iter().enumerate().skip(1) {
        if index > 1 {
            // The first step keeps the initial slope; later ones blend the
            // latest level change with the previous slope.
            slope = trend * (level - previous_level) + (1.0 - trend) * slope;
        }
        let next = smoothing * sample.v + (1.0 - smoothing) * (level + slope);
        (previous_level, level) = (level, next);
    }
    Ok(Some(level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sums_and_means_of_integers_are_exact(values in proptest::collection::vec(-1_000_000i32..1_000_000, 1..50)) {
            let floats: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let total: f64 = floats.iter().sum();
            prop_assert_eq!(sum_over_time(&series(&floats)), Some(total));
            let mean = avg_over_time(&series(&floats)).unwrap();
            prop_assert!((mean - total / floats.len() as f64).abs() <= 1e-9);
        }
    }

    fn series(values: &[f64]) -> Vec<Sample> {
        values.iter().enumerate().map(|(i, &v)| Sample::new(i as i64 * 1000, v)).collect()
    }

    #[test]
    fn empty_windows_give_no_output() {
        assert_eq!(sum_over_time(&[]), None);
        assert_eq!(avg_over_time(&[]), None);
        assert_eq!(extreme_over_time(&[], true), None);
        assert_eq!(stdvar_over_time(&[]), None);
        assert_eq!(quantile_over_time(&[], 0.5), None);
        assert_eq!(mad_over_time(&[]), None);
    }

    #[test]
    fn sum_is_compensated_and_keeps_infinities() {
        assert_eq!(sum_over_time(&series(&[1.0, 1e100, 1.0, -1e100])), Some(2.0));
        assert_eq!(sum_over_time(&series(&[f64::MAX, f64::MAX, -f64::MAX])), Some(f64::INFINITY));
        assert!(sum_over_time(&series(&[f64::INFINITY, f64::NEG_INFINITY])).unwrap().is_nan());
    }

    #[test]
    fn avg_switches_to_incremental_mean_instead_of_overflowing() {
        let big = f64::MAX / 2.0 * 1.5;
        assert_eq!(avg_over_time(&series(&[big, big, big])), Some(big));
        assert_eq!(avg_over_time(&series(&[1.0, 2.0, 3.0, 4.0])), Some(2.5));
        assert_eq!(avg_over_time(&series(&[5.0])), Some(5.0));
        assert_eq!(avg_over_time(&series(&[1.0, f64::INFINITY])), Some(f64::INFINITY));
        assert!(avg_over_time(&series(&[1.0, f64::NAN])).unwrap().is_nan());
    }

    #[test]
    fn extremes_skip_leading_nans() {
        let values = series(&[f64::NAN, 3.0, 1.0, 3.0]);
        assert_eq!(extreme_over_time(&values, true), Some(3.0));
        assert_eq!(extreme_over_time(&values, false), Some(1.0));
        assert!(extreme_over_time(&series(&[f64::NAN, f64::NAN]), true).unwrap().is_nan());
        // A NaN after a number is not picked: NaN > x is false.
        assert_eq!(extreme_over_time(&series(&[2.0, f64::NAN]), true), Some(2.0));
    }

    #[test]
    fn timestamp_of_extreme_takes_the_last_tie() {
        let values = series(&[f64::NAN, 3.0, 1.0, 3.0, 1.0]);
        assert_eq!(timestamp_of_extreme(&values, true), Some(3.0));
        assert_eq!(timestamp_of_extreme(&values, false), Some(4.0));
    }

    #[test]
    fn variance_is_the_population_variance() {
        let values = series(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(stdvar_over_time(&values), Some(4.0));
        assert_eq!(stddev_over_time(&values), Some(2.0));
        assert_eq!(stdvar_over_time(&series(&[42.0])), Some(0.0));
        assert!(stdvar_over_time(&series(&[1.0, f64::INFINITY])).unwrap().is_nan());
    }

    #[test]
    fn quantile_over_time_interpolates_between_samples() {
        // functions.test "uneven samples" 0 1 4: φ 0.5 → 1, 0.75 → 2.5, 0.8 → 2.8.
        let values = series(&[0.0, 1.0, 4.0]);
        assert_eq!(quantile_over_time(&values, 0.5), Some(1.0));
        assert_eq!(quantile_over_time(&values, 0.75), Some(2.5));
        assert!((quantile_over_time(&values, 0.8).unwrap() - 2.8).abs() < 1e-12);
        assert_eq!(quantile_over_time(&values, -1.0), Some(f64::NEG_INFINITY));
        assert_eq!(quantile_over_time(&values, 2.0), Some(f64::INFINITY));
        assert!(quantile_over_time(&values, f64::NAN).unwrap().is_nan());
    }

    #[test]
    fn mad_is_the_median_absolute_deviation() {
        // Median 2; deviations 1 1 0 0 2 4 7 → median 1.
        assert_eq!(mad_over_time(&series(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0])), Some(1.0));
        assert_eq!(mad_over_time(&series(&[5.0])), Some(0.0));
    }

    #[test]
    fn smoothing_follows_holt_by_hand() {
        // sf 0.5, tf 0.5 over 1 3 7: level 1, slope 2; step 1: 0.5·3 + 0.5·(1+2) = 3;
        // step 2: slope 0.5·(3−1) + 0.5·2 = 2, level 0.5·7 + 0.5·(3+2) = 6.
        let result = double_exponential_smoothing(&series(&[1.0, 3.0, 7.0]), 0.5, 0.5).unwrap();
        assert_eq!(result, Some(6.0));
        assert_eq!(double_exponential_smoothing(&series(&[1.0]), 0.5, 0.5).unwrap(), None);
    }

    #[test]
    fn smoothing_rejects_factors_outside_the_open_unit_interval() {
        let samples = series(&[1.0, 2.0]);
        let error = double_exponential_smoothing(&samples, 2.0, 0.5).unwrap_err();
        assert_eq!(error.to_string(), "invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000");
        let error = double_exponential_smoothing(&samples, 0.5, 0.0).unwrap_err();
        assert_eq!(error.to_string(), "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
        assert!(double_exponential_smoothing(&samples, f64::NAN, 0.5).unwrap().unwrap().is_nan());
    }
}
