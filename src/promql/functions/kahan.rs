//! Compensated (Kahan–Neumaier) summation, as Prometheus' `util/kahansum`,
//! so sums over long ranges keep the precision upstream results have.

/// Adds `increment` to `sum` and returns the new sum and compensation.
///
/// Once the sum overflows to ±Inf the compensation is reset, because
/// `Inf - Inf` would otherwise turn it into NaN and poison the final
/// `sum + compensation`.
pub(crate) fn add(increment: f64, sum: f64, compensation: f64) -> (f64, f64) {
    let total = sum + increment;
    let compensation = if total.is_infinite() {
        0.0
    } else if sum.abs() >= increment.abs() {
        compensation + ((sum - total) + increment)
    } else {
        compensation + ((increment - total) + sum)
    };
    (total, compensation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kahan_sum(values: &[f64]) -> f64 {
        let (sum, compensation) = values.iter().fold((0.0, 0.0), |(s, c), &v| add(v, s, c));
        sum + compensation
    }

    #[test]
    fn recovers_small_terms_lost_by_naive_summation() {
        let values = [1.0, 1e100, 1.0, -1e100];
        assert_eq!(values.iter().sum::<f64>(), 0.0);
        assert_eq!(kahan_sum(&values), 2.0);
    }

    #[test]
    fn overflow_resets_the_compensation() {
        let (sum, compensation) = add(f64::MAX, f64::MAX, 1.0);
        assert_eq!(sum, f64::INFINITY);
        assert_eq!(compensation, 0.0);
    }
}
