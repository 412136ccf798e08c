//! PromQL aggregation operators for one evaluation step, following
//! Prometheus 3.x `promql/engine.go` (`rangeEvalAgg`, `aggregation`,
//! `aggregationK`, `aggregationCountValues`, `generateGroupingLabels`).
//! Native histograms are not handled: samples here are floats.

mod accumulate;
mod count_values;
mod select;

use std::collections::HashMap;

use crate::promql::labelset;
use crate::promql::value::{InstantSample, Vector};
use crate::series::{Labels, METRIC_NAME};

/// The aggregation operators of PromQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Stddev,
    Stdvar,
    Group,
    Topk,
    Bottomk,
    Quantile,
    CountValues,
    Limitk,
    LimitRatio,
}

/// The `by`/`without` clause; `By(vec![])` is an aggregation without clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grouping {
    By(Vec<String>),
    Without(Vec<String>),
}

/// The operator's parameter: k, φ or the ratio as a number, or the label of `count_values`.
#[derive(Clone, Debug, PartialEq)]
pub enum AggregateParam {
    None,
    Number(f64),
    Label(String),
}

impl AggregateOp {
    /// The operator's name as PromQL spells it.
    pub fn name(self) -> &'static str {
        match self {
            AggregateOp::Sum => "sum",
            AggregateOp::Avg => "avg",
            AggregateOp::Min => "min",
            AggregateOp::Max => "max",
            AggregateOp::Count => "count",
            AggregateOp::Stddev => "stddev",
            AggregateOp::Stdvar => "stdvar",
            AggregateOp::Group => "group",
            AggregateOp::Topk => "topk",
            AggregateOp::Bottomk => "bottomk",
            AggregateOp::Quantile => "quantile",
            AggregateOp::CountValues => "count_values",
            AggregateOp::Limitk => "limitk",
            AggregateOp::LimitRatio => "limit_ratio",
        }
    }

    fn takes_number(self) -> bool {
        use AggregateOp::*;
        matches!(self, Topk | Bottomk | Quantile | Limitk | LimitRatio)
    }
}

/// Aggregates one step's vector. Output samples carry `t_ms`. Groups come
/// out in the order of their first sample in `input`. The metric name is
/// dropped except by topk, bottomk, limitk and limit_ratio, which return
/// input samples unchanged.
pub fn aggregate(
    op: AggregateOp,
    param: &AggregateParam,
    grouping: &Grouping,
    input: Vector,
    t_ms: i64,
) -> Result<Vector, String> {
    match (op, param) {
        (AggregateOp::CountValues, AggregateParam::Label(label)) => {
            count_values::count_values(label, grouping, input, t_ms)
        }
        (AggregateOp::CountValues, _) => Err("count_values expects a label name parameter".to_string()),
        (op, AggregateParam::Number(number)) if op.takes_number() => with_number(op, *number, grouping, input, t_ms),
        (op, _) if op.takes_number() => Err(format!("{} expects a number parameter", op.name())),
        (op, AggregateParam::None) => Ok(accumulate::accumulate(op, 0.0, grouping, input, t_ms)),
        (op, _) => Err(format!("{} takes no parameter", op.name())),
    }
}

fn with_number(op: AggregateOp, number: f64, grouping: &Grouping, input: Vector, t_ms: i64) -> Result<Vector, String> {
    match op {
        AggregateOp::Topk | AggregateOp::Bottomk | AggregateOp::Limitk => {
            select::select_k(op, number, grouping, input, t_ms)
        }
        AggregateOp::LimitRatio => select::limit_ratio(number, grouping, input, t_ms),
        _ => Ok(accumulate::accumulate(op, number, grouping, input, t_ms)),
    }
}

/// The output labels of the group a series falls into: the `by` labels, or
/// every label but the `without` labels and the metric name.
pub(crate) fn group_labels(labels: &Labels, grouping: &Grouping) -> Labels {
    match grouping {
        Grouping::By(names) => labelset::keep(labels, names),
        Grouping::Without(names) => {
            let mut dropped = names.clone();
            dropped.push(METRIC_NAME.to_string());
            labelset::remove(labels, &dropped)
        }
    }
}

/// Splits `input` into groups in order of first appearance, each holding
/// its output labels and its samples in input order.
pub(crate) fn split_groups(input: Vector, grouping: &Grouping) -> Vec<(Labels, Vec<InstantSample>)> {
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut groups: Vec<(Labels, Vec<InstantSample>)> = Vec::new();
    for sample in input {
        let key = group_labels(&sample.labels, grouping);
        let slot = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(sample);
    }
    groups
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(pairs: &[(&str, &str)], v: f64) -> InstantSample {
        InstantSample { labels: Labels::from_pairs(pairs.iter().copied()), t: 0, v }
    }

    pub(crate) fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn group_labels_for_by_and_without() {
        let labels = Labels::from_pairs([("__name__", "m"), ("job", "a"), ("instance", "1")]);
        let by = group_labels(&labels, &Grouping::By(strings(&["job", "__name__"])));
        assert_eq!(by, Labels::from_pairs([("__name__", "m"), ("job", "a")]));
        let without = group_labels(&labels, &Grouping::Without(strings(&["instance"])));
        assert_eq!(without, Labels::from_pairs([("job", "a")]));
        assert!(group_labels(&labels, &Grouping::By(vec![])).is_empty());
    }

    #[test]
    fn groups_keep_first_appearance_order() {
        let input = vec![sample(&[("g", "b")], 1.0), sample(&[("g", "a")], 2.0), sample(&[("g", "b")], 3.0)];
        let groups = split_groups(input, &Grouping::By(strings(&["g"])));
        let summary: Vec<(String, usize)> =
            groups.iter().map(|(l, s)| (l.get("g").unwrap().to_string(), s.len())).collect();
        assert_eq!(summary, vec![("b".to_string(), 2), ("a".to_string(), 1)]);
    }

    #[test]
    fn wrong_parameters_are_errors() {
        let by = Grouping::By(vec![]);
        let err = aggregate(AggregateOp::Topk, &AggregateParam::None, &by, vec![], 0).unwrap_err();
        assert_eq!(err, "topk expects a number parameter");
        let err = aggregate(AggregateOp::Sum, &AggregateParam::Number(1.0), &by, vec![], 0).unwrap_err();
        assert_eq!(err, "sum takes no parameter");
        let err = aggregate(AggregateOp::CountValues, &AggregateParam::None, &by, vec![], 0).unwrap_err();
        assert_eq!(err, "count_values expects a label name parameter");
    }
}
