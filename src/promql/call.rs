//! Function calls: arguments are evaluated for the step, then the numeric
//! kernels in `functions/` do the arithmetic; this file handles types, labels
//! and the functions that work on labels or whole vectors
//! (`promql/functions.go` upstream).

use std::collections::BTreeMap;

use promql_parser::parser::{Call, Expr};

use crate::series::{Label, Labels, METRIC_NAME, is_stale_nan};

use super::error::Error;
use super::eval::{Evaluator, StepValue, drop_metric_name};
use super::functions;
use super::select::{Window, shifted};
use super::value::{InstantSample, Vector};

/// Range-vector functions whose kernel lives in `functions::range_function`.
const RANGE_FUNCTIONS: &[&str] = &[
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "predict_linear",
    "resets",
    "changes",
    "avg_over_time",
    "sum_over_time",
    "min_over_time",
    "max_over_time",
    "count_over_time",
    "last_over_time",
    "present_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "quantile_over_time",
    "mad_over_time",
    "double_exponential_smoothing",
    "first_over_time",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_min_over_time",
    "ts_of_max_over_time",
    "holt_winters",
];

/// Functions whose results keep the metric name.
const KEEPS_METRIC_NAME: &[&str] = &["last_over_time", "first_over_time"];

pub fn call(ev: &Evaluator<'_>, call: &Call, t: i64) -> Result<StepValue, Error> {
    let name = call.func.name;
    let args = &call.args.args;
    match name {
        "time" => Ok(StepValue::Scalar(t as f64 / 1000.0)),
        "pi" => Ok(StepValue::Scalar(std::f64::consts::PI)),
        "vector" => {
            let v = ev.scalar(&args[0], t)?;
            Ok(StepValue::Vector(vec![InstantSample { labels: Labels::default(), t, v }]))
        }
        "scalar" => {
            let vector = ev.vector(&args[0], t)?;
            Ok(StepValue::Scalar(if vector.len() == 1 { vector[0].v } else { f64::NAN }))
        }
        "timestamp" => timestamp(ev, &args[0], t),
        "absent" => Ok(StepValue::Vector(match ev.vector(&args[0], t)?.is_empty() {
            true => absent_labels(&args[0], t),
            false => Vector::new(),
        })),
        "absent_over_time" => Ok(StepValue::Vector(match ev.matrix(&args[0], t)?.is_empty() {
            true => absent_labels(&args[0], t),
            false => Vector::new(),
        })),
        "label_replace" => label_replace(ev, args, t),
        "label_join" => label_join(ev, args, t),
        "sort" | "sort_desc" => {
            let mut vector = ev.vector(&args[0], t)?;
            sort_by_value(&mut vector, name == "sort_desc");
            Ok(StepValue::Vector(vector))
        }
        "sort_by_label" | "sort_by_label_desc" => sort_by_label(ev, args, t, name == "sort_by_label_desc"),
        "histogram_quantile" => histogram_quantile(ev, args, t),
        "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month" | "hour" | "minute" | "month" | "year"
            if args.is_empty() =>
        {
            let v = functions::date_function(name, t as f64 / 1000.0).unwrap_or(f64::NAN);
            Ok(StepValue::Vector(vec![InstantSample { labels: Labels::default(), t, v }]))
        }
        _ if RANGE_FUNCTIONS.contains(&name) => range_call(ev, name, args, t),
        _ => instant_call(ev, name, args, t),
    }
}

/// A range-vector function: the matrix argument is found among the
/// arguments (it is first except for `quantile_over_time`), the others are scalars.
fn range_call(ev: &Evaluator<'_>, name: &str, args: &[Box<Expr>], t: i64) -> Result<StepValue, Error> {
    let matrix_index = if name == "quantile_over_time" { 1 } else { 0 };
    let (range, end) = window_of(ev, &args[matrix_index], t);
    let matrix = ev.matrix(&args[matrix_index], t)?;
    let mut scalars = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i != matrix_index {
            scalars.push(ev.scalar(arg, t)?);
        }
    }
    let start = end - range;
    let mut out = Vector::new();
    for series in matrix {
        let result = match name {
            // predict_linear extrapolates from the evaluation time, not the window's end.
            "predict_linear" => functions::predict_linear(&series.samples, t, scalars.first().copied().unwrap_or(0.0)),
            _ => functions::range_function(name, &series.samples, start, end, &scalars)
                .map_err(|e| Error::execution(e.to_string()))?,
        };
        if let Some(v) = result {
            let labels =
                if KEEPS_METRIC_NAME.contains(&name) { series.labels } else { drop_metric_name(&series.labels) };
            out.push(InstantSample { labels, t, v });
        }
    }
    check_unique(&out)?;
    Ok(StepValue::Vector(out))
}

/// The range (ms) and the end of the window a matrix argument covers at `t`,
/// after its offset and `@`.
fn window_of(ev: &Evaluator<'_>, expr: &Expr, t: i64) -> (i64, i64) {
    let step = Window { low: t, high: t };
    match expr {
        Expr::MatrixSelector(m) => {
            (m.range.as_millis() as i64, shifted(step, &m.vs.at, &m.vs.offset, &ev.context).high)
        }
        Expr::Subquery(s) => (s.range.as_millis() as i64, shifted(step, &s.at, &s.offset, &ev.context).high),
        Expr::Paren(p) => window_of(ev, &p.expr, t),
        _ => (0, t),
    }
}

/// An element-wise function: first argument a vector, the rest scalars.
fn instant_call(ev: &Evaluator<'_>, name: &str, args: &[Box<Expr>], t: i64) -> Result<StepValue, Error> {
    let Some(first) = args.first() else {
        return Err(Error::bad_data(format!("function {name}() is not supported by Sonde yet")));
    };
    if !matches!(first.value_type(), promql_parser::parser::value::ValueType::Vector) {
        return Err(Error::bad_data(format!("function {name}() is not supported by Sonde yet")));
    }
    let vector = ev.vector(first, t)?;
    let mut scalars = Vec::new();
    for arg in &args[1..] {
        scalars.push(ev.scalar(arg, t)?);
    }
    let mut out = Vector::new();
    for sample in vector {
        let result =
            functions::instant_function(name, sample.v, &scalars).map_err(|e| Error::bad_data(e.to_string()))?;
        if let Some(v) = result {
            out.push(InstantSample { labels: drop_metric_name(&sample.labels), t, v });
        }
    }
    check_unique(&out)?;
    Ok(StepValue::Vector(out))
}

/// Prometheus refuses results where two series collapse into one label set.
fn check_unique(vector: &Vector) -> Result<(), Error> {
    let mut seen: Vec<&Labels> = vector.iter().map(|s| &s.labels).collect();
    seen.sort();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::execution("vector cannot contain metrics with the same labelset"));
    }
    Ok(())
}

/// `timestamp(v)`: the time of each sample; for a plain selector, the time
/// the sample was written, as Prometheus does.
fn timestamp(ev: &Evaluator<'_>, arg: &Expr, t: i64) -> Result<StepValue, Error> {
    let selector = match arg {
        Expr::VectorSelector(s) => Some(s),
        Expr::Paren(p) => match p.expr.as_ref() {
            Expr::VectorSelector(s) => Some(s),
            _ => None,
        },
        _ => None,
    };
    let Some(selector) = selector else {
        let vector = ev.vector(arg, t)?;
        let out =
            vector.into_iter().map(|s| InstantSample { labels: drop_metric_name(&s.labels), t, v: t as f64 / 1000.0 });
        return Ok(StepValue::Vector(out.collect()));
    };
    let at = shifted(Window { low: t, high: t }, &selector.at, &selector.offset, &ev.context).high;
    let from = at - ev.context.lookback_ms;
    let mut out = Vector::new();
    for (labels, samples) in ev.data.get(selector) {
        let end = samples.partition_point(|s| s.t <= at);
        if end > 0 && samples[end - 1].t > from && !is_stale_nan(samples[end - 1].v) {
            out.push(InstantSample { labels: drop_metric_name(labels), t, v: samples[end - 1].t as f64 / 1000.0 });
        }
    }
    Ok(StepValue::Vector(out))
}

/// The labels `absent` reports: each label matched once with equality, as
/// upstream's `createLabelsForAbsentFunction`.
fn absent_labels(arg: &Expr, t: i64) -> Vector {
    let selector = match arg {
        Expr::VectorSelector(s) => Some(s),
        Expr::MatrixSelector(m) => Some(&m.vs),
        _ => None,
    };
    let mut pairs: BTreeMap<String, String> = BTreeMap::new();
    for m in selector.iter().flat_map(|s| s.matchers.matchers.iter()).filter(|m| m.name != METRIC_NAME) {
        let equal = matches!(m.op, promql_parser::label::MatchOp::Equal);
        if equal && !pairs.contains_key(&m.name) {
            pairs.insert(m.name.clone(), m.value.clone());
        } else {
            pairs.remove(&m.name);
        }
    }
    vec![InstantSample { labels: Labels::from_pairs(pairs), t, v: 1.0 }]
}

fn label_replace(ev: &Evaluator<'_>, args: &[Box<Expr>], t: i64) -> Result<StepValue, Error> {
    let vector = ev.vector(&args[0], t)?;
    let destination = ev.string(&args[1], t)?;
    let replacement = ev.string(&args[2], t)?;
    let source = ev.string(&args[3], t)?;
    let pattern = ev.string(&args[4], t)?;
    let regex = regex::Regex::new(&format!("^(?s:{pattern})$"))
        .map_err(|e| Error::bad_data(format!("invalid regular expression in label_replace(): {pattern}: {e}")))?;
    if destination.is_empty() {
        return Err(Error::bad_data(format!("invalid destination label name in label_replace(): {destination}")));
    }
    let mut out = Vector::new();
    for sample in vector {
        let value = sample.labels.get(&source).unwrap_or("");
        let labels = match regex.captures(value) {
            Some(captures) => {
                let mut expanded = String::new();
                // Go's and the regex crate's `$1`/`${name}` expansion agree.
                captures.expand(&replacement, &mut expanded);
                with_label(&sample.labels, &destination, &expanded)
            }
            None => sample.labels.clone(),
        };
        out.push(InstantSample { labels, t, v: sample.v });
    }
    check_unique(&out)?;
    Ok(StepValue::Vector(out))
}

fn label_join(ev: &Evaluator<'_>, args: &[Box<Expr>], t: i64) -> Result<StepValue, Error> {
    let vector = ev.vector(&args[0], t)?;
    let destination = ev.string(&args[1], t)?;
    let separator = ev.string(&args[2], t)?;
    let mut sources = Vec::new();
    for arg in &args[3..] {
        sources.push(ev.string(arg, t)?);
    }
    let mut out = Vector::new();
    for sample in vector {
        let joined: Vec<&str> = sources.iter().map(|s| sample.labels.get(s).unwrap_or("")).collect();
        let labels = with_label(&sample.labels, &destination, &joined.join(&separator));
        out.push(InstantSample { labels, t, v: sample.v });
    }
    check_unique(&out)?;
    Ok(StepValue::Vector(out))
}

/// The labels with one label set (or removed when the value is empty).
fn with_label(labels: &Labels, name: &str, value: &str) -> Labels {
    let mut pairs: Vec<Label> = labels.iter().filter(|l| l.name != name).cloned().collect();
    if !value.is_empty() {
        pairs.push(Label::new(name, value));
    }
    Labels::from_pairs(pairs.into_iter().map(|l| (l.name, l.value)))
}

fn sort_by_value(vector: &mut Vector, descending: bool) {
    vector.sort_by(|a, b| {
        // NaNs sort last either way, as upstream.
        match (a.v.is_nan(), b.v.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ if descending => b.v.total_cmp(&a.v),
            _ => a.v.total_cmp(&b.v),
        }
    });
}

fn sort_by_label(ev: &Evaluator<'_>, args: &[Box<Expr>], t: i64, descending: bool) -> Result<StepValue, Error> {
    let mut vector = ev.vector(&args[0], t)?;
    let mut names = Vec::new();
    for arg in &args[1..] {
        names.push(ev.string(arg, t)?);
    }
    vector.sort_by(|a, b| {
        let keyed = names.iter().map(|n| natural_cmp(a.labels.get(n).unwrap_or(""), b.labels.get(n).unwrap_or("")));
        let order = keyed.fold(std::cmp::Ordering::Equal, |acc, o| acc.then(o)).then_with(|| a.labels.cmp(&b.labels));
        if descending { order.reverse() } else { order }
    });
    Ok(StepValue::Vector(vector))
}

fn histogram_quantile(ev: &Evaluator<'_>, args: &[Box<Expr>], t: i64) -> Result<StepValue, Error> {
    let q = ev.scalar(&args[0], t)?;
    let vector = ev.vector(&args[1], t)?;
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in vector {
        let Some(le) = sample.labels.get("le").and_then(|le| le.trim().parse::<f64>().ok()) else {
            continue;
        };
        let key = Labels::from_sorted(
            sample.labels.iter().filter(|l| l.name != "le" && l.name != METRIC_NAME).cloned().collect(),
        );
        groups.entry(key).or_default().push((le, sample.v));
    }
    if !(0.0..=1.0).contains(&q) {
        ev.warnings.borrow_mut().push(format!("PromQL warning: quantile value should be between 0 and 1, got {q}"));
    }
    let mut out = Vector::new();
    for (labels, mut buckets) in groups {
        let (v, forced) = functions::bucket_quantile(q, &mut buckets);
        if forced {
            ev.infos
                .borrow_mut()
                .push("PromQL info: input to histogram_quantile needed to be fixed for monotonicity".into());
        }
        out.push(InstantSample { labels, t, v });
    }
    Ok(StepValue::Vector(out))
}

/// Natural order, as upstream's `sort_by_label` uses: runs of digits compare
/// as numbers (`cpu2` < `cpu10`, `1.2.3` < `1.11.3`), other runs as text.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (number_a, rest_a) = split_run(a, true);
                let (number_b, rest_b) = split_run(b, true);
                let trimmed_a = trim_zeros(number_a);
                let trimmed_b = trim_zeros(number_b);
                let order = trimmed_a.len().cmp(&trimmed_b.len()).then_with(|| trimmed_a.cmp(trimmed_b));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (rest_a, rest_b);
            }
            _ => {
                let (text_a, rest_a) = split_run(a, false);
                let (text_b, rest_b) = split_run(b, false);
                let order = text_a.cmp(text_b);
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (rest_a, rest_b);
            }
        }
    }
}

/// The leading run of digits (or of non-digits) and the rest.
fn split_run(text: &[u8], digits: bool) -> (&[u8], &[u8]) {
    let end = text.iter().position(|c| c.is_ascii_digit() != digits).unwrap_or(text.len());
    text.split_at(end)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|&c| c != b'0').unwrap_or(digits.len());
    &digits[start..]
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering::*;

    #[test]
    fn natural_order_compares_digit_runs_as_numbers() {
        assert_eq!(natural_cmp("cpu2", "cpu10"), Less);
        assert_eq!(natural_cmp("1.2.3", "1.11.3"), Less);
        assert_eq!(natural_cmp("4m600", "4m1000"), Less);
        assert_eq!(natural_cmp("a", "b"), Less);
        assert_eq!(natural_cmp("x1", "x1"), Equal);
        assert_eq!(natural_cmp("", "a"), Less);
    }
}
