//! Request parameters as Prometheus reads them: from the query string and,
//! for POST, a form body; repeated keys such as `match[]`.

use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use crate::series::{MatchOp, Matcher};

use super::error::ApiError;
use super::time::parse_time;

/// The earliest and latest times the API accepts, as Prometheus' `MinTime`/`MaxTime`.
pub const MIN_TIME: i64 = i64::MIN / 2;
pub const MAX_TIME: i64 = i64::MAX / 2;

/// Decoded key/value pairs of one request.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn from_request(method: &Method, query: Option<&str>, headers: &HeaderMap, body: &Bytes) -> Self {
        let mut pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
        let is_form = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if *method == Method::POST && is_form {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        Params(pairs)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// A time parameter, or `default` when absent or empty.
    pub fn time(&self, key: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(default),
            Some(text) => parse_time(text).ok_or_else(|| {
                ApiError::bad_data(format!("invalid parameter \"{key}\": cannot parse \"{text}\" to a valid timestamp"))
            }),
        }
    }

    /// `start` and `end`, checked as Prometheus checks them.
    pub fn time_range(&self) -> Result<(i64, i64), ApiError> {
        let start = self.time("start", MIN_TIME)?;
        let end = self.time("end", MAX_TIME)?;
        if end < start {
            return Err(ApiError::bad_data("invalid parameter \"end\": end timestamp must not be before start time"));
        }
        Ok((start, end))
    }

    /// `limit`: a non-negative integer, 0 or absent meaning none.
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.get("limit") {
            None | Some("") => Ok(0),
            Some(text) => text.parse::<usize>().map_err(|_| {
                ApiError::bad_data(format!(
                    "invalid parameter \"limit\": cannot parse \"{text}\" to a non-negative integer"
                ))
            }),
        }
    }

    /// `partial_response` (Thanos' name): whether a cluster read may answer
    /// from the replicas that answered, with a warning, when some token
    /// range lacks a read quorum. Off unless asked for.
    pub fn partial_response(&self) -> Result<bool, ApiError> {
        match self.get("partial_response") {
            None | Some("") => Ok(false),
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::bad_data(format!(
                    "invalid parameter \"partial_response\": cannot parse \"{text}\" as a boolean"
                ))),
            },
        }
    }

    /// Every `match[]` selector as matcher sets (a selector with `or` gives several).
    pub fn selectors(&self) -> Result<Vec<Vec<Matcher>>, ApiError> {
        let mut sets = Vec::new();
        for text in self.all("match[]") {
            sets.extend(parse_selector(text)?);
        }
        Ok(sets)
    }
}

/// Parses a series selector such as `up{job="node"}` into matcher sets.
pub fn parse_selector(text: &str) -> Result<Vec<Vec<Matcher>>, ApiError> {
    let invalid = |e: String| ApiError::bad_data(format!("invalid parameter \"match[]\": {e}"));
    let expr = promql_parser::parser::parse(text).map_err(invalid)?;
    let promql_parser::parser::Expr::VectorSelector(selector) = expr else {
        return Err(invalid(format!("{text:?} is not a series selector")));
    };
    let convert = |m: &promql_parser::label::Matcher| -> Result<Matcher, ApiError> {
        let op = match &m.op {
            promql_parser::label::MatchOp::Equal => MatchOp::Equal,
            promql_parser::label::MatchOp::NotEqual => MatchOp::NotEqual,
            promql_parser::label::MatchOp::Re(_) => MatchOp::Regex,
            promql_parser::label::MatchOp::NotRe(_) => MatchOp::NotRegex,
        };
        Matcher::new(op, m.name.clone(), m.value.clone()).map_err(|e| invalid(e.to_string()))
    };
    let mut base: Vec<Matcher> = Vec::new();
    if let Some(name) = &selector.name {
        base.push(Matcher::equal(crate::series::METRIC_NAME, name.clone()));
    }
    let groups: Vec<&Vec<promql_parser::label::Matcher>> = match selector.matchers.or_matchers.is_empty() {
        true => vec![&selector.matchers.matchers],
        false => selector.matchers.or_matchers.iter().collect(),
    };
    let mut sets = Vec::new();
    for group in groups {
        let mut set = base.clone();
        for m in group {
            let converted = convert(m)?;
            if !set.contains(&converted) {
                set.push(converted);
            }
        }
        if set.iter().all(|m| m.matches_empty()) {
            return Err(invalid("match[] must contain at least one non-empty matcher".to_string()));
        }
        sets.push(set);
    }
    Ok(sets)
}

/// The tenant of a request: `X-Scope-OrgID`, or the default tenant.
pub fn tenant(headers: &HeaderMap) -> Result<String, ApiError> {
    Ok(crate::series::tenant_from_header(headers.get("x-scope-orgid").map(|v| v.as_bytes()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_become_matchers() {
        let sets = parse_selector(r#"up{job="node",instance=~"a.*"}"#).unwrap();
        let rendered: Vec<String> = sets[0].iter().map(|m| m.to_string()).collect();
        assert_eq!(rendered, vec![r#"__name__="up""#, r#"job="node""#, r#"instance=~"a.*""#]);
    }

    #[test]
    fn empty_matching_selectors_are_refused() {
        let err = parse_selector(r#"{job=~".*"}"#).unwrap_err();
        assert!(err.message.contains("at least one non-empty matcher"), "{}", err.message);
        assert!(parse_selector("rate(x[5m])").is_err());
        assert!(parse_selector("up{").is_err());
    }
}
