//! Unit tests of the runner, on inline scripts with queries any engine answers
//! (bare selectors, literals), so they hold for the real engine as well.

use super::*;
use crate::promql::script::parse_script;

fn run(input: &str) -> (Vec<(usize, Outcome)>, Vec<String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run_script(&parse_script(input), &Backend::Local))
}

#[test]
fn loads_then_evaluates_with_lookback_and_staleness() {
    let input = "load 1m\n  m{a=\"x\"} 1 2 stale 4\n  n 5\n\n\
                 eval instant at 1m m\n  m{a=\"x\"} 2\n\n\
                 eval instant at 2m m\n\n\
                 eval range from 0 to 3m step 1m m\n  m{a=\"x\"} 1 2 _ 4\n\n\
                 eval instant at 1m m\n  m{a=\"x\"} 3\n\n\
                 eval instant at 0 7\n  7\n";
    let (outcomes, notes) = run(input);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(outcomes[0], (5, Outcome::Passed));
    assert_eq!(outcomes[1], (8, Outcome::Passed));
    assert_eq!(outcomes[2], (10, Outcome::Passed));
    assert!(matches!(&outcomes[3], (13, Outcome::Failed(m)) if m.contains("expected 3")), "{outcomes:?}");
    assert_eq!(outcomes[4], (16, Outcome::Passed));
}

#[test]
fn clear_drops_loaded_data_and_later_loads_add_up() {
    let input =
        "load 1m\n  m 1 2\n\nload 1m\n  m _ _ 3\n\neval instant at 2m m\n  m 3\n\nclear\n\neval instant at 2m m\n";
    let (outcomes, _) = run(input);
    assert_eq!(outcomes, vec![(7, Outcome::Passed), (12, Outcome::Passed)]);
}

#[test]
fn histogram_dependent_evals_are_skipped() {
    let input = "load 1m\n  h {{schema:0 count:1}} 2\n  f 1\n\n\
                 eval instant at 1m h\n  h 2\n\n\
                 eval instant at 0 f\n  f {{count:1}}\n\n\
                 load_with_nhcb 1m\n  c_bucket{le=\"1\"} 1\n\n\
                 eval instant at 0 c\n\n\
                 eval instant at 0 f\n  f 1\n";
    let (outcomes, _) = run(input);
    let skipped = Outcome::Skipped(NATIVE_HISTOGRAMS.into());
    assert_eq!(outcomes, vec![(5, skipped.clone()), (8, skipped.clone()), (14, skipped), (16, Outcome::Passed)]);
}

#[test]
fn start_timestamp_series_are_not_loaded_and_their_evals_skipped() {
    let input = "load 1m\n  c{a=\"1\"}@st _ -30s\n  c{a=\"1\"} _ 5\n  d 1\n\neval instant at 1m c\n\neval instant at 0 d\n  d 1\n";
    let (outcomes, notes) = run(input);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(outcomes, vec![(6, Outcome::Skipped(START_TIMESTAMPS.into())), (8, Outcome::Passed)]);
}

#[test]
fn failures_are_checked_against_the_expected_error() {
    let input = "eval instant at 0 m{\n  expect fail\n\n\
                 eval instant at 0 m{\n  expect fail regex: ^$\n\n\
                 eval instant at 0 m\n  expect fail\n\n\
                 eval instant at 0 m{\n";
    let (outcomes, _) = run(input);
    assert_eq!(outcomes[0], (1, Outcome::Passed));
    assert!(matches!(&outcomes[1], (4, Outcome::Failed(m)) if m.starts_with("expected an error matching pattern")));
    assert!(matches!(&outcomes[2], (7, Outcome::Failed(m)) if m.contains("succeeded")));
    assert!(matches!(&outcomes[3], (10, Outcome::Failed(m)) if m.starts_with("query failed")));
}

#[test]
fn unparsable_blocks_are_reported() {
    let (outcomes, notes) = run("load 1m\n  m 1 zz\n\neval instant at 1x m\n");
    assert!(matches!(&outcomes[..], [(4, Outcome::Skipped(_))]), "{outcomes:?}");
    assert!(notes[0].starts_with("line 1: skipped:"), "{notes:?}");
}

#[test]
fn expression_names_find_selected_metrics() {
    let names: Vec<&str> = expression_names("rate(http_requests{job=\"a.b\"}[5m]) + on(x) {\"my.metric\"}").collect();
    assert!(names.contains(&"http_requests") && names.contains(&"my.metric"), "{names:?}");
    assert_eq!(classic_histogram_base("x_bucket"), Some("x".into()));
    assert_eq!(classic_histogram_base("x"), None);
}
