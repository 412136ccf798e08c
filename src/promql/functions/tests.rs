//! Dispatch tests and cross-checks against cases of Prometheus'
//! `promql/promqltest/testdata/functions.test`, worked out by hand.

use super::*;

fn series(start_ms: i64, step_ms: i64, values: &[f64]) -> Vec<Sample> {
    values.iter().enumerate().map(|(i, &v)| Sample::new(start_ms + i as i64 * step_ms, v)).collect()
}

fn range(name: &str, samples: &[Sample], window: (i64, i64), args: &[f64]) -> Option<f64> {
    range_function(name, samples, window.0, window.1, args).unwrap()
}

fn relatively_close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0)
}

#[test]
fn range_dispatch_names_every_function() {
    let samples = series(10_000, 10_000, &[1.0, 2.0, 4.0]);
    let window = (0, 30_000);
    let expected = [
        ("count_over_time", 3.0),
        ("last_over_time", 4.0),
        ("first_over_time", 1.0),
        ("present_over_time", 1.0),
        ("min_over_time", 1.0),
        ("max_over_time", 4.0),
        ("sum_over_time", 7.0),
        ("ts_of_last_over_time", 30.0),
        ("ts_of_first_over_time", 10.0),
        ("ts_of_max_over_time", 30.0),
        ("resets", 0.0),
        ("changes", 2.0),
        ("idelta", 2.0),
        ("irate", 0.2),
    ];
    for (name, value) in expected {
        assert_eq!(range(name, &samples, window, &[]), Some(value), "{name}");
    }
    assert_eq!(range("quantile_over_time", &samples, window, &[0.5]), Some(2.0));
    assert!(range("holt_winters", &samples, window, &[0.5, 0.5]).is_some());
}

#[test]
fn empty_windows_give_no_output_for_every_function() {
    for name in ["count_over_time", "last_over_time", "present_over_time", "rate", "deriv", "changes"] {
        assert_eq!(range(name, &[], (0, 1000), &[]), None, "{name}");
    }
}

#[test]
fn range_dispatch_rejects_unknown_names_and_bad_arity() {
    let error = range_function("rate_over_time", &[], 0, 1, &[]).unwrap_err();
    assert_eq!(error, Error::UnknownFunction("rate_over_time".into()));
    let error = range_function("rate", &[], 0, 1, &[1.0]).unwrap_err();
    assert_eq!(error.to_string(), "function rate expects no scalar argument(s), got 1");
    assert!(range_function("predict_linear", &[], 0, 1, &[]).is_err());
    assert!(range_function("double_exponential_smoothing", &[], 0, 1, &[0.5]).is_err());
}

#[test]
fn instant_dispatch() {
    assert_eq!(instant_function("abs", -3.0, &[]), Ok(Some(3.0)));
    assert_eq!(instant_function("round", 2.5, &[]), Ok(Some(3.0)));
    assert_eq!(instant_function("round", 7.0, &[5.0]), Ok(Some(5.0)));
    assert_eq!(instant_function("clamp", 7.0, &[0.0, 5.0]), Ok(Some(5.0)));
    assert_eq!(instant_function("clamp", 7.0, &[5.0, 0.0]), Ok(None));
    assert_eq!(instant_function("clamp_min", -7.0, &[0.0]), Ok(Some(0.0)));
    assert_eq!(instant_function("clamp_max", 7.0, &[0.0]), Ok(Some(0.0)));
    assert_eq!(instant_function("year", 1_136_239_445.0, &[]), Ok(Some(2006.0)));
    assert_eq!(instant_function("day_of_week", 0.0, &[]), Ok(Some(4.0)));
    assert_eq!(instant_function("hour", 1_136_239_445.0, &[]), Ok(Some(22.0)));
    assert_eq!(instant_function("minute", 1_136_239_445.0, &[]), Ok(Some(4.0)));
    assert!(matches!(instant_function("nope", 1.0, &[]), Err(Error::UnknownFunction(_))));
    assert!(matches!(instant_function("abs", 1.0, &[1.0]), Err(Error::ArgumentCount { .. })));
    assert!(matches!(instant_function("clamp", 1.0, &[1.0]), Err(Error::ArgumentCount { .. })));
}

#[test]
fn smoothing_errors_format_like_go() {
    let error = range_function("double_exponential_smoothing", &[], 0, 1, &[f64::INFINITY, 0.5]).unwrap_err();
    assert_eq!(error.to_string(), "invalid smoothing factor. Expected: 0 < sf < 1, got: +Inf");
}

#[test]
fn avg_over_time_extreme_values() {
    let window = (-5_000, 55_000);
    // functions.test uses 9.988465674311579e+307: twice it overflows.
    let big = f64::MAX * 0.6;
    assert_eq!(range("avg_over_time", &series(0, 10_000, &[big, big]), window, &[]), Some(big));
    assert_eq!(range("avg_over_time", &series(0, 10_000, &[-big, big]), window, &[]), Some(0.0));
    let detail = series(0, 10_000, &[1.0, 1e100, 1.0, -1e100]);
    assert_eq!(range("avg_over_time", &detail, window, &[]), Some(0.5));
    let small = series(0, 5_000, &[1e10, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6]);
    let average = range("avg_over_time", &small, window, &[]).unwrap();
    assert!(relatively_close(average, 1.6666666666666675e9), "{average}");
    let mixed = [-1.78264e215, 0.76342771, 1.9592258, 2.258e220, 7.69805412, 1.78264e215, -458.90154];
    let average = range("avg_over_time", &series(0, 5_000, &mixed), window, &[]).unwrap();
    assert!(relatively_close(average, 3.225714285714286e219), "{average}");
}

#[test]
fn avg_over_time_infinities() {
    let window = (-5_000, 55_000);
    let inf = f64::INFINITY;
    assert_eq!(range("avg_over_time", &series(0, 10_000, &[inf, 0.0, inf]), window, &[]), Some(inf));
    let cancelling = series(0, 10_000, &[1.0, 2.0, 3.0, inf, -inf]);
    assert!(range("avg_over_time", &cancelling, window, &[]).unwrap().is_nan());
}

#[test]
fn double_exponential_smoothing_reproduces_a_line() {
    // functions.test: 0+40x2000 every 10s, [1m] at 8000s with sf 0.01, tf 0.1 → 32000.
    let values: Vec<f64> = (795..=800).map(|i| 40.0 * f64::from(i)).collect();
    let samples = series(7_950_000, 10_000, &values);
    let args = [0.01, 0.1];
    let smoothed = range("double_exponential_smoothing", &samples, (7_940_000, 8_000_000), &args).unwrap();
    assert!(relatively_close(smoothed, 32000.0), "{smoothed}");
}

#[test]
fn irate_and_idelta_propagate_nan() {
    // functions.test: 1 NaN NaN 5 11 every 5m; [15m1s] at 20m → irate 0.02, idelta 6.
    let samples = series(0, 300_000, &[1.0, f64::NAN, f64::NAN, 5.0, 11.0]);
    let window = (1_200_000 - 901_000, 1_200_000);
    assert!(relatively_close(range("irate", &samples, window, &[]).unwrap(), 0.02));
    assert_eq!(range("idelta", &samples, window, &[]), Some(6.0));
    assert!(range("irate", &samples[..3], window, &[]).unwrap().is_nan());
}

#[test]
fn rate_matches_deriv_on_a_regular_counter() {
    // functions.test: 0+80x10 every 5m, rate and deriv over [50m] at 50m → 0.26666….
    let values: Vec<f64> = (1..=10).map(|i| 80.0 * f64::from(i)).collect();
    let samples = series(300_000, 300_000, &values);
    let rate = range("rate", &samples, (0, 3_000_000), &[]).unwrap();
    let deriv = range("deriv", &samples, (0, 3_000_000), &[]).unwrap();
    assert!(relatively_close(rate, 0.26666666666666666), "{rate}");
    assert!(relatively_close(deriv, 0.26666666666666666), "{deriv}");
}
