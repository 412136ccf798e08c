//! Unit tests of the test-file parser, on snippets of each construct.

use super::*;
use sonde::series::is_stale_nan;

fn only_eval(input: &str) -> Eval {
    match parse_script(input).pop() {
        Some(Command::Eval(eval)) => eval,
        other => panic!("expected an eval, got {other:?}"),
    }
}

fn values(points: &[Point]) -> Vec<Option<f64>> {
    points.iter().map(|p| if let Point::Value(v) = p { Some(*v) } else { None }).collect()
}

#[test]
fn load_expands_points_and_keeps_line_numbers() {
    let commands = parse_script("# header\n\nload 30s\n  up{job=\"a\"} 1+2x2 _ stale 4x1 -1-1x1 _x2 NaN -Inf\n");
    let [Command::Load(load)] = &commands[..] else { panic!("{commands:?}") };
    assert_eq!((load.line, load.step_ms, load.with_nhcb), (3, 30_000, false));
    let (labels, points) = &load.series[0];
    assert_eq!(labels, &vec![("__name__".into(), "up".into()), ("job".into(), "a".into())]);
    let got = values(points);
    assert_eq!(&got[..4], &[Some(1.0), Some(3.0), Some(5.0), None]);
    assert!(is_stale_nan(got[4].unwrap()));
    assert_eq!(&got[5..11], &[Some(4.0), Some(4.0), Some(-1.0), Some(-2.0), None, None]);
    assert!(got[11].unwrap().is_nan() && !is_stale_nan(got[11].unwrap()));
    assert_eq!(got[12], Some(f64::NEG_INFINITY));
}

#[test]
fn load_with_histograms_and_nhcb() {
    let input = "load_with_nhcb 1m\n  h_bucket{le=\"1\"} 0+1x2\n  m {{schema:0 sum:1 count:1 buckets:[1]}}x1 {{count:1}}+{{count:2}}x1 5\n";
    let commands = parse_script(input);
    let [Command::Load(load)] = &commands[..] else { panic!("{commands:?}") };
    assert!(load.with_nhcb);
    let points = &load.series[1].1;
    assert_eq!(points.len(), 5);
    assert_eq!(points[0], Point::Histogram("{{schema:0 sum:1 count:1 buckets:[1]}}".into()));
    assert_eq!(points[2], Point::Histogram("{{count:1}}+{{count:2}}".into()));
    assert_eq!(points[4], Point::Value(5.0));
}

#[test]
fn quoted_utf8_names_and_escapes() {
    let eval = only_eval("eval instant at 1m {\"my.metric\"}\n  {\"my.metric\", \"a b\"='x\\ny', c=`r\\aw`} 1\n");
    let Expected::Series(series) = &eval.expected else { panic!() };
    let want: LabelPairs =
        vec![("__name__".into(), "my.metric".into()), ("a b".into(), "x\ny".into()), ("c".into(), "r\\aw".into())];
    assert_eq!(series[0].labels, want);
    assert_eq!(series[0].points, vec![Point::Value(1.0)]);
}

#[test]
fn instant_eval_with_expectations() {
    let input = "eval instant at 1h30m sum by (env) (m)\n  expect ordered\n  expect warn msg: PromQL warning: x\n  expect warn regex: w[0-9]\n  expect no_info\n  {env=\"b\"} 2\n  {env=\"a\"} 1e3\n";
    let eval = only_eval(input);
    assert_eq!((eval.line, eval.kind), (1, EvalKind::Instant { at_ms: 5_400_000 }));
    assert_eq!(eval.expr, "sum by (env) (m)");
    assert!(eval.ordered && eval.fail.is_none());
    let Annotations::Matching(warn) = &eval.warn else { panic!("{:?}", eval.warn) };
    assert!(warn[0].matches("PromQL warning: x") && !warn[0].matches("PromQL warning: xy"));
    assert!(warn[1].matches("a w7 b"));
    assert!(matches!(eval.info, Annotations::Absent));
    let Expected::Series(series) = &eval.expected else { panic!() };
    assert_eq!(series.iter().map(|s| s.position).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(series[1].points, vec![Point::Value(1000.0)]);
}

#[test]
fn range_eval_and_blank_points() {
    let eval = only_eval("eval range from 0 to 2m step 30s rate(m[1m])\n  {} 1 _ 3 _x2\n");
    assert_eq!(eval.kind, EvalKind::Range { start_ms: 0, end_ms: 120_000, step_ms: 30_000 });
    let Expected::Series(series) = &eval.expected else { panic!() };
    assert!(series[0].labels.is_empty());
    assert_eq!(values(&series[0].points), vec![Some(1.0), None, Some(3.0), None, None]);
}

#[test]
fn scalars_strings_and_failures() {
    assert_eq!(only_eval("eval instant at 0 1 + 1\n  2\n").expected, Expected::Scalar(2.0));
    assert!(matches!(only_eval("eval instant at 0 0/0\n  NaN\n").expected, Expected::Scalar(v) if v.is_nan()));
    assert_eq!(only_eval("eval instant at 0 -Inf\n  -Inf\n").expected, Expected::Scalar(f64::NEG_INFINITY));
    assert_eq!(only_eval("eval instant at 0 \"a\"\n  expect string `a b`\n").expected, Expected::String("a b".into()));
    assert_eq!(only_eval("eval instant at 0 \"\"\n  expect string \"\"\n").expected, Expected::String(String::new()));
    let failing = only_eval("eval instant at 0 x\n  expect fail msg:bad thing\n");
    assert!(matches!(&failing.fail, Some(TextMatch::Exact(m)) if m == "bad thing"));
    let legacy = only_eval("eval_fail instant at 0 x\n");
    assert!(matches!(legacy.fail, Some(TextMatch::Any)));
    let pattern = only_eval("eval instant at 0 x\n  expect fail regex: conflicting (label|name)\n");
    assert!(pattern.fail.unwrap().matches("found conflicting label set"));
    assert!(matches!(only_eval("eval_warn instant at 0 x\n").warn, Annotations::Matching(_)));
}

#[test]
fn expect_range_vector_moves_the_evaluation_time() {
    let eval = only_eval("eval instant at 1m m[1m]\n  expect range vector from 10s to 1m step 10s\n  m 1 2 3\n");
    assert_eq!(eval.kind, EvalKind::Instant { at_ms: 60_000 });
    assert_eq!(eval.range_vector, Some(Window { start_ms: 10_000, end_ms: 60_000, step_ms: 10_000 }));
}

#[test]
fn clear_and_commands_following_in_one_block() {
    let commands = parse_script("clear\nload 1m\n  m 1\n\neval instant at 0 m\n  m 1\n");
    assert!(matches!(commands[0], Command::Clear { line: 1 }));
    assert!(matches!(&commands[1], Command::Load(load) if load.line == 2));
    assert!(matches!(&commands[2], Command::Eval(eval) if eval.line == 5));
}

#[test]
fn problems_become_skips_without_hiding_the_rest() {
    let input = "frobnicate 3\n  more\n\neval instant at 0 m\n  m 1 2\n\neval instant at 0 m\n  expect warn\n  expect no_warn\n\neval instant at 1x m\n\nload 1m\n  m 1 zz\n\neval range from 2m to 1m step 1m m\n\neval instant at 0 m\n  expect fail regex: (\n\neval instant at 0 m\n  m 1\n";
    let commands = parse_script(input);
    let skips: Vec<(usize, bool)> = commands
        .iter()
        .filter_map(|c| if let Command::Skip { line, eval, .. } = c { Some((*line, *eval)) } else { None })
        .collect();
    assert_eq!(skips, vec![(1, false), (4, true), (7, true), (11, true), (13, false), (16, true), (18, true)]);
    assert!(matches!(commands.last(), Some(Command::Eval(eval)) if eval.line == 21));
}

#[test]
fn durations_follow_prometheus() {
    use super::super::notation::parse_duration_ms;
    assert_eq!(parse_duration_ms("0"), Ok(0));
    assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
    assert_eq!(parse_duration_ms("10s53ms"), Ok(10_053));
    assert_eq!(parse_duration_ms("1d"), Ok(86_400_000));
    assert!(parse_duration_ms("30s1m").is_err());
    assert!(parse_duration_ms("").is_err());
    assert!(parse_duration_ms("5").is_err());
    assert!(parse_duration_ms("-1m").is_err());
}

#[test]
fn start_timestamp_lines_are_kept_apart() {
    let commands = parse_script("load 1m\n  c{a=\"1\"}@st _ -30s-1mx1\n  c{a=\"1\"} _ 0+60x1\n");
    let [Command::Load(load)] = &commands[..] else { panic!("{commands:?}") };
    assert_eq!(load.series.len(), 1);
    assert_eq!(load.start_timestamps[0].1, vec![Point::Omitted, Point::Value(-30.0), Point::Value(-90.0)]);
}
