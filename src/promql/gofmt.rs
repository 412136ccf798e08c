//! Go's formatting of floats, strings and label sets, so that label values
//! and error messages read exactly as Prometheus writes them
//! (`strconv.FormatFloat(v, 'f', -1, 64)`, `%v`, `strconv.Quote`,
//! `labels.Labels.String`).

use crate::series::{Labels, is_legacy_label_name};

/// `strconv.FormatFloat(v, 'f', -1, 64)`: the shortest decimal that reads back
/// as `v`, never in exponent form; infinities as `+Inf`/`-Inf`.
pub fn float_decimal(v: f64) -> String {
    match special_float(v) {
        Some(text) => text.to_string(),
        // Rust's Display also prints the shortest round-tripping digits without an exponent.
        None => v.to_string(),
    }
}

/// Go's `%v` of a float64 (`'g'` with the shortest precision): exponent form
/// when the decimal exponent is below -4 or at least 6, as in `1e+06`.
pub fn float_general(v: f64) -> String {
    if let Some(text) = special_float(v) {
        return text.to_string();
    }
    if v == 0.0 {
        return v.to_string();
    }
    let scientific = format!("{v:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..6).contains(&exponent) {
        return v.to_string();
    }
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

fn special_float(v: f64) -> Option<&'static str> {
    match v {
        _ if v.is_nan() => Some("NaN"),
        f64::INFINITY => Some("+Inf"),
        f64::NEG_INFINITY => Some("-Inf"),
        _ => None,
    }
}

/// `strconv.Quote`: double quotes with Go escapes.
pub fn quote(text: &str) -> String {
    crate::template::go_quote(text)
}

/// Prometheus' `labels.Labels.String`: `{__name__="m", a="b"}`, the name
/// being an ordinary label here; names outside the legacy charset are quoted.
pub fn labels_string(labels: &Labels) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|label| {
            let name = match is_legacy_label_name(&label.name) {
                true => label.name.clone(),
                false => quote(&label.name),
            };
            format!("{name}={}", quote(&label.value))
        })
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_matches_go_f_minus_one() {
        let cases = [
            (1.0, "1"),
            (0.5, "0.5"),
            (-0.0, "-0"),
            (100.0, "100"),
            (1e21, "1000000000000000000000"),
            (1e-7, "0.0000001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_decimal(value), expected, "{value}");
        }
    }

    #[test]
    fn general_matches_go_percent_v() {
        let cases = [
            (i64::MAX as f64, "9.223372036854776e+18"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-10, "-2.5e-10"),
            (0.0, "0"),
            (3.0, "3"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_general(value), expected, "{value}");
        }
    }

    #[test]
    fn quote_escapes_like_go() {
        assert_eq!(quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(quote("\u{1}é"), "\"\\x01é\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn labels_string_lists_every_label() {
        let labels = Labels::from_pairs([("__name__", "dup_metric"), ("label", "alpha"), ("a.b", "x")]);
        assert_eq!(labels_string(&labels), r#"{__name__="dup_metric", "a.b"="x", label="alpha"}"#);
        assert_eq!(labels_string(&Labels::default()), "{}");
    }
}
