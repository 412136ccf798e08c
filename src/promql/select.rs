//! Fetching what a query reads: every selector's series over exactly the
//! window its evaluations need (offsets, `@`, ranges, lookback and
//! subqueries accounted for), selected once per query through `Queryable`.

use std::collections::HashMap;

use promql_parser::parser::{AtModifier, Expr, Offset, VectorSelector};

use crate::series::{Labels, MatchOp, Matcher, Queryable, Sample, SelectHints, is_stale_nan};

use super::error::Error;

/// A selector's data: each series' samples, sorted, stale markers kept.
pub type SelectorData = Vec<(Labels, Vec<Sample>)>;

/// Data for every selector of a query, keyed by the selector's address in the AST.
#[derive(Default)]
pub struct QueryData {
    by_selector: HashMap<usize, SelectorData>,
    pub samples_loaded: usize,
}

impl QueryData {
    pub fn get(&self, selector: &VectorSelector) -> &[(Labels, Vec<Sample>)] {
        self.by_selector.get(&key(selector)).map_or(&[], |d| d.as_slice())
    }
}

fn key(selector: &VectorSelector) -> usize {
    selector as *const VectorSelector as usize
}

/// The evaluation times of a node: `[low, high]` in ms.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub low: i64,
    pub high: i64,
}

/// Settings that fix which times a query touches.
#[derive(Clone, Copy, Debug)]
pub struct TimeContext {
    pub start: i64,
    pub end: i64,
    pub lookback_ms: i64,
    pub subquery_step_ms: i64,
}

pub fn offset_ms(offset: &Option<Offset>) -> i64 {
    match offset {
        None => 0,
        Some(Offset::Pos(d)) => d.as_millis() as i64,
        Some(Offset::Neg(d)) => -(d.as_millis() as i64),
    }
}

/// The time an `@` modifier pins evaluation to, if any.
pub fn at_ms(at: &Option<AtModifier>, context: &TimeContext) -> Option<i64> {
    match at {
        None => None,
        Some(AtModifier::Start) => Some(context.start),
        Some(AtModifier::End) => Some(context.end),
        Some(AtModifier::At(time)) => Some(match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_millis() as i64,
            Err(e) => -(e.duration().as_millis() as i64),
        }),
    }
}

/// Evaluation times shifted by a node's `@` and offset.
pub fn shifted(window: Window, at: &Option<AtModifier>, offset: &Option<Offset>, context: &TimeContext) -> Window {
    let offset = offset_ms(offset);
    match at_ms(at, context) {
        Some(t) => Window { low: t - offset, high: t - offset },
        None => Window { low: window.low - offset, high: window.high - offset },
    }
}

/// Every selector with the `[mint, maxt]` its evaluations read.
pub fn plan<'e>(expr: &'e Expr, window: Window, context: &TimeContext, out: &mut Vec<(&'e VectorSelector, i64, i64)>) {
    match expr {
        Expr::VectorSelector(selector) => {
            let w = shifted(window, &selector.at, &selector.offset, context);
            out.push((selector, w.low - context.lookback_ms, w.high));
        }
        Expr::MatrixSelector(matrix) => {
            let w = shifted(window, &matrix.vs.at, &matrix.vs.offset, context);
            out.push((&matrix.vs, w.low - matrix.range.as_millis() as i64, w.high));
        }
        Expr::Subquery(subquery) => {
            let w = shifted(window, &subquery.at, &subquery.offset, context);
            let inner = Window { low: w.low - subquery.range.as_millis() as i64, high: w.high };
            plan(&subquery.expr, inner, context, out);
        }
        Expr::Aggregate(aggregate) => {
            plan(&aggregate.expr, window, context, out);
            if let Some(param) = &aggregate.param {
                plan(param, window, context, out);
            }
        }
        Expr::Unary(unary) => plan(&unary.expr, window, context, out),
        Expr::Binary(binary) => {
            plan(&binary.lhs, window, context, out);
            plan(&binary.rhs, window, context, out);
        }
        Expr::Paren(paren) => plan(&paren.expr, window, context, out),
        Expr::Call(call) => {
            for arg in &call.args.args {
                plan(arg, window, context, out);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Our matchers for a selector (its metric name included).
pub fn matchers(selector: &VectorSelector) -> Result<Vec<Matcher>, Error> {
    let mut out = Vec::new();
    if let Some(name) = &selector.name {
        out.push(Matcher::equal(crate::series::METRIC_NAME, name.clone()));
    }
    for m in &selector.matchers.matchers {
        let op = match &m.op {
            promql_parser::label::MatchOp::Equal => MatchOp::Equal,
            promql_parser::label::MatchOp::NotEqual => MatchOp::NotEqual,
            promql_parser::label::MatchOp::Re(_) => MatchOp::Regex,
            promql_parser::label::MatchOp::NotRe(_) => MatchOp::NotRegex,
        };
        out.push(Matcher::new(op, m.name.clone(), m.value.clone()).map_err(|e| Error::bad_data(e.to_string()))?);
    }
    Ok(out)
}

/// Selects every planned selector's data.
pub async fn fetch(
    queryable: &dyn Queryable,
    tenant: &str,
    planned: &[(&VectorSelector, i64, i64)],
    max_samples: usize,
) -> Result<QueryData, Error> {
    let mut data = QueryData::default();
    for &(selector, mint, maxt) in planned {
        let mut sets = vec![matchers(selector)?];
        if !selector.matchers.or_matchers.is_empty() {
            sets = selector
                .matchers
                .or_matchers
                .iter()
                .map(|group| {
                    let mut set: Vec<Matcher> =
                        selector.name.iter().map(|n| Matcher::equal(crate::series::METRIC_NAME, n.clone())).collect();
                    for m in group {
                        let single = VectorSelector::new(None, promql_parser::label::Matchers::new(vec![m.clone()]));
                        set.extend(matchers(&single).unwrap_or_default());
                    }
                    set
                })
                .collect();
        }
        let mut series: SelectorData = Vec::new();
        for set in &sets {
            // Left-open windows: a sample exactly at mint is outside.
            let hints = SelectHints::range(mint.saturating_add(1), maxt);
            for found in queryable.select(tenant, &hints, set).await? {
                let samples = found.samples(hints.mint, hints.maxt);
                data.samples_loaded += samples.iter().filter(|s| !is_stale_nan(s.v)).count();
                series.push((found.labels, samples));
            }
        }
        if data.samples_loaded > max_samples {
            return Err(Error {
                kind: super::error::ErrorKind::TooManySamples,
                message: "query processing would load too many samples into memory in query execution".into(),
            });
        }
        series.sort_by(|a, b| a.0.cmp(&b.0));
        series.dedup_by(|a, b| a.0 == b.0);
        let previous = data.by_selector.entry(key(selector)).or_default();
        merge_into(previous, series);
    }
    Ok(data)
}

/// Merges a second window of the same selector (a node planned twice).
fn merge_into(target: &mut SelectorData, more: SelectorData) {
    if target.is_empty() {
        *target = more;
        return;
    }
    for (labels, samples) in more {
        match target.binary_search_by(|(l, _)| l.cmp(&labels)) {
            Ok(i) => {
                let existing = &mut target[i].1;
                existing.extend(samples);
                existing.sort_by_key(|s| s.t);
                existing.dedup_by_key(|s| s.t);
            }
            Err(i) => target.insert(i, (labels, samples)),
        }
    }
}
