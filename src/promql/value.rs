//! PromQL values, as Prometheus' `promql/value.go`: scalars, strings, instant
//! vectors and range vectors (matrices).

use crate::series::{Labels, Sample};

/// One element of an instant vector: a series' value at the evaluation time.
#[derive(Clone, Debug, PartialEq)]
pub struct InstantSample {
    pub labels: Labels,
    pub t: i64,
    pub v: f64,
}

/// One element of a range vector: a series' samples over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeSeries {
    pub labels: Labels,
    pub samples: Vec<Sample>,
}

pub type Vector = Vec<InstantSample>;
pub type Matrix = Vec<RangeSeries>;

/// A query's result.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar { t: i64, v: f64 },
    String { t: i64, v: String },
    Vector(Vector),
    Matrix(Matrix),
}
