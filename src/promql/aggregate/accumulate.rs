//! The value aggregations (sum, avg, min, max, count, stddev, stdvar,
//! group, quantile) as Prometheus' `aggregation` computes them: Kahan–Neumaier
//! sums, avg switching to an incremental mean only when the sum would
//! overflow, Welford's population variance, and `quantile` of `quantile.go`.

use super::{AggregateOp, Grouping, split_groups};
use crate::promql::functions::{kahan, quantile};
use crate::promql::value::{InstantSample, Vector};

/// Aggregates each group of `input` into one sample; `phi` is quantile's φ.
pub(super) fn accumulate(op: AggregateOp, phi: f64, grouping: &Grouping, input: Vector, t_ms: i64) -> Vector {
    split_groups(input, grouping)
        .into_iter()
        .map(|(labels, samples)| {
            let mut values = samples.iter().map(|s| s.v);
            let first = values.next().unwrap_or(f64::NAN);
            let mut group = Group::new(op, first);
            values.for_each(|v| group.add(v));
            InstantSample { labels, t: t_ms, v: group.finish(phi) }
        })
        .collect()
}

/// The running state of one group, as upstream's `groupedAggregation`.
struct Group {
    op: AggregateOp,
    value: f64,
    mean: f64,
    compensation: f64,
    count: f64,
    incremental_mean: bool,
    values: Vec<f64>,
}

impl Group {
    fn new(op: AggregateOp, first: f64) -> Self {
        let value = match op {
            // Welford's running sum of squares starts at 0; an infinite first
            // value makes the variance undefined, as upstream marks with NaN.
            AggregateOp::Stddev | AggregateOp::Stdvar if !first.is_finite() => f64::NAN,
            AggregateOp::Stddev | AggregateOp::Stdvar => 0.0,
            AggregateOp::Group => 1.0,
            _ => first,
        };
        let values = if op == AggregateOp::Quantile { vec![first] } else { Vec::new() };
        Group { op, value, mean: first, compensation: 0.0, count: 1.0, incremental_mean: false, values }
    }

    fn add(&mut self, v: f64) {
        match self.op {
            AggregateOp::Sum => (self.value, self.compensation) = kahan::add(v, self.value, self.compensation),
            AggregateOp::Avg => self.add_to_mean(v),
            AggregateOp::Max if self.value < v || self.value.is_nan() => self.value = v,
            AggregateOp::Min if self.value > v || self.value.is_nan() => self.value = v,
            AggregateOp::Count => self.count += 1.0,
            AggregateOp::Stddev | AggregateOp::Stdvar => {
                self.count += 1.0;
                let delta = v - self.mean;
                self.mean += delta / self.count;
                self.value += delta * (v - self.mean);
            }
            AggregateOp::Quantile => self.values.push(v),
            _ => {}
        }
    }

    /// Sums directly while the sum stays finite (more accurate), and falls
    /// back to an incremental mean once it would overflow.
    fn add_to_mean(&mut self, v: f64) {
        self.count += 1.0;
        if !self.incremental_mean {
            let (sum, compensation) = kahan::add(v, self.value, self.compensation);
            if !sum.is_infinite() {
                (self.value, self.compensation) = (sum, compensation);
                return;
            }
            self.incremental_mean = true;
            self.mean = self.value / (self.count - 1.0);
            self.compensation /= self.count - 1.0;
        }
        let scale = (self.count - 1.0) / self.count;
        (self.mean, self.compensation) = kahan::add(v / self.count, scale * self.mean, scale * self.compensation);
    }

    fn finish(mut self, phi: f64) -> f64 {
        match self.op {
            AggregateOp::Sum => self.value + self.compensation,
            AggregateOp::Avg if self.incremental_mean => self.mean + self.compensation,
            AggregateOp::Avg => self.value / self.count + self.compensation / self.count,
            AggregateOp::Count => self.count,
            AggregateOp::Stdvar => self.value / self.count,
            AggregateOp::Stddev => (self.value / self.count).sqrt(),
            AggregateOp::Quantile => quantile(phi, &mut self.values),
            _ => self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{sample, strings};
    use super::*;

    fn run(op: AggregateOp, values: &[f64]) -> f64 {
        let input = values.iter().enumerate().map(|(i, v)| sample(&[("i", &i.to_string())], *v)).collect();
        let out = accumulate(op, 0.0, &Grouping::By(vec![]), input, 7);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].t, 7);
        out[0].v
    }

    #[test]
    fn sum_count_group_avg() {
        assert_eq!(run(AggregateOp::Sum, &[1.0, 2.0, 3.5]), 6.5);
        assert_eq!(run(AggregateOp::Count, &[1.0, f64::NAN, 3.0]), 3.0);
        assert_eq!(run(AggregateOp::Group, &[5.0, 7.0]), 1.0);
        assert_eq!(run(AggregateOp::Avg, &[1.0, 2.0, 4.0, 5.0]), 3.0);
    }

    #[test]
    fn sum_and_avg_are_compensated() {
        assert_eq!(run(AggregateOp::Sum, &[1.0, 1e100, 1.0, -1e100]), 2.0);
        assert_eq!(run(AggregateOp::Avg, &[1.0, 1e100, 1.0, -1e100]), 0.5);
    }

    #[test]
    fn avg_survives_overflowing_sums() {
        let big = f64::MAX;
        assert_eq!(run(AggregateOp::Avg, &[big, big]), big);
        let mean = run(AggregateOp::Avg, &[big, big, big / 2.0]);
        assert!((mean / (big / 6.0 * 5.0) - 1.0).abs() < 1e-12, "{mean}");
        assert_eq!(run(AggregateOp::Sum, &[big, big]), f64::INFINITY);
        assert!(run(AggregateOp::Avg, &[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }

    #[test]
    fn min_max_ignore_nan_unless_all_nan() {
        assert_eq!(run(AggregateOp::Max, &[f64::NAN, 3.0, 1.0]), 3.0);
        assert_eq!(run(AggregateOp::Min, &[2.0, f64::NAN, 1.0]), 1.0);
        assert!(run(AggregateOp::Max, &[f64::NAN, f64::NAN]).is_nan());
        assert_eq!(run(AggregateOp::Min, &[f64::INFINITY, -1.0]), -1.0);
    }

    #[test]
    fn population_variance() {
        // Values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population variance 4.
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(run(AggregateOp::Stdvar, &values), 4.0);
        assert_eq!(run(AggregateOp::Stddev, &values), 2.0);
        assert_eq!(run(AggregateOp::Stddev, &[3.0]), 0.0);
        assert!(run(AggregateOp::Stdvar, &[f64::INFINITY, 1.0]).is_nan());
        assert!(run(AggregateOp::Stdvar, &[1.0, f64::INFINITY]).is_nan());
    }

    #[test]
    fn quantile_rules() {
        let mut values = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(0.5, &mut values), 2.5);
        assert_eq!(quantile(0.0, &mut values), 1.0);
        assert_eq!(quantile(1.0, &mut values), 4.0);
        assert_eq!(quantile(0.9, &mut values), 3.7);
        assert_eq!(quantile(-0.1, &mut values), f64::NEG_INFINITY);
        assert_eq!(quantile(1.1, &mut values), f64::INFINITY);
        assert!(quantile(f64::NAN, &mut values).is_nan());
        assert!(quantile(0.5, &mut []).is_nan());
        let mut with_nan = vec![2.0, f64::NAN, 1.0];
        assert_eq!(quantile(1.0, &mut with_nan), 2.0);
        assert!(quantile(0.0, &mut with_nan).is_nan());
    }

    #[test]
    fn groups_by_labels_and_drop_the_name() {
        let input = vec![
            sample(&[("__name__", "m"), ("job", "a"), ("i", "1")], 1.0),
            sample(&[("__name__", "m"), ("job", "b"), ("i", "1")], 10.0),
            sample(&[("__name__", "m"), ("job", "a"), ("i", "2")], 2.0),
        ];
        let out = accumulate(AggregateOp::Sum, 0.0, &Grouping::Without(strings(&["i"])), input, 0);
        let summary: Vec<(String, f64)> = out.iter().map(|s| (s.labels.to_string(), s.v)).collect();
        assert_eq!(summary, vec![(r#"{job="a"}"#.to_string(), 3.0), (r#"{job="b"}"#.to_string(), 10.0)]);
    }
}

#[cfg(test)]
mod oracle {
    use super::*;
    use proptest::prelude::*;

    fn naive(values: &[f64]) -> (f64, f64) {
        let count = values.len() as f64;
        let mean = values.iter().sum::<f64>() / count;
        (mean, values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / count)
    }

    proptest! {
        /// avg and stdvar agree with the two-pass textbook formulas.
        #[test]
        fn avg_and_stdvar_match_two_pass(values in prop::collection::vec(-1e6f64..1e6, 1..30)) {
            let input: Vector = values.iter().enumerate()
                .map(|(i, v)| InstantSample { labels: crate::series::Labels::from_pairs([("i", i.to_string())]), t: 0, v: *v })
                .collect();
            let all = Grouping::By(vec![]);
            let (mean, variance) = naive(&values);
            let avg = accumulate(AggregateOp::Avg, 0.0, &all, input.clone(), 0)[0].v;
            let stdvar = accumulate(AggregateOp::Stdvar, 0.0, &all, input, 0)[0].v;
            prop_assert!((avg - mean).abs() <= 1e-9 * mean.abs().max(1.0), "{} vs {}", avg, mean);
            prop_assert!((stdvar - variance).abs() <= 1e-6 * variance.max(1.0), "{} vs {}", stdvar, variance);
        }
    }
}
