//! Unit tests of result comparison.

use super::*;
use crate::promql::script::{Command, parse_script};
use sonde::promql::QueryResult;
use sonde::series::stale_nan;

fn eval(input: &str) -> Eval {
    match parse_script(input).pop() {
        Some(Command::Eval(eval)) => eval,
        other => panic!("expected an eval, got {other:?}"),
    }
}

fn sample(pairs: &[(&str, &str)], v: f64) -> InstantSample {
    InstantSample { labels: Labels::from_pairs(pairs.iter().copied()), t: 0, v }
}

fn series(pairs: &[(&str, &str)], points: &[(i64, f64)]) -> RangeSeries {
    let samples = points.iter().map(|&(t, v)| Sample::new(t, v)).collect();
    RangeSeries { labels: Labels::from_pairs(pairs.iter().copied()), samples }
}

#[test]
fn almost_equal_is_relative_and_nan_aware() {
    assert!(almost_equal(1.0, 1.0 + 1e-7, EPSILON));
    assert!(!almost_equal(1.0, 1.0 + 1e-5, EPSILON));
    assert!(almost_equal(1e12, 1e12 + 1.0, EPSILON));
    assert!(!almost_equal(0.0, 1e-300, EPSILON));
    assert!(almost_equal(f64::NAN, stale_nan(), EPSILON));
    assert!(!almost_equal(f64::NAN, 0.0, EPSILON));
    assert!(almost_equal(f64::INFINITY, f64::INFINITY, EPSILON));
    assert!(!almost_equal(f64::INFINITY, f64::NEG_INFINITY, EPSILON));
    assert!(!almost_equal(f64::INFINITY, f64::MAX, EPSILON));
}

#[test]
fn vectors_match_by_label_set_in_any_order() {
    let e = eval("eval instant at 0 m\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2\n");
    let good = Value::Vector(vec![
        sample(&[("__name__", "m"), ("a", "2")], 2.0),
        sample(&[("__name__", "m"), ("a", "1")], 1.0),
    ]);
    assert_eq!(compare_value(&e, &good), Ok(()));
    let missing = Value::Vector(vec![sample(&[("__name__", "m"), ("a", "1")], 1.0)]);
    assert!(compare_value(&e, &missing).unwrap_err().contains("not found"));
    let extra = Value::Vector(vec![sample(&[("a", "1")], 1.0)]);
    assert!(compare_value(&e, &extra).unwrap_err().starts_with("unexpected series {a=\"1\"}"));
    let wrong = Value::Vector(vec![
        sample(&[("__name__", "m"), ("a", "1")], 1.1),
        sample(&[("__name__", "m"), ("a", "2")], 2.0),
    ]);
    assert_eq!(compare_value(&e, &wrong), Err("expected 1 for m{a=\"1\"} but got 1.1".to_string()));
}

#[test]
fn ordered_vectors_check_positions() {
    let e = eval("eval instant at 0 sort(m)\n  expect ordered\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2\n");
    let sorted = Value::Vector(vec![
        sample(&[("__name__", "m"), ("a", "1")], 1.0),
        sample(&[("__name__", "m"), ("a", "2")], 2.0),
    ]);
    assert_eq!(compare_value(&e, &sorted), Ok(()));
    let swapped = Value::Vector(vec![
        sample(&[("__name__", "m"), ("a", "2")], 2.0),
        sample(&[("__name__", "m"), ("a", "1")], 1.0),
    ]);
    assert!(compare_value(&e, &swapped).unwrap_err().contains("at position 2 but it was at 1"));
    let matrix = Value::Matrix(Vec::new());
    assert!(compare_value(&e, &matrix).unwrap_err().contains("ordered"));
}

#[test]
fn scalars_strings_and_nan() {
    let e = eval("eval instant at 0 0/0\n  NaN\n");
    assert_eq!(compare_value(&e, &Value::Scalar { t: 0, v: f64::NAN }), Ok(()));
    assert!(compare_value(&e, &Value::Scalar { t: 0, v: 1.0 }).is_err());
    assert!(compare_value(&e, &Value::Vector(Vec::new())).unwrap_err().contains("expected a scalar"));
    let s = eval("eval instant at 0 \"x\"\n  expect string \"x\"\n");
    assert_eq!(compare_value(&s, &Value::String { t: 0, v: "x".into() }), Ok(()));
    assert!(compare_value(&s, &Value::String { t: 0, v: "y".into() }).is_err());
    let empty = eval("eval instant at 0 m\n");
    assert_eq!(compare_value(&empty, &Value::Vector(Vec::new())), Ok(()));
    assert!(compare_value(&empty, &Value::Scalar { t: 0, v: 1.0 }).is_err());
}

#[test]
fn matrices_follow_the_steps_and_omitted_points() {
    let e = eval("eval range from 0 to 2m step 1m m\n  m{a=\"1\"} 1 _ 3\n  m{a=\"2\"} stale 2 _\n");
    let good = Value::Matrix(vec![
        series(&[("__name__", "m"), ("a", "1")], &[(0, 1.0), (120_000, 3.0)]),
        series(&[("__name__", "m"), ("a", "2")], &[(0, stale_nan()), (60_000, 2.0)]),
    ]);
    assert_eq!(compare_value(&e, &good), Ok(()));
    let shifted = Value::Matrix(vec![
        series(&[("__name__", "m"), ("a", "1")], &[(0, 1.0), (60_000, 3.0)]),
        series(&[("__name__", "m"), ("a", "2")], &[(0, f64::NAN), (60_000, 2.0)]),
    ]);
    assert!(compare_value(&e, &shifted).unwrap_err().contains("at t=120000, but it is at t=60000"));
    let unsorted = Value::Matrix(vec![
        series(&[("__name__", "m"), ("a", "2")], &[(0, 1.0)]),
        series(&[("__name__", "m"), ("a", "1")], &[(0, 1.0)]),
    ]);
    assert!(compare_value(&e, &unsorted).unwrap_err().contains("not sorted"));
    let short = Value::Matrix(vec![series(&[("__name__", "m"), ("a", "1")], &[(0, 1.0)])]);
    assert!(compare_value(&e, &short).unwrap_err().contains("expected 2 points"));
    let too_long = eval("eval range from 0 to 1m step 1m m\n  m 1 2 3\n");
    let one = Value::Matrix(vec![series(&[("__name__", "m")], &[(0, 1.0)])]);
    assert!(compare_value(&too_long, &one).unwrap_err().contains("cannot return this many"));
}

#[test]
fn range_vectors_of_instant_queries_use_their_window() {
    let e = eval("eval instant at 1m m[1m]\n  expect range vector from 20s to 1m step 20s\n  m 2 _ 4\n");
    let good = Value::Matrix(vec![series(&[("__name__", "m")], &[(20_000, 2.0), (60_000, 4.0)])]);
    assert_eq!(compare_value(&e, &good), Ok(()));
    let plain = eval("eval instant at 1m m\n  m 1\n");
    assert!(compare_value(&plain, &good).unwrap_err().contains("got a matrix"));
}

fn result(warnings: &[&str], infos: &[&str]) -> QueryResult {
    let text = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    QueryResult { value: Value::Vector(Vec::new()), warnings: text(warnings), infos: text(infos) }
}

#[test]
fn annotations_are_matched_both_ways() {
    let e = eval("eval instant at 0 m\n  expect warn msg: w1\n  expect no_info\n");
    assert_eq!(check_annotations(&e, &result(&["w1"], &[])), Ok(()));
    assert!(check_annotations(&e, &result(&[], &[])).unwrap_err().contains("none were found"));
    assert!(
        check_annotations(&e, &result(&["w1", "w2"], &[])).unwrap_err().contains("unexpected warn annotation \"w2\"")
    );
    assert!(check_annotations(&e, &result(&["w2"], &[])).unwrap_err().contains("matching message \"w1\""));
    assert!(check_annotations(&e, &result(&["w1"], &["i"])).unwrap_err().contains("unexpected info"));
    let unchecked = eval("eval instant at 0 m\n");
    assert_eq!(check_annotations(&unchecked, &result(&["w"], &["i"])), Ok(()));
    let any = eval("eval instant at 0 m\n  expect info\n");
    assert_eq!(check_annotations(&any, &result(&[], &["i1", "i2"])), Ok(()));
}
