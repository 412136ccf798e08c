//! A query's answer in a form two systems can be compared in: the series of
//! a Prometheus API `vector` or `matrix` result, sorted by label set, each
//! with its points in time order. Two answers agree when they hold the same
//! label sets at the same timestamps and every value is within a relative
//! tolerance (summing in another order moves the last bits).

use std::cmp::Ordering;
use std::fmt;

/// Largest relative difference two agreeing values may have.
pub const RELATIVE_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Sorted by name.
    pub labels: Vec<(String, String)>,
    /// Millisecond timestamps in order, with their values.
    pub points: Vec<(i64, f64)>,
}

impl Answer {
    /// Reads the body of a successful `/api/v1/query` or `/api/v1/query_range`.
    pub fn parse(body: &str) -> Result<Answer, String> {
        let answer: serde_json::Value =
            serde_json::from_str(body).map_err(|error| format!("answer is not JSON: {error}"))?;
        if answer["status"] != "success" {
            return Err(format!("status is not success: {}", shorten(body)));
        }
        let data = &answer["data"];
        let point_key = match data["resultType"].as_str() {
            Some("vector") => "value",
            Some("matrix") => "values",
            other => return Err(format!("result type {other:?} is neither vector nor matrix")),
        };
        let result = data["result"].as_array().ok_or("result is not a list")?;
        let mut series = result.iter().map(|item| parse_series(item, point_key)).collect::<Result<Vec<_>, _>>()?;
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        Ok(Answer { series })
    }

    pub fn points(&self) -> usize {
        self.series.iter().map(|series| series.points.len()).sum()
    }

    /// Where `other` departs from `self`, or `None` when they agree.
    pub fn difference(&self, other: &Answer) -> Option<Difference> {
        let mut difference = Difference::default();
        let (mine, theirs) = (&self.series, &other.series);
        let (mut i, mut j) = (0, 0);
        while i < mine.len() || j < theirs.len() {
            let order = match (mine.get(i), theirs.get(j)) {
                (Some(a), Some(b)) => a.labels.cmp(&b.labels),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => difference.note(format!("{} missing", labels(&mine[i].labels))),
                Ordering::Greater => difference.note(format!("{} extra", labels(&theirs[j].labels))),
                Ordering::Equal => {
                    if let Some(problem) = point_difference(&mine[i].points, &theirs[j].points) {
                        difference.note(format!("{} {problem}", labels(&mine[i].labels)));
                    }
                }
            }
            i += usize::from(order != Ordering::Greater);
            j += usize::from(order != Ordering::Less);
        }
        (difference.series > 0).then_some(difference)
    }
}

/// How many series of two answers differ, and how the first one does.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Difference {
    pub series: usize,
    pub first: String,
}

impl Difference {
    fn note(&mut self, what: String) {
        if self.series == 0 {
            self.first = what;
        }
        self.series += 1;
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} series differ; first: {}", self.series, self.first)
    }
}

fn parse_series(item: &serde_json::Value, point_key: &str) -> Result<Series, String> {
    let metric = item["metric"].as_object().ok_or("a series has no metric")?;
    let mut labels: Vec<(String, String)> =
        metric.iter().map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_string())).collect();
    labels.sort();
    let points = match point_key {
        "value" => vec![parse_point(&item["value"])?],
        _ => item["values"]
            .as_array()
            .ok_or("a series has no values")?
            .iter()
            .map(parse_point)
            .collect::<Result<_, _>>()?,
    };
    Ok(Series { labels, points })
}

/// `[seconds, "value"]`; values are strings so that NaN and ±Inf survive JSON.
fn parse_point(point: &serde_json::Value) -> Result<(i64, f64), String> {
    let seconds = point[0].as_f64().ok_or_else(|| format!("bad timestamp in {point}"))?;
    let value = point[1].as_str().and_then(|text| text.parse::<f64>().ok());
    let value = value.ok_or_else(|| format!("bad value in {point}"))?;
    Ok(((seconds * 1000.0).round() as i64, value))
}

fn point_difference(expected: &[(i64, f64)], actual: &[(i64, f64)]) -> Option<String> {
    if expected.len() != actual.len() {
        return Some(format!("has {} points instead of {}", actual.len(), expected.len()));
    }
    expected.iter().zip(actual).find(|(a, b)| a.0 != b.0 || !values_agree(a.1, b.1)).map(|(a, b)| {
        if a.0 == b.0 {
            format!("at {:.3}: {} instead of {}", a.0 as f64 / 1000.0, b.1, a.1)
        } else {
            format!("has a point at {:.3} instead of {:.3}", b.0 as f64 / 1000.0, a.0 as f64 / 1000.0)
        }
    })
}

pub fn values_agree(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs())
}

fn labels(labels: &[(String, String)]) -> String {
    let pairs: Vec<String> = labels.iter().map(|(name, value)| format!("{name}={value:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

fn shorten(text: &str) -> String {
    text.chars().take(300).collect()
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    fn vector(items: &[(&str, &str)]) -> Answer {
        let result: Vec<String> = items
            .iter()
            .map(|(job, value)| format!(r#"{{"metric":{{"job":"{job}"}},"value":[1700000040,"{value}"]}}"#))
            .collect();
        let body =
            format!(r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#, result.join(","));
        Answer::parse(&body).unwrap()
    }

    #[test]
    fn order_and_last_bits_do_not_matter() {
        let a = vector(&[("b", "2"), ("a", "1.0000000000001")]);
        let b = vector(&[("a", "1"), ("b", "2")]);
        assert_eq!(a.series[0].labels, vec![("job".to_string(), "a".to_string())]);
        assert_eq!(a.series[0].points, vec![(1_700_000_040_000, 1.0000000000001)]);
        assert_eq!(a.difference(&b), None);
        assert_eq!(vector(&[("a", "NaN"), ("b", "+Inf")]).difference(&vector(&[("a", "NaN"), ("b", "+Inf")])), None);
    }

    #[test]
    fn values_series_and_points_that_differ_are_named() {
        let reference = vector(&[("a", "1"), ("b", "2")]);
        let difference = reference.difference(&vector(&[("a", "1.001"), ("c", "2")])).unwrap();
        assert_eq!(difference.series, 3);
        assert_eq!(difference.first, "{job=\"a\"} at 1700000040.000: 1.001 instead of 1");
        assert!(reference.difference(&vector(&[("a", "1")])).unwrap().first.contains("{job=\"b\"} missing"));
        assert!(vector(&[]).difference(&reference).unwrap().first.contains("extra"));
    }

    #[test]
    fn matrices_compare_point_by_point() {
        let body = |values: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{}},"values":[{values}]}}]}}}}"#
            )
        };
        let a = Answer::parse(&body(r#"[60,"1"],[120,"2"]"#)).unwrap();
        assert_eq!(a.points(), 2);
        assert_eq!(a.difference(&Answer::parse(&body(r#"[60,"1"],[120,"2"]"#)).unwrap()), None);
        let shifted = a.difference(&Answer::parse(&body(r#"[60,"1"],[180,"2"]"#)).unwrap()).unwrap();
        assert!(shifted.first.contains("has a point at 180.000 instead of 120.000"), "{shifted}");
        let short = a.difference(&Answer::parse(&body(r#"[60,"1"]"#)).unwrap()).unwrap();
        assert!(short.first.contains("has 1 points instead of 2"), "{short}");
    }

    #[test]
    fn errors_and_scalars_are_not_answers() {
        assert!(Answer::parse(r#"{"status":"error","error":"bad"}"#).unwrap_err().contains("not success"));
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#;
        assert!(Answer::parse(scalar).unwrap_err().contains("scalar"));
        assert!(Answer::parse("<html>").unwrap_err().contains("not JSON"));
    }
}
