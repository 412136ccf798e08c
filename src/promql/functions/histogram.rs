//! Quantile estimation as Prometheus' `promql/quantile.go`: `quantile` over
//! plain values (quantile_over_time, the quantile aggregation) and
//! `bucket_quantile` over classic `le` buckets (histogram_quantile).

use std::cmp::Ordering;

/// Relative difference between neighbouring bucket counts that is taken for
/// floating-point noise and silently levelled (upstream `smallDeltaTolerance`).
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// The φ-quantile of `values` by linear interpolation between the closest
/// ranks. Sorts `values` (NaN first, as upstream). Empty input or NaN φ gives
/// NaN, φ < 0 gives -Inf and φ > 1 gives +Inf.
pub fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(nan_first);
    let last_index = (values.len() - 1) as f64;
    let rank = q * last_index;
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(last_index);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// Ascending order in which NaN sorts before every number.
fn nan_first(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// The φ-quantile of a classic histogram given as `(le, cumulative count)`
/// pairs in any order. Sorts `buckets`, merges equal bounds and levels
/// decreasing counts; the flag says whether a real (not rounding-noise)
/// decrease had to be levelled, for Prometheus' forced-monotonicity info.
///
/// NaN φ gives NaN, φ < 0 -Inf, φ > 1 +Inf; a missing `+Inf` bucket, fewer
/// than two buckets or zero observations give NaN. The lowest bucket
/// interpolates from 0 when its bound is positive and otherwise returns its
/// bound; a rank in the `+Inf` bucket returns the highest finite bound.
pub fn bucket_quantile(q: f64, buckets: &mut Vec<(f64, f64)>) -> (f64, bool) {
    if q.is_nan() {
        return (f64::NAN, false);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, false);
    }
    if q > 1.0 {
        return (f64::INFINITY, false);
    }
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
    match buckets.last() {
        Some(&(bound, _)) if bound == f64::INFINITY => {}
        _ => return (f64::NAN, false),
    }
    coalesce(buckets);
    let forced = ensure_monotonic(buckets);
    if buckets.len() < 2 {
        return (f64::NAN, false);
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations == 0.0 {
        return (f64::NAN, false);
    }
    (interpolate(buckets, q * observations), forced)
}

/// Linear interpolation of `rank` within the first bucket reaching it.
fn interpolate(buckets: &[(f64, f64)], rank: f64) -> f64 {
    let finite = &buckets[..buckets.len() - 1];
    // Skip buckets not known to reach the rank, so that a NaN rank finds
    // no bucket, as upstream's search.
    let reaches = |count: f64| matches!(count.partial_cmp(&rank), Some(Ordering::Greater | Ordering::Equal));
    let index = finite.partition_point(|&(_, count)| !reaches(count));
    if index == finite.len() {
        return finite[finite.len() - 1].0;
    }
    let (end, count) = buckets[index];
    if index == 0 {
        return match end <= 0.0 {
            true => end,
            false => end * (rank / count),
        };
    }
    let (start, below) = buckets[index - 1];
    start + (end - start) * ((rank - below) / (count - below))
}

/// Merges buckets with the same upper bound (sorted input) by adding counts.
fn coalesce(buckets: &mut Vec<(f64, f64)>) {
    buckets.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
}

/// Levels counts that differ from the last accepted count by rounding noise
/// only, then raises any count below it to it; returns whether a real
/// decrease was raised.
fn ensure_monotonic(buckets: &mut [(f64, f64)]) -> bool {
    let mut forced = false;
    let mut accepted = buckets[0].1;
    for bucket in buckets.iter_mut().skip(1) {
        let count = bucket.1;
        if count == accepted {
            continue;
        }
        if almost_equal(accepted, count, SMALL_DELTA_TOLERANCE) {
            bucket.1 = accepted;
        } else if count < accepted {
            bucket.1 = accepted;
            forced = true;
        } else {
            accepted = count;
        }
    }
    forced
}

/// Relative float comparison as Prometheus' `util/almost.Equal`.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if (a.is_nan() && b.is_nan()) || a == b {
        return true;
    }
    let absolute_sum = a.abs() + b.abs();
    let difference = (a - b).abs();
    if a == 0.0 || b == 0.0 || absolute_sum < f64::MIN_POSITIVE {
        return difference < epsilon * f64::MIN_POSITIVE;
    }
    difference / absolute_sum.min(f64::MAX) < epsilon
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    #[test]
    fn quantile_interpolates_between_ranks() {
        assert_eq!(quantile(0.5, &mut [3.0, 1.0, 2.0, 4.0]), 2.5);
        assert_eq!(quantile(0.0, &mut [3.0, 1.0, 2.0]), 1.0);
        assert_eq!(quantile(1.0, &mut [3.0, 1.0, 2.0]), 3.0);
        assert_eq!(quantile(0.9, &mut [7.0]), 7.0);
    }

    #[test]
    fn quantile_special_cases() {
        assert!(quantile(0.5, &mut []).is_nan());
        assert!(quantile(f64::NAN, &mut [1.0]).is_nan());
        assert_eq!(quantile(-0.1, &mut [1.0]), f64::NEG_INFINITY);
        assert_eq!(quantile(1.1, &mut [1.0]), INF);
    }

    #[test]
    fn quantile_sorts_nan_lowest() {
        let mut values = [2.0, f64::NAN, 1.0];
        assert_eq!(quantile(1.0, &mut values), 2.0);
        assert!(values[0].is_nan());
        assert_eq!(quantile(0.75, &mut [2.0, f64::NAN, 1.0]), 1.5);
    }

    #[test]
    fn bucket_quantile_interpolates_within_the_bucket() {
        // 10 observations ≤ 0.1, 20 ≤ 0.2, 30 in total; the median (rank 15)
        // sits halfway through the (0.1, 0.2] bucket.
        let mut buckets = vec![(INF, 30.0), (0.1, 10.0), (0.2, 20.0)];
        assert_eq!(bucket_quantile(0.5, &mut buckets), (0.15000000000000002, false));
        let mut buckets = vec![(0.1, 10.0), (0.2, 20.0), (INF, 30.0)];
        assert_eq!(bucket_quantile(0.9, &mut buckets), (0.2, false));
    }

    #[test]
    fn lowest_bucket_starts_at_zero_only_for_a_positive_bound() {
        let mut positive = vec![(2.0, 10.0), (INF, 10.0)];
        assert_eq!(bucket_quantile(0.25, &mut positive).0, 0.5);
        let mut negative = vec![(-1.0, 10.0), (INF, 10.0)];
        assert_eq!(bucket_quantile(0.25, &mut negative).0, -1.0);
    }

    #[test]
    fn bucket_quantile_special_cases() {
        let good = || vec![(1.0, 1.0), (INF, 2.0)];
        assert!(bucket_quantile(f64::NAN, &mut good()).0.is_nan());
        assert_eq!(bucket_quantile(-1.0, &mut good()).0, f64::NEG_INFINITY);
        assert_eq!(bucket_quantile(1.5, &mut good()).0, INF);
        assert!(bucket_quantile(0.5, &mut vec![(1.0, 1.0), (2.0, 2.0)]).0.is_nan());
        assert!(bucket_quantile(0.5, &mut vec![(INF, 2.0)]).0.is_nan());
        assert!(bucket_quantile(0.5, &mut vec![(1.0, 0.0), (INF, 0.0)]).0.is_nan());
        assert!(bucket_quantile(0.5, &mut vec![]).0.is_nan());
    }

    #[test]
    fn duplicate_bounds_are_added_together() {
        let mut buckets = vec![(1.0, 1.0), (1.0, 1.0), (INF, 4.0)];
        assert_eq!(bucket_quantile(0.25, &mut buckets), (0.5, false));
        assert_eq!(buckets, vec![(1.0, 2.0), (INF, 4.0)]);
    }

    #[test]
    fn decreasing_counts_are_levelled_and_reported() {
        let mut buckets = vec![(1.0, 10.0), (2.0, 5.0), (3.0, 15.0), (INF, 20.0)];
        let (value, forced) = bucket_quantile(0.5, &mut buckets);
        assert!(forced);
        assert_eq!(buckets[1].1, 10.0);
        assert_eq!(value, 1.0);
    }

    #[test]
    fn rounding_noise_is_levelled_silently() {
        let mut buckets = vec![(1.0, 10.0), (2.0, 10.0 - 1e-14), (INF, 20.0)];
        let (_, forced) = bucket_quantile(0.5, &mut buckets);
        assert!(!forced);
        assert_eq!(buckets[1].1, 10.0);
    }

    #[test]
    fn nan_counts_fall_back_to_the_highest_finite_bound() {
        let mut buckets = vec![(1.0, 1.0), (5.0, 2.0), (f64::INFINITY, f64::NAN)];
        assert_eq!(bucket_quantile(0.5, &mut buckets).0, 5.0);
    }

    #[test]
    fn rank_in_the_infinite_bucket_returns_the_highest_finite_bound() {
        let mut buckets = vec![(1.0, 1.0), (5.0, 2.0), (INF, 10.0)];
        assert_eq!(bucket_quantile(0.99, &mut buckets).0, 5.0);
    }
}
