//! Evaluating an expression at one timestamp, as Prometheus' evaluator does
//! for each step: selectors read the prefetched data with the lookback delta
//! and staleness, functions, aggregations and operators work on the step's
//! values.

use promql_parser::parser::token::{self, TokenType};
use promql_parser::parser::{
    Call, Expr, LabelModifier, MatrixSelector, SubqueryExpr, VectorMatchCardinality, VectorSelector,
};

use crate::series::{Label, Labels, METRIC_NAME, Sample, is_stale_nan};

use super::aggregate::{self, AggregateOp, AggregateParam, Grouping};
use super::binary::{self, BinaryOp, Cardinality, Matching, Operand};
use super::error::Error;
use super::select::{QueryData, TimeContext, Window, at_ms, offset_ms, shifted};
use super::value::{InstantSample, Matrix, RangeSeries, Vector};

/// A step's value of a node.
#[derive(Clone, Debug)]
pub enum StepValue {
    Scalar(f64),
    String(String),
    Vector(Vector),
    Matrix(Matrix),
}

pub struct Evaluator<'a> {
    pub data: &'a QueryData,
    pub context: TimeContext,
    pub warnings: std::cell::RefCell<Vec<String>>,
    pub infos: std::cell::RefCell<Vec<String>>,
}

impl Evaluator<'_> {
    pub fn eval(&self, expr: &Expr, t: i64) -> Result<StepValue, Error> {
        match expr {
            Expr::NumberLiteral(n) => Ok(StepValue::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(StepValue::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => match binary::unary_minus(self.operand(&u.expr, t)?) {
                Operand::Scalar(v) => Ok(StepValue::Scalar(v)),
                Operand::Vector(v) => {
                    super::labelset::ensure_unique_labelsets(&v).map_err(Error::execution)?;
                    Ok(StepValue::Vector(v))
                }
            },
            Expr::VectorSelector(selector) => Ok(StepValue::Vector(self.instant_vector(selector, t))),
            Expr::MatrixSelector(matrix) => Ok(StepValue::Matrix(self.range_vector(matrix, t))),
            Expr::Subquery(subquery) => Ok(StepValue::Matrix(self.subquery(subquery, t)?)),
            Expr::Call(call) => self.call(call, t),
            Expr::Aggregate(aggregate) => self.aggregate(aggregate, t),
            Expr::Binary(binary) => self.binary(binary, t),
            Expr::Extension(_) => Err(Error::bad_data("extension expressions are not supported")),
        }
    }

    /// The newest sample of each series within the lookback window before
    /// `t` (left-open), unless it is a staleness marker.
    fn instant_vector(&self, selector: &VectorSelector, t: i64) -> Vector {
        let at = shifted(Window { low: t, high: t }, &selector.at, &selector.offset, &self.context).high;
        let from = at - self.context.lookback_ms;
        let mut out = Vector::new();
        for (labels, samples) in self.data.get(selector) {
            let end = samples.partition_point(|s| s.t <= at);
            if end == 0 {
                continue;
            }
            let last = samples[end - 1];
            if last.t > from && !is_stale_nan(last.v) {
                out.push(InstantSample { labels: labels.clone(), t, v: last.v });
            }
        }
        out
    }

    fn range_vector(&self, matrix: &MatrixSelector, t: i64) -> Matrix {
        let at = shifted(Window { low: t, high: t }, &matrix.vs.at, &matrix.vs.offset, &self.context).high;
        let from = at - matrix.range.as_millis() as i64;
        let mut out = Matrix::new();
        for (labels, samples) in self.data.get(&matrix.vs) {
            let start = samples.partition_point(|s| s.t <= from);
            let end = samples.partition_point(|s| s.t <= at);
            let window: Vec<Sample> = samples[start..end].iter().copied().filter(|s| !is_stale_nan(s.v)).collect();
            if !window.is_empty() {
                out.push(RangeSeries { labels: labels.clone(), samples: window });
            }
        }
        out
    }

    /// Evaluates the inner expression at steps aligned to multiples of the
    /// subquery step within `(t - range, t]`.
    fn subquery(&self, subquery: &SubqueryExpr, t: i64) -> Result<Matrix, Error> {
        let step =
            subquery.step.map(|s| s.as_millis() as i64).filter(|&s| s > 0).unwrap_or(self.context.subquery_step_ms);
        let end = match at_ms(&subquery.at, &self.context) {
            Some(at) => at,
            None => t,
        } - offset_ms(&subquery.offset);
        let start = end - subquery.range.as_millis() as i64;
        let mut first = start.div_euclid(step) * step;
        if first <= start {
            first += step;
        }
        let mut series: std::collections::BTreeMap<Labels, Vec<Sample>> = Default::default();
        let mut at = first;
        while at <= end {
            match self.eval(&subquery.expr, at)? {
                StepValue::Scalar(v) => series.entry(Labels::default()).or_default().push(Sample::new(at, v)),
                StepValue::Vector(vector) => {
                    for sample in vector {
                        series.entry(sample.labels).or_default().push(Sample::new(at, sample.v));
                    }
                }
                other => return Err(Error::bad_data(format!("subquery of {} is not allowed", kind(&other)))),
            }
            at += step;
        }
        Ok(series.into_iter().map(|(labels, samples)| RangeSeries { labels, samples }).collect())
    }

    fn aggregate(&self, aggregate: &promql_parser::parser::AggregateExpr, t: i64) -> Result<StepValue, Error> {
        let op = aggregate_op(aggregate.op)?;
        let param = match &aggregate.param {
            None => AggregateParam::None,
            Some(param) => match self.eval(param, t)? {
                StepValue::Scalar(v) => AggregateParam::Number(v),
                StepValue::String(s) => AggregateParam::Label(s),
                other => {
                    return Err(Error::bad_data(format!(
                        "aggregation parameter must be a scalar or string, got {}",
                        kind(&other)
                    )));
                }
            },
        };
        let grouping = match &aggregate.modifier {
            None => Grouping::By(Vec::new()),
            Some(LabelModifier::Include(labels)) => Grouping::By(labels.labels.clone()),
            Some(LabelModifier::Exclude(labels)) => Grouping::Without(labels.labels.clone()),
        };
        let input = self.vector(&aggregate.expr, t)?;
        aggregate::aggregate(op, &param, &grouping, input, t).map(StepValue::Vector).map_err(Error::execution)
    }

    fn binary(&self, expr: &promql_parser::parser::BinaryExpr, t: i64) -> Result<StepValue, Error> {
        let op = binary_op(expr.op)?;
        let lhs = self.operand(&expr.lhs, t)?;
        let rhs = self.operand(&expr.rhs, t)?;
        let (matching, card, return_bool) = match &expr.modifier {
            None => (None, default_cardinality(op), false),
            Some(modifier) => {
                let matching = modifier.matching.as_ref().map(|m| match m {
                    LabelModifier::Include(l) => Matching::On(l.labels.clone()),
                    LabelModifier::Exclude(l) => Matching::Ignoring(l.labels.clone()),
                });
                let card = match &modifier.card {
                    VectorMatchCardinality::OneToOne => default_cardinality(op),
                    VectorMatchCardinality::ManyToOne(l) => Cardinality::ManyToOne(l.labels.clone()),
                    VectorMatchCardinality::OneToMany(l) => Cardinality::OneToMany(l.labels.clone()),
                    VectorMatchCardinality::ManyToMany => Cardinality::ManyToMany,
                };
                (matching, card, modifier.return_bool)
            }
        };
        match binary::binary(op, lhs, rhs, matching.as_ref(), &card, return_bool, t).map_err(Error::execution)? {
            Operand::Scalar(v) => Ok(StepValue::Scalar(v)),
            Operand::Vector(v) => Ok(StepValue::Vector(v)),
        }
    }

    fn operand(&self, expr: &Expr, t: i64) -> Result<Operand, Error> {
        match self.eval(expr, t)? {
            StepValue::Scalar(v) => Ok(Operand::Scalar(v)),
            StepValue::Vector(v) => Ok(Operand::Vector(v)),
            other => Err(Error::bad_data(format!(
                "binary expression must contain only scalar and instant vector types, got {}",
                kind(&other)
            ))),
        }
    }

    pub fn vector(&self, expr: &Expr, t: i64) -> Result<Vector, Error> {
        match self.eval(expr, t)? {
            StepValue::Vector(v) => Ok(v),
            other => Err(Error::bad_data(format!("expected instant vector, got {}", kind(&other)))),
        }
    }

    pub fn matrix(&self, expr: &Expr, t: i64) -> Result<Matrix, Error> {
        match self.eval(expr, t)? {
            StepValue::Matrix(m) => Ok(m),
            other => Err(Error::bad_data(format!("expected range vector, got {}", kind(&other)))),
        }
    }

    pub fn scalar(&self, expr: &Expr, t: i64) -> Result<f64, Error> {
        match self.eval(expr, t)? {
            StepValue::Scalar(v) => Ok(v),
            other => Err(Error::bad_data(format!("expected scalar, got {}", kind(&other)))),
        }
    }

    pub fn string(&self, expr: &Expr, t: i64) -> Result<String, Error> {
        match self.eval(expr, t)? {
            StepValue::String(s) => Ok(s),
            other => Err(Error::bad_data(format!("expected string, got {}", kind(&other)))),
        }
    }

    fn call(&self, call: &Call, t: i64) -> Result<StepValue, Error> {
        super::call::call(self, call, t)
    }
}

pub fn kind(value: &StepValue) -> &'static str {
    match value {
        StepValue::Scalar(_) => "scalar",
        StepValue::String(_) => "string",
        StepValue::Vector(_) => "instant vector",
        StepValue::Matrix(_) => "range vector",
    }
}

/// The labels without `__name__`.
pub fn drop_metric_name(labels: &Labels) -> Labels {
    Labels::from_sorted(labels.iter().filter(|l| l.name != METRIC_NAME).cloned().collect::<Vec<Label>>())
}

fn default_cardinality(op: BinaryOp) -> Cardinality {
    match op {
        BinaryOp::And | BinaryOp::Or | BinaryOp::Unless => Cardinality::ManyToMany,
        _ => Cardinality::OneToOne,
    }
}

fn aggregate_op(op: TokenType) -> Result<AggregateOp, Error> {
    Ok(match op.id() {
        token::T_SUM => AggregateOp::Sum,
        token::T_AVG => AggregateOp::Avg,
        token::T_MIN => AggregateOp::Min,
        token::T_MAX => AggregateOp::Max,
        token::T_COUNT => AggregateOp::Count,
        token::T_STDDEV => AggregateOp::Stddev,
        token::T_STDVAR => AggregateOp::Stdvar,
        token::T_GROUP => AggregateOp::Group,
        token::T_TOPK => AggregateOp::Topk,
        token::T_BOTTOMK => AggregateOp::Bottomk,
        token::T_QUANTILE => AggregateOp::Quantile,
        token::T_COUNT_VALUES => AggregateOp::CountValues,
        token::T_LIMITK => AggregateOp::Limitk,
        token::T_LIMIT_RATIO => AggregateOp::LimitRatio,
        _ => return Err(Error::bad_data(format!("unsupported aggregation {op}"))),
    })
}

fn binary_op(op: TokenType) -> Result<BinaryOp, Error> {
    Ok(match op.id() {
        token::T_ADD => BinaryOp::Add,
        token::T_SUB => BinaryOp::Sub,
        token::T_MUL => BinaryOp::Mul,
        token::T_DIV => BinaryOp::Div,
        token::T_MOD => BinaryOp::Mod,
        token::T_POW => BinaryOp::Pow,
        token::T_ATAN2 => BinaryOp::Atan2,
        token::T_EQLC => BinaryOp::Eq,
        token::T_NEQ => BinaryOp::Ne,
        token::T_GTR => BinaryOp::Gt,
        token::T_LSS => BinaryOp::Lt,
        token::T_GTE => BinaryOp::Ge,
        token::T_LTE => BinaryOp::Le,
        token::T_LAND => BinaryOp::And,
        token::T_LOR => BinaryOp::Or,
        token::T_LUNLESS => BinaryOp::Unless,
        _ => return Err(Error::bad_data(format!("unsupported binary operator {op}"))),
    })
}
