//! Arithmetic and comparisons between two vectors, as Prometheus'
//! `VectorBinop` and `resultMetric`: samples pair up by the signature of
//! their `on`/`ignoring` labels, one-to-one or with `group_left`/`group_right`.

use std::collections::{HashMap, HashSet};

use super::{BinaryOp, Cardinality, Matching, element_binop};
use crate::promql::gofmt;
use crate::promql::labelset;
use crate::promql::value::{InstantSample, Vector};
use crate::series::Labels;

const MANY_TO_ONE_NOT_EXPLICIT: &str =
    "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)";
const GROUPING_NOT_UNIQUE: &str = "multiple matches for labels: grouping labels must ensure unique matches";

/// The matching clause as upstream's `VectorMatching` fields.
struct Clause<'a> {
    on: bool,
    names: &'a [String],
    include: &'a [String],
    one_to_one: bool,
}

/// Applies an arithmetic or comparison operator between two vectors.
/// Results follow the "many" side's order; duplicate series on the "one"
/// side, and several matches where one is allowed, are errors even when a
/// comparison would filter the pair away.
pub(super) fn vector_binop(
    op: BinaryOp,
    lhs: Vector,
    rhs: Vector,
    matching: &Matching,
    card: &Cardinality,
    return_bool: bool,
) -> Result<Vector, String> {
    let (on, names) = match matching {
        Matching::On(names) => (true, names.as_slice()),
        Matching::Ignoring(names) => (false, names.as_slice()),
    };
    let (include, swapped): (&[String], bool) = match card {
        Cardinality::OneToOne => (&[], false),
        Cardinality::ManyToOne(include) => (include, false),
        Cardinality::OneToMany(include) => (include, true),
        Cardinality::ManyToMany => {
            return Err("many-to-many only allowed for set operators".to_string());
        }
    };
    if lhs.is_empty() || rhs.is_empty() {
        return Ok(Vector::new());
    }
    let clause = Clause { on, names, include, one_to_one: *card == Cardinality::OneToOne };
    let (many, one) = if swapped { (rhs, lhs) } else { (lhs, rhs) };
    let one_side = index_one_side(&one, &clause, if swapped { "left" } else { "right" })?;
    let mut matched: HashMap<Labels, HashSet<Labels>> = HashMap::new();
    let mut out = Vector::new();
    for many_sample in &many {
        let signature = labelset::match_labels(&many_sample.labels, on, names);
        let Some(&one_index) = one_side.get(&signature) else {
            continue;
        };
        let one_sample = &one[one_index];
        let (l, r) = if swapped { (one_sample.v, many_sample.v) } else { (many_sample.v, one_sample.v) };
        let (mut value, keep) = element_binop(op, l, r);
        let mut labels = result_labels(&many_sample.labels, &one_sample.labels, op, &clause);
        if return_bool {
            value = f64::from(u8::from(keep));
            labels = labelset::drop_metadata(labels);
        }
        record_match(&mut matched, signature, &labels, clause.one_to_one)?;
        if keep || return_bool {
            out.push(InstantSample { labels, t: many_sample.t, v: value });
        }
    }
    Ok(out)
}

/// The "one" side by signature; two series with one signature make the
/// matching many-to-many, which only set operators allow.
fn index_one_side(one: &Vector, clause: &Clause, side: &str) -> Result<HashMap<Labels, usize>, String> {
    let mut index: HashMap<Labels, usize> = HashMap::with_capacity(one.len());
    for (position, sample) in one.iter().enumerate() {
        let signature = labelset::match_labels(&sample.labels, clause.on, clause.names);
        if let Some(&earlier) = index.get(&signature) {
            return Err(duplicate_series(&signature, side, &sample.labels, &one[earlier].labels));
        }
        index.insert(signature, position);
    }
    Ok(index)
}

/// Upstream's message, with the two series in sorted order so it is stable.
fn duplicate_series(signature: &Labels, side: &str, a: &Labels, b: &Labels) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!(
        "found duplicate series for the match group {} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
        gofmt::labels_string(signature),
        gofmt::labels_string(first),
        gofmt::labels_string(second),
    )
}

/// One-to-one allows one match per signature; many-to-one allows many, as
/// long as their result label sets differ.
fn record_match(
    matched: &mut HashMap<Labels, HashSet<Labels>>,
    signature: Labels,
    result: &Labels,
    one_to_one: bool,
) -> Result<(), String> {
    let seen = matched.entry(signature).or_default();
    if one_to_one {
        if !seen.is_empty() {
            return Err(MANY_TO_ONE_NOT_EXPLICIT.to_string());
        }
        seen.insert(Labels::default());
        return Ok(());
    }
    match seen.insert(result.clone()) {
        true => Ok(()),
        false => Err(GROUPING_NOT_UNIQUE.to_string()),
    }
}

/// The result's labels (upstream `resultMetric`): the "many" side's, without
/// the name for arithmetic; one-to-one keeps only the `on` labels or drops
/// the ignored ones; `group_x` labels come from the "one" side.
fn result_labels(many: &Labels, one: &Labels, op: BinaryOp, clause: &Clause) -> Labels {
    let mut labels = match op.changes_metric_schema() {
        true => labelset::drop_metadata(many.clone()),
        false => many.clone(),
    };
    if clause.one_to_one {
        labels = match clause.on {
            true => labelset::keep(&labels, clause.names),
            false => labelset::remove(&labels, clause.names),
        };
    }
    for name in clause.include {
        labels = labelset::with_label(&labels, name, one.get(name).unwrap_or(""));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected, rows, sample, strings};
    use super::super::{Operand, binary};
    use super::*;

    fn node_cpu() -> Vector {
        [("abc", "idle", 3.0), ("abc", "user", 1.0), ("def", "idle", 8.0), ("def", "user", 2.0)]
            .iter()
            .map(|(instance, mode, v)| {
                sample(&[("__name__", "node_cpu"), ("instance", instance), ("job", "node"), ("mode", mode)], *v)
            })
            .collect()
    }

    fn node_role() -> Vector {
        vec![sample(&[("__name__", "node_role"), ("instance", "abc"), ("job", "node"), ("role", "prometheus")], 1.0)]
    }

    fn node_var() -> Vector {
        vec![sample(&[("__name__", "node_var"), ("instance", "abc"), ("job", "node")], 2.0)]
    }

    fn run(
        op: BinaryOp,
        lhs: Vector,
        rhs: Vector,
        matching: Option<Matching>,
        card: Cardinality,
        return_bool: bool,
    ) -> Result<Operand, String> {
        binary(op, Operand::Vector(lhs), Operand::Vector(rhs), matching.as_ref(), &card, return_bool, 60_000)
    }

    fn on(names: &[&str]) -> Option<Matching> {
        Some(Matching::On(strings(names)))
    }

    fn ignoring(names: &[&str]) -> Option<Matching> {
        Some(Matching::Ignoring(strings(names)))
    }

    #[test]
    fn one_to_one_matches_all_labels_but_the_name() {
        let doubled: Vector = node_cpu().into_iter().map(|s| InstantSample { v: s.v * 2.0, ..s }).collect();
        let out = rows(run(BinaryOp::Div, doubled, node_cpu(), None, Cardinality::OneToOne, false));
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|(labels, v)| *v == 2.0 && !labels.starts_with("node_cpu")));
    }

    #[test]
    fn one_to_one_on_keeps_only_the_on_labels() {
        let out = rows(run(BinaryOp::Add, node_var(), node_role(), on(&["instance"]), Cardinality::OneToOne, false));
        assert_eq!(out, expected(&[(r#"{instance="abc"}"#, 3.0)]));
        let out = rows(run(BinaryOp::Add, node_var(), node_role(), ignoring(&["role"]), Cardinality::OneToOne, false));
        assert_eq!(out, expected(&[(r#"{instance="abc", job="node"}"#, 3.0)]));
    }

    #[test]
    fn group_left_and_right_copy_labels_from_the_one_side() {
        let row = expected(&[(r#"{instance="abc", job="node", role="prometheus"}"#, 2.0)]);
        let left = run(
            BinaryOp::Mul,
            node_var(),
            node_role(),
            on(&["instance"]),
            Cardinality::ManyToOne(strings(&["role"])),
            false,
        );
        assert_eq!(rows(left), row);
        let right = run(
            BinaryOp::Mul,
            node_role(),
            node_var(),
            on(&["instance"]),
            Cardinality::OneToMany(strings(&["role"])),
            false,
        );
        assert_eq!(rows(right), row);
        let ignoring_role = Cardinality::OneToMany(strings(&["role"]));
        assert_eq!(rows(run(BinaryOp::Mul, node_role(), node_var(), ignoring(&["role"]), ignoring_role, false)), row);
    }

    #[test]
    fn group_left_many_side_keeps_its_labels() {
        let out = rows(run(
            BinaryOp::Mul,
            node_cpu(),
            node_role(),
            ignoring(&["role", "mode"]),
            Cardinality::ManyToOne(strings(&["role"])),
            false,
        ));
        assert_eq!(
            out,
            expected(&[
                (r#"{instance="abc", job="node", mode="idle", role="prometheus"}"#, 3.0),
                (r#"{instance="abc", job="node", mode="user", role="prometheus"}"#, 1.0),
            ])
        );
    }

    #[test]
    fn group_left_include_absent_on_one_side_is_removed() {
        let totals = vec![
            sample(&[("instance", "abc"), ("job", "node")], 4.0),
            sample(&[("instance", "def"), ("job", "node")], 10.0),
        ];
        let cpu_with_dummy: Vector = node_cpu()
            .into_iter()
            .map(|s| InstantSample { labels: labelset::with_label(&s.labels, "dummy", "x"), ..s })
            .collect();
        let out = rows(run(
            BinaryOp::Div,
            cpu_with_dummy,
            totals,
            ignoring(&["mode", "dummy"]),
            Cardinality::ManyToOne(strings(&["dummy"])),
            false,
        ));
        assert_eq!(
            out,
            expected(&[
                (r#"{instance="abc", job="node", mode="idle"}"#, 0.75),
                (r#"{instance="abc", job="node", mode="user"}"#, 0.25),
                (r#"{instance="def", job="node", mode="idle"}"#, 0.8),
                (r#"{instance="def", job="node", mode="user"}"#, 0.2),
            ])
        );
    }

    #[test]
    fn filtering_comparison_keeps_name_and_takes_the_left_value() {
        let threshold = vec![sample(
            &[("__name__", "threshold"), ("instance", "abc"), ("job", "node"), ("target", "a@b.com")],
            0.0,
        )];
        let out = rows(run(
            BinaryOp::Gt,
            node_cpu(),
            threshold,
            on(&["job", "instance"]),
            Cardinality::ManyToOne(strings(&["target"])),
            false,
        ));
        assert_eq!(
            out,
            expected(&[
                (r#"node_cpu{instance="abc", job="node", mode="idle", target="a@b.com"}"#, 3.0),
                (r#"node_cpu{instance="abc", job="node", mode="user", target="a@b.com"}"#, 1.0),
            ])
        );
        // group_right: the left ("one") side's value 2, the right side's labels; 2 >= 3 fails.
        let out =
            rows(run(BinaryOp::Ge, node_var(), node_cpu(), on(&["instance"]), Cardinality::OneToMany(vec![]), false));
        assert_eq!(out, expected(&[(r#"node_cpu{instance="abc", job="node", mode="user"}"#, 2.0)]));
    }

    #[test]
    fn bool_comparison_keeps_every_pair_and_drops_the_name() {
        let out =
            rows(run(BinaryOp::Gt, node_cpu(), node_var(), on(&["instance"]), Cardinality::ManyToOne(vec![]), true));
        assert_eq!(
            out,
            expected(&[
                (r#"{instance="abc", job="node", mode="idle"}"#, 1.0),
                (r#"{instance="abc", job="node", mode="user"}"#, 0.0)
            ])
        );
    }

    #[test]
    fn nan_comparisons_are_false_except_not_equal() {
        let nan = vec![sample(&[("a", "1")], f64::NAN)];
        assert!(rows(run(BinaryOp::Eq, nan.clone(), nan.clone(), None, Cardinality::OneToOne, false)).is_empty());
        let out = rows(run(BinaryOp::Ne, nan.clone(), nan, None, Cardinality::OneToOne, false));
        assert_eq!(out.len(), 1);
        assert!(out[0].1.is_nan());
    }

    #[test]
    fn many_to_one_without_group_modifier_fails_even_if_filtered() {
        let many = vec![
            sample(&[("__name__", "many_side"), ("job", "test"), ("label", "foo")], 0.0),
            sample(&[("__name__", "many_side"), ("job", "test"), ("label", "bar")], 1.0),
        ];
        let one = vec![sample(&[("__name__", "one_side"), ("job", "test")], 1.0)];
        for op in [BinaryOp::Gt, BinaryOp::Ge, BinaryOp::Le] {
            let err = run(op, many.clone(), one.clone(), on(&["job"]), Cardinality::OneToOne, false).unwrap_err();
            assert_eq!(err, MANY_TO_ONE_NOT_EXPLICIT);
        }
    }

    #[test]
    fn duplicate_series_on_the_one_side() {
        let dup = vec![
            sample(&[("__name__", "dup_metric"), ("label", "beta")], 2.0),
            sample(&[("__name__", "dup_metric"), ("label", "alpha")], 1.0),
        ];
        let scalar_metric = vec![sample(&[("__name__", "scalar_metric")], 3.0)];
        let err =
            run(BinaryOp::Gt, scalar_metric.clone(), dup.clone(), on(&[]), Cardinality::OneToOne, false).unwrap_err();
        assert_eq!(
            err,
            r#"found duplicate series for the match group {} on the right hand-side of the operation: [{__name__="dup_metric", label="alpha"}, {__name__="dup_metric", label="beta"}];many-to-many matching not allowed: matching labels must be unique on one side"#
        );
        let err = run(BinaryOp::Add, dup, scalar_metric, ignoring(&["label"]), Cardinality::OneToMany(vec![]), false)
            .unwrap_err();
        assert!(err.starts_with("found duplicate series for the match group {} on the left hand-side"), "{err}");
    }

    #[test]
    fn group_left_needs_unique_result_labels() {
        let many = vec![
            sample(&[("__name__", "a"), ("job", "x"), ("mode", "1")], 1.0),
            sample(&[("__name__", "b"), ("job", "x"), ("mode", "1")], 2.0),
        ];
        let one = vec![sample(&[("job", "x")], 1.0)];
        let err = run(BinaryOp::Add, many, one, on(&["job"]), Cardinality::ManyToOne(vec![]), false).unwrap_err();
        assert_eq!(err, GROUPING_NOT_UNIQUE);
    }

    #[test]
    fn empty_side_and_wrong_cardinality() {
        assert!(rows(run(BinaryOp::Add, vec![], node_var(), None, Cardinality::OneToOne, false)).is_empty());
        let err = run(BinaryOp::Add, node_var(), node_var(), None, Cardinality::ManyToMany, false).unwrap_err();
        assert_eq!(err, "many-to-many only allowed for set operators");
    }
}
