//! The set operators `and`, `or` and `unless`, as Prometheus'
//! `VectorAnd`, `VectorOr` and `VectorUnless`: series match by signature,
//! many-to-many, and keep their labels and values.

use std::collections::HashSet;

use super::{BinaryOp, Cardinality, Matching};
use crate::promql::labelset;
use crate::promql::value::Vector;
use crate::series::Labels;

/// Applies a set operator; the result keeps the left side's order, then
/// (for `or`) the right side's additions.
pub(super) fn apply(
    op: BinaryOp,
    lhs: Vector,
    rhs: Vector,
    matching: &Matching,
    card: &Cardinality,
) -> Result<Vector, String> {
    if *card != Cardinality::ManyToMany {
        return Err("set operations must only use many-to-many matching".to_string());
    }
    let signature = |labels: &Labels| match matching {
        Matching::On(names) => labelset::match_labels(labels, true, names),
        Matching::Ignoring(names) => labelset::match_labels(labels, false, names),
    };
    let signatures = |vector: &Vector| -> HashSet<Labels> { vector.iter().map(|s| signature(&s.labels)).collect() };
    Ok(match op {
        BinaryOp::And => {
            let right = signatures(&rhs);
            lhs.into_iter().filter(|s| right.contains(&signature(&s.labels))).collect()
        }
        BinaryOp::Unless => {
            let right = signatures(&rhs);
            lhs.into_iter().filter(|s| !right.contains(&signature(&s.labels))).collect()
        }
        _ => {
            let left = signatures(&lhs);
            let additions = rhs.into_iter().filter(|s| !left.contains(&signature(&s.labels)));
            lhs.into_iter().chain(additions).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{expected, rows, sample, strings};
    use super::super::{Operand, binary};
    use super::*;

    fn left() -> Vector {
        vec![
            sample(&[("__name__", "l"), ("job", "a"), ("i", "1")], 1.0),
            sample(&[("__name__", "l"), ("job", "b"), ("i", "1")], 2.0),
        ]
    }

    fn right() -> Vector {
        vec![
            sample(&[("__name__", "r"), ("job", "b"), ("i", "1")], 20.0),
            sample(&[("__name__", "r"), ("job", "c"), ("i", "2")], 30.0),
        ]
    }

    fn run(op: BinaryOp, lhs: Vector, rhs: Vector, matching: Option<Matching>) -> Vec<(String, f64)> {
        rows(binary(
            op,
            Operand::Vector(lhs),
            Operand::Vector(rhs),
            matching.as_ref(),
            &Cardinality::ManyToMany,
            false,
            0,
        ))
    }

    #[test]
    fn and_keeps_left_samples_with_a_match() {
        assert_eq!(run(BinaryOp::And, left(), right(), None), expected(&[(r#"l{i="1", job="b"}"#, 2.0)]));
        let on_i = Some(Matching::On(strings(&["i"])));
        assert_eq!(run(BinaryOp::And, left(), right(), on_i).len(), 2);
        assert!(run(BinaryOp::And, left(), vec![], None).is_empty());
    }

    #[test]
    fn or_adds_unmatched_right_samples() {
        assert_eq!(
            run(BinaryOp::Or, left(), right(), None),
            expected(&[(r#"l{i="1", job="a"}"#, 1.0), (r#"l{i="1", job="b"}"#, 2.0), (r#"r{i="2", job="c"}"#, 30.0)])
        );
        let ignoring_job = Some(Matching::Ignoring(strings(&["job"])));
        assert_eq!(run(BinaryOp::Or, left(), right(), ignoring_job).len(), 3);
        assert_eq!(run(BinaryOp::Or, vec![], right(), None).len(), 2);
    }

    #[test]
    fn unless_keeps_left_samples_without_a_match() {
        assert_eq!(run(BinaryOp::Unless, left(), right(), None), expected(&[(r#"l{i="1", job="a"}"#, 1.0)]));
        assert!(run(BinaryOp::Unless, left(), right(), Some(Matching::On(vec![]))).is_empty());
        assert_eq!(run(BinaryOp::Unless, left(), vec![], None).len(), 2);
    }

    #[test]
    fn set_operators_need_many_to_many() {
        let err = binary(
            BinaryOp::Or,
            Operand::Vector(left()),
            Operand::Vector(right()),
            None,
            &Cardinality::OneToOne,
            false,
            0,
        );
        assert_eq!(err.unwrap_err(), "set operations must only use many-to-many matching");
    }
}
