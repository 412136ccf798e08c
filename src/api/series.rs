//! `/api/v1/series`, `/api/v1/labels` and `/api/v1/label/<name>/values`.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method};
use bytes::Bytes;

use crate::series::partial::with_partial_responses;
use crate::series::{Labels, Matcher, SelectHints};

use super::ApiState;
use super::error::ApiError;
use super::params::{Params, tenant};
use super::response::{ApiResult, Success};

const TRUNCATED: &str = "results truncated due to limit";

pub async fn series(
    State(state): State<ApiState>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Vec<BTreeMap<String, String>>> {
    let params = Params::from_request(&method, query.as_deref(), &headers, &body);
    let tenant = tenant(&headers)?;
    let selectors = params.selectors()?;
    if selectors.is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let (start, end) = params.time_range()?;
    let limit = params.limit()?;
    let hints = SelectHints { mint: start, maxt: end, labels_only: true, limit: 0 };
    let queryable = &state.query()?.queryable;
    let (found, missing) = with_partial_responses(params.partial_response()?, async {
        let mut found: Vec<Labels> = Vec::new();
        for matchers in &selectors {
            found.extend(queryable.select(&tenant, &hints, matchers).await?.into_iter().map(|s| s.labels));
        }
        Ok::<_, crate::series::Error>(found)
    })
    .await;
    let mut found = found?;
    found.sort();
    found.dedup();
    let truncated = limit > 0 && found.len() > limit;
    if truncated {
        found.truncate(limit);
    }
    let data = found.into_iter().map(|l| l.into_vec().into_iter().map(|l| (l.name, l.value)).collect()).collect();
    Ok(with_missing(with_truncation(Success::new(data), truncated), missing))
}

pub async fn label_names(
    State(state): State<ApiState>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Vec<String>> {
    let params = Params::from_request(&method, query.as_deref(), &headers, &body);
    let tenant = tenant(&headers)?;
    let (hints, selectors, limit) = common(&params)?;
    let queryable = &state.query()?.queryable;
    let (names, missing) = with_partial_responses(params.partial_response()?, async {
        let mut names = Vec::new();
        for matchers in &selectors {
            names.extend(queryable.label_names(&tenant, &hints, matchers).await?);
        }
        Ok::<_, crate::series::Error>(names)
    })
    .await;
    Ok(with_missing(finish(names?, selectors.len(), limit), missing))
}

pub async fn label_values(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Vec<String>> {
    let name = unescape_label_name(&name).ok_or_else(|| ApiError::bad_data(format!("invalid label name: {name:?}")))?;
    let params = Params::from_request(&method, query.as_deref(), &headers, &body);
    let tenant = tenant(&headers)?;
    let (hints, selectors, limit) = common(&params)?;
    let queryable = &state.query()?.queryable;
    let (values, missing) = with_partial_responses(params.partial_response()?, async {
        let mut values = Vec::new();
        for matchers in &selectors {
            values.extend(queryable.label_values(&tenant, &name, &hints, matchers).await?);
        }
        Ok::<_, crate::series::Error>(values)
    })
    .await;
    Ok(with_missing(finish(values?, selectors.len(), limit), missing))
}

/// The time range, selectors (one empty set when there are none) and limit.
fn common(params: &Params) -> Result<(SelectHints, Vec<Vec<Matcher>>, usize), ApiError> {
    let (start, end) = params.time_range()?;
    let mut selectors = params.selectors()?;
    if selectors.is_empty() {
        selectors.push(Vec::new());
    }
    Ok((SelectHints { mint: start, maxt: end, labels_only: true, limit: 0 }, selectors, params.limit()?))
}

fn finish(mut values: Vec<String>, sources: usize, limit: usize) -> Success<Vec<String>> {
    if sources > 1 {
        values.sort_unstable();
        values.dedup();
    }
    let truncated = limit > 0 && values.len() > limit;
    if truncated {
        values.truncate(limit);
    }
    with_truncation(Success::new(values), truncated)
}

/// Warnings first about what a partial answer lacks.
fn with_missing<T: serde::Serialize>(mut success: Success<T>, missing: Vec<String>) -> Success<T> {
    success.warnings.splice(0..0, missing);
    success
}

fn with_truncation<T: serde::Serialize>(success: Success<T>, truncated: bool) -> Success<T> {
    if truncated { success.warn(TRUNCATED) } else { success }
}

/// A label name from a URL path: UTF-8 names arrive escaped as `U__…`
/// (`_` as `__`, other characters as `_<hex code point>_`), as Prometheus 3 does.
pub fn unescape_label_name(name: &str) -> Option<String> {
    let Some(escaped) = name.strip_prefix("U__") else {
        return (!name.is_empty()).then(|| name.to_string());
    };
    let mut out = String::new();
    let mut chars = escaped.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '_' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'_') {
            chars.next();
            out.push('_');
            continue;
        }
        let hex: String = chars.by_ref().take_while(|&c| c != '_').collect();
        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_names_decode() {
        assert_eq!(unescape_label_name("job").as_deref(), Some("job"));
        assert_eq!(unescape_label_name("U__my_2e_name").as_deref(), Some("my.name"));
        assert_eq!(unescape_label_name("U__a__b").as_deref(), Some("a_b"));
        assert_eq!(unescape_label_name("U__bad_zz_"), None);
        assert_eq!(unescape_label_name(""), None);
    }
}
