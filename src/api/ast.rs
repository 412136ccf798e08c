//! `/api/v1/format_query` (the expression as Prometheus prettifies it) and
//! `/api/v1/parse_query` (the syntax tree as JSON, in the shape of
//! Prometheus' `translateAST`, which its UI's tree view reads).

use axum::extract::RawQuery;
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use promql_parser::label::Matchers;
use promql_parser::parser::{AtModifier, Expr, Offset, VectorMatchCardinality, VectorSelector};
use serde_json::{Value, json};

use super::error::ApiError;
use super::params::Params;
use super::response::{ApiResult, Success};

fn parsed(method: &Method, query: Option<&str>, headers: &HeaderMap, body: &Bytes) -> Result<Expr, ApiError> {
    let params = Params::from_request(method, query, headers, body);
    let text = params.get("query").unwrap_or("");
    super::query::parse_query(text)
}

pub async fn format_query(
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<String> {
    let expr = parsed(&method, query.as_deref(), &headers, &body)?;
    Ok(Success::new(expr.prettify()))
}

pub async fn parse_query(
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Value> {
    let expr = parsed(&method, query.as_deref(), &headers, &body)?;
    Ok(Success::new(translate(&expr)))
}

/// The syntax tree as Prometheus' API prints it.
pub fn translate(expr: &Expr) -> Value {
    match expr {
        Expr::Aggregate(a) => {
            let (grouping, without) = match &a.modifier {
                Some(m) => (m.labels().labels.clone(), !m.is_include()),
                None => (Vec::new(), false),
            };
            json!({
                "type": "aggregation",
                "op": a.op.to_string(),
                "expr": translate(&a.expr),
                "param": a.param.as_deref().map_or(Value::Null, translate),
                "grouping": grouping,
                "without": without,
            })
        }
        Expr::Binary(b) => {
            let matching = b.modifier.as_ref().map_or(Value::Null, |m| {
                let (card, include) = match &m.card {
                    VectorMatchCardinality::OneToOne => ("one-to-one", Vec::new()),
                    VectorMatchCardinality::ManyToOne(l) => ("many-to-one", l.labels.clone()),
                    VectorMatchCardinality::OneToMany(l) => ("one-to-many", l.labels.clone()),
                    VectorMatchCardinality::ManyToMany => ("many-to-many", Vec::new()),
                };
                let (labels, on) = match &m.matching {
                    Some(l) => (l.labels().labels.clone(), l.is_include()),
                    None => (Vec::new(), false),
                };
                json!({ "card": card, "labels": labels, "on": on, "include": include })
            });
            json!({
                "type": "binaryExpr",
                "op": b.op.to_string(),
                "lhs": translate(&b.lhs),
                "rhs": translate(&b.rhs),
                "matching": matching,
                "bool": b.modifier.as_ref().is_some_and(|m| m.return_bool),
            })
        }
        Expr::Call(c) => json!({
            "type": "call",
            "func": {
                "name": c.func.name,
                "argTypes": c.func.arg_types.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
                "variadic": c.func.variadic,
                "returnType": c.func.return_type.to_string(),
            },
            "args": c.args.args.iter().map(|a| translate(a)).collect::<Vec<_>>(),
        }),
        Expr::MatrixSelector(m) => {
            let mut json = selector(&m.vs, "matrixSelector");
            json["range"] = json!(m.range.as_millis() as i64);
            json
        }
        Expr::Subquery(s) => json!({
            "type": "subquery",
            "expr": translate(&s.expr),
            "range": s.range.as_millis() as i64,
            "offset": offset_ms(&s.offset),
            "step": s.step.map_or(0, |d| d.as_millis() as i64),
            "timestamp": timestamp(&s.at),
            "startOrEnd": start_or_end(&s.at),
        }),
        Expr::NumberLiteral(n) => json!({ "type": "numberLiteral", "val": go_float(n.val) }),
        Expr::Paren(p) => json!({ "type": "parenExpr", "expr": translate(&p.expr) }),
        Expr::StringLiteral(s) => json!({ "type": "stringLiteral", "val": s.val }),
        Expr::Unary(u) => json!({ "type": "unaryExpr", "op": "-", "expr": translate(&u.expr) }),
        Expr::VectorSelector(v) => selector(v, "vectorSelector"),
        Expr::Extension(_) => Value::Null,
    }
}

fn selector(v: &VectorSelector, kind: &str) -> Value {
    json!({
        "type": kind,
        "name": v.name.clone().unwrap_or_default(),
        "offset": offset_ms(&v.offset),
        "matchers": matchers(&v.matchers, v.name.as_deref()),
        "timestamp": timestamp(&v.at),
        "startOrEnd": start_or_end(&v.at),
    })
}

/// Prometheus lists the metric name as the last `__name__` matcher.
fn matchers(matchers: &Matchers, name: Option<&str>) -> Value {
    let mut out: Vec<Value> = matchers
        .matchers
        .iter()
        .map(|m| json!({ "name": m.name, "value": m.value, "type": m.op.to_string() }))
        .collect();
    let has_name = matchers.matchers.iter().any(|m| m.name == crate::series::METRIC_NAME);
    if let (Some(name), false) = (name, has_name) {
        out.push(json!({ "name": crate::series::METRIC_NAME, "value": name, "type": "=" }));
    }
    Value::Array(out)
}

fn offset_ms(offset: &Option<Offset>) -> i64 {
    match offset {
        Some(Offset::Pos(d)) => d.as_millis() as i64,
        Some(Offset::Neg(d)) => -(d.as_millis() as i64),
        None => 0,
    }
}

fn timestamp(at: &Option<AtModifier>) -> Value {
    match at {
        Some(AtModifier::At(time)) => {
            let ms = match time.duration_since(std::time::UNIX_EPOCH) {
                Ok(after) => after.as_millis() as i64,
                Err(before) => -(before.duration().as_millis() as i64),
            };
            json!(ms)
        }
        _ => Value::Null,
    }
}

fn start_or_end(at: &Option<AtModifier>) -> Value {
    match at {
        Some(AtModifier::Start) => json!("start"),
        Some(AtModifier::End) => json!("end"),
        _ => Value::Null,
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
fn go_float(v: f64) -> String {
    match v {
        v if v.is_nan() => "NaN".into(),
        v if v == f64::INFINITY => "+Inf".into(),
        v if v == f64::NEG_INFINITY => "-Inf".into(),
        v => format!("{v}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(query: &str) -> Value {
        translate(&crate::promql::parse(query).unwrap())
    }

    #[test]
    fn selectors_carry_name_matchers_offsets_and_at() {
        let got = tree(r#"rate(http_requests_total{job=~"api.*"}[5m] offset 1m @ end())"#);
        assert_eq!(got["type"], "call");
        assert_eq!(got["func"]["name"], "rate");
        assert_eq!(got["func"]["argTypes"], json!(["matrix"]));
        assert_eq!(got["func"]["returnType"], "vector");
        let matrix = &got["args"][0];
        assert_eq!(matrix["type"], "matrixSelector");
        assert_eq!((matrix["range"].as_i64(), matrix["offset"].as_i64()), (Some(300_000), Some(60_000)));
        assert_eq!(matrix["startOrEnd"], "end");
        assert_eq!(
            matrix["matchers"],
            json!([{"name": "job", "value": "api.*", "type": "=~"}, {"name": "__name__", "value": "http_requests_total", "type": "="}])
        );
    }

    #[test]
    fn operators_and_aggregations() {
        let got = tree("sum without (instance) (a) / on (job) group_left (team) b > bool 1");
        assert_eq!(got["type"], "binaryExpr");
        assert_eq!(got["op"], ">");
        assert_eq!(got["bool"], true);
        assert_eq!(got["rhs"], json!({"type": "numberLiteral", "val": "1"}));
        let division = &got["lhs"];
        assert_eq!(
            division["matching"],
            json!({"card": "many-to-one", "labels": ["job"], "on": true, "include": ["team"]})
        );
        assert_eq!(division["lhs"]["type"], "aggregation");
        assert_eq!(division["lhs"]["without"], true);
        assert_eq!(division["lhs"]["grouping"], json!(["instance"]));
        assert_eq!(tree("-(1.5)")["expr"]["expr"]["val"], "1.5");
        assert_eq!(tree("x[1h:5m]")["step"], 300_000);
    }
}
