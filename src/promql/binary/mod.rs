//! PromQL binary operators for one evaluation step, following Prometheus
//! 3.x `promql/engine.go` (`scalarBinop`, `VectorscalarBinop`,
//! `VectorBinop`, `VectorAnd/Or/Unless`, `resultMetric`) with the engine's
//! default of dropping metric names at once. Float arithmetic follows Go:
//! `%` is `math.Mod` (Rust's `%` is the same C `fmod`), `^` is `math.Pow`.
//! Native histograms are not handled: samples here are floats.

mod matching;
mod set;

use crate::promql::labelset;
use crate::promql::value::{InstantSample, Vector};

/// The binary operators of PromQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    And,
    Or,
    Unless,
}

/// The `on`/`ignoring` clause; no clause is `Ignoring(vec![])`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matching {
    On(Vec<String>),
    Ignoring(Vec<String>),
}

/// How series of the two sides pair up; the lists are the labels named by
/// `group_left(...)`/`group_right(...)`, copied from the "one" side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cardinality {
    OneToOne,
    ManyToOne(Vec<String>),
    OneToMany(Vec<String>),
    ManyToMany,
}

/// One side of a binary operation at one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Scalar(f64),
    Vector(Vector),
}

impl BinaryOp {
    /// The operator as PromQL spells it (upstream `parser/lex.go`).
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Pow => "^",
            Atan2 => "atan2",
            Eq => "==",
            Ne => "!=",
            Gt => ">",
            Lt => "<",
            Ge => ">=",
            Le => "<=",
            And => "and",
            Or => "or",
            Unless => "unless",
        }
    }

    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Gt | Lt | Ge | Le)
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }

    /// Whether the result means something else than the input, so that the
    /// metric name no longer applies (upstream `changesMetricSchema`).
    fn changes_metric_schema(self) -> bool {
        !self.is_comparison() && !self.is_set()
    }
}

/// Applies `op` to one step's operands; `return_bool` is the `bool`
/// modifier of comparisons. `matching` and `card` only matter between two
/// vectors (`None` ignores no label). Vector results carry `t_ms`.
pub fn binary(
    op: BinaryOp,
    lhs: Operand,
    rhs: Operand,
    matching: Option<&Matching>,
    card: &Cardinality,
    return_bool: bool,
    t_ms: i64,
) -> Result<Operand, String> {
    if op.is_set() && !matches!((&lhs, &rhs), (Operand::Vector(_), Operand::Vector(_))) {
        return Err(format!("set operator {:?} not allowed in binary scalar expression", op.symbol()));
    }
    let vector = match (lhs, rhs) {
        (Operand::Scalar(l), Operand::Scalar(r)) => {
            return Ok(Operand::Scalar(scalar_binop(op, l, r)));
        }
        (Operand::Vector(l), Operand::Scalar(r)) => vector_scalar(op, l, r, false, return_bool),
        (Operand::Scalar(l), Operand::Vector(r)) => vector_scalar(op, r, l, true, return_bool),
        (Operand::Vector(l), Operand::Vector(r)) => {
            let no_clause = Matching::Ignoring(Vec::new());
            let matching = matching.unwrap_or(&no_clause);
            match op.is_set() {
                true => set::apply(op, l, r, matching, card)?,
                false => matching::vector_binop(op, l, r, matching, card, return_bool)?,
            }
        }
    };
    labelset::ensure_unique_labelsets(&vector)?;
    Ok(Operand::Vector(vector.into_iter().map(|s| InstantSample { t: t_ms, ..s }).collect()))
}

/// Unary minus: negates every value and drops metric names. Two series
/// that differ only by name then collide; `labelset::ensure_unique_labelsets`
/// is the check upstream runs on that result.
pub fn unary_minus(operand: Operand) -> Operand {
    match operand {
        Operand::Scalar(v) => Operand::Scalar(-v),
        Operand::Vector(vector) => Operand::Vector(
            vector
                .into_iter()
                .map(|s| InstantSample { labels: labelset::drop_metadata(s.labels), t: s.t, v: -s.v })
                .collect(),
        ),
    }
}

/// Two scalars: comparisons give 1 or 0 (the parser demands `bool` there).
fn scalar_binop(op: BinaryOp, l: f64, r: f64) -> f64 {
    match element_binop(op, l, r) {
        (_, keep) if op.is_comparison() => f64::from(u8::from(keep)),
        (value, _) => value,
    }
}

/// A vector and a scalar; `swapped` when the scalar is the left operand.
/// Filtering comparisons keep the vector's value and labels; arithmetic and
/// `bool` comparisons drop the metric name.
fn vector_scalar(op: BinaryOp, vector: Vector, scalar: f64, swapped: bool, return_bool: bool) -> Vector {
    let mut out = Vec::with_capacity(vector.len());
    for sample in vector {
        let (l, r) = if swapped { (scalar, sample.v) } else { (sample.v, scalar) };
        let (mut value, mut keep) = element_binop(op, l, r);
        if op.is_comparison() {
            value = sample.v;
        }
        if return_bool {
            value = f64::from(u8::from(keep));
            keep = true;
        }
        if !keep {
            continue;
        }
        let labels = match op.changes_metric_schema() || return_bool {
            true => labelset::drop_metadata(sample.labels),
            false => sample.labels,
        };
        out.push(InstantSample { labels, t: sample.t, v: value });
    }
    out
}

/// The value of `l op r` and, for comparisons, whether it holds (the value
/// is then `l`); arithmetic always keeps. Comparisons with NaN are false,
/// except `!=`.
fn element_binop(op: BinaryOp, l: f64, r: f64) -> (f64, bool) {
    use BinaryOp::*;
    match op {
        Add => (l + r, true),
        Sub => (l - r, true),
        Mul => (l * r, true),
        Div => (l / r, true),
        Mod => (l % r, true),
        Pow => (l.powf(r), true),
        Atan2 => (l.atan2(r), true),
        Eq => (l, l == r),
        Ne => (l, l != r),
        Gt => (l, l > r),
        Lt => (l, l < r),
        Ge => (l, l >= r),
        Le => (l, l <= r),
        And | Or | Unless => (l, false),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::promql::aggregate::tests::{sample, strings};

    /// The result as (Prometheus notation, value) pairs.
    pub(crate) fn rows(result: Result<Operand, String>) -> Vec<(String, f64)> {
        match result.expect("binary operation failed") {
            Operand::Vector(vector) => vector.iter().map(|s| (s.labels.to_string(), s.v)).collect(),
            Operand::Scalar(v) => panic!("expected a vector, got scalar {v}"),
        }
    }

    pub(crate) fn expected(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|(l, v)| (l.to_string(), *v)).collect()
    }

    fn scalar(op: BinaryOp, l: f64, r: f64) -> f64 {
        match binary(op, Operand::Scalar(l), Operand::Scalar(r), None, &Cardinality::OneToOne, true, 0).unwrap() {
            Operand::Scalar(v) => v,
            Operand::Vector(_) => panic!("expected a scalar"),
        }
    }

    #[test]
    fn scalar_arithmetic_follows_go() {
        assert_eq!(scalar(BinaryOp::Add, 1.5, 2.0), 3.5);
        assert_eq!(scalar(BinaryOp::Sub, 1.0, 3.0), -2.0);
        assert_eq!(scalar(BinaryOp::Mul, 4.0, 2.5), 10.0);
        assert_eq!(scalar(BinaryOp::Div, 1.0, 0.0), f64::INFINITY);
        assert_eq!(scalar(BinaryOp::Div, -1.0, 0.0), f64::NEG_INFINITY);
        assert!(scalar(BinaryOp::Div, 0.0, 0.0).is_nan());
        assert_eq!(scalar(BinaryOp::Mod, -7.0, 3.0), -1.0);
        assert_eq!(scalar(BinaryOp::Mod, 7.5, -2.0), 1.5);
        assert_eq!(scalar(BinaryOp::Mod, 5.0, f64::INFINITY), 5.0);
        assert!(scalar(BinaryOp::Mod, 5.0, 0.0).is_nan());
        assert!(scalar(BinaryOp::Mod, f64::INFINITY, 2.0).is_nan());
        assert_eq!(scalar(BinaryOp::Pow, 2.0, 10.0), 1024.0);
        assert_eq!(scalar(BinaryOp::Pow, f64::NAN, 0.0), 1.0);
        assert_eq!(scalar(BinaryOp::Pow, 1.0, f64::NAN), 1.0);
        assert!(scalar(BinaryOp::Pow, -8.0, 1.0 / 3.0).is_nan());
        assert_eq!(scalar(BinaryOp::Atan2, 1.0, 1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!(scalar(BinaryOp::Atan2, 0.0, -1.0), std::f64::consts::PI);
    }

    #[test]
    fn scalar_comparisons_give_one_or_zero() {
        assert_eq!(scalar(BinaryOp::Gt, 2.0, 1.0), 1.0);
        assert_eq!(scalar(BinaryOp::Le, 2.0, 1.0), 0.0);
        assert_eq!(scalar(BinaryOp::Eq, f64::NAN, f64::NAN), 0.0);
        assert_eq!(scalar(BinaryOp::Ne, f64::NAN, f64::NAN), 1.0);
        assert_eq!(scalar(BinaryOp::Ge, 1.0, 1.0), 1.0);
    }

    #[test]
    fn set_operators_need_vectors() {
        let err =
            binary(BinaryOp::And, Operand::Scalar(1.0), Operand::Scalar(1.0), None, &Cardinality::ManyToMany, false, 0);
        assert_eq!(err.unwrap_err(), r#"set operator "and" not allowed in binary scalar expression"#);
    }

    fn cpu() -> Vector {
        vec![
            sample(&[("__name__", "node_cpu"), ("instance", "abc"), ("mode", "idle")], 3.0),
            sample(&[("__name__", "node_cpu"), ("instance", "abc"), ("mode", "user")], 1.0),
            sample(&[("__name__", "node_cpu"), ("instance", "def"), ("mode", "idle")], f64::NAN),
        ]
    }

    fn with_scalar(
        op: BinaryOp,
        vector: Vector,
        value: f64,
        scalar_first: bool,
        return_bool: bool,
    ) -> Result<Operand, String> {
        let (l, r) = match scalar_first {
            true => (Operand::Scalar(value), Operand::Vector(vector)),
            false => (Operand::Vector(vector), Operand::Scalar(value)),
        };
        binary(op, l, r, None, &Cardinality::OneToOne, return_bool, 42)
    }

    #[test]
    fn vector_scalar_arithmetic_drops_the_name() {
        let out = rows(with_scalar(BinaryOp::Sub, cpu(), 10.0, true, false));
        let nan_row = &out[2];
        assert_eq!(
            out[..2],
            expected(&[(r#"{instance="abc", mode="idle"}"#, 7.0), (r#"{instance="abc", mode="user"}"#, 9.0)])
        );
        assert!(nan_row.1.is_nan());
        let Operand::Vector(vector) = with_scalar(BinaryOp::Mul, cpu(), 2.0, false, false).unwrap() else { panic!() };
        assert!(vector.iter().all(|s| s.t == 42 && s.labels.metric_name().is_none()));
    }

    #[test]
    fn vector_scalar_comparison_filters_and_keeps_the_name() {
        let out = rows(with_scalar(BinaryOp::Gt, cpu(), 2.0, false, false));
        assert_eq!(out, expected(&[(r#"node_cpu{instance="abc", mode="idle"}"#, 3.0)]));
        // `2 > node_cpu` keeps the vector's value, not the scalar.
        let out = rows(with_scalar(BinaryOp::Gt, cpu(), 2.0, true, false));
        assert_eq!(out, expected(&[(r#"node_cpu{instance="abc", mode="user"}"#, 1.0)]));
        let out = rows(with_scalar(BinaryOp::Ne, cpu(), 1.0, false, false));
        assert_eq!(out[0], (r#"node_cpu{instance="abc", mode="idle"}"#.to_string(), 3.0));
        assert_eq!(out.len(), 2, "NaN != 1 holds");
    }

    #[test]
    fn vector_scalar_bool_returns_every_sample_without_name() {
        let out = rows(with_scalar(BinaryOp::Ge, cpu(), 3.0, false, true));
        assert_eq!(
            out,
            expected(&[
                (r#"{instance="abc", mode="idle"}"#, 1.0),
                (r#"{instance="abc", mode="user"}"#, 0.0),
                (r#"{instance="def", mode="idle"}"#, 0.0),
            ])
        );
    }

    #[test]
    fn dropping_names_may_collide() {
        let input = vec![
            sample(&[("__name__", "testmetric1"), ("src", "a")], 0.0),
            sample(&[("__name__", "testmetric2"), ("src", "a")], 1.0),
        ];
        let err = with_scalar(BinaryOp::Add, input.clone(), 1.0, false, false).unwrap_err();
        assert_eq!(err, labelset::DUPLICATE_LABELSET);
        assert_eq!(rows(with_scalar(BinaryOp::Ge, input.clone(), 0.0, false, false)).len(), 2);
        let Operand::Vector(negated) = unary_minus(Operand::Vector(input)) else { panic!() };
        assert_eq!(labelset::ensure_unique_labelsets(&negated).unwrap_err(), labelset::DUPLICATE_LABELSET);
    }

    #[test]
    fn unary_minus_negates_and_drops_the_name() {
        assert_eq!(unary_minus(Operand::Scalar(2.0)), Operand::Scalar(-2.0));
        let Operand::Vector(out) = unary_minus(Operand::Vector(cpu())) else { panic!() };
        assert_eq!(out[0].v, -3.0);
        assert_eq!(out[0].labels.to_string(), r#"{instance="abc", mode="idle"}"#);
    }
}
