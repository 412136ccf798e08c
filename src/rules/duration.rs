//! Durations in rule files, read as Prometheus reads them (`model.ParseDuration`
//! in prometheus/common model/time.go), with its error texts; the value itself
//! comes from Sonde's own duration type.

use crate::config::Duration;

use super::error::go_quote;

/// Parses a rule file duration; the error is Prometheus' text for it.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    Duration::parse(text).map_err(|_| duration_error(text))
}

fn duration_error(text: &str) -> String {
    const UNITS: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let invalid = || format!("not a valid duration string: {}", go_quote(text));
    if text.is_empty() {
        return "empty duration string".to_string();
    }
    let mut rest = text;
    let mut last_unit = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || rest[..digits].parse::<u64>().is_err() {
            return invalid();
        }
        rest = &rest[digits..];
        let unit_length = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        if unit_length == 0 {
            return invalid();
        }
        let unit = &rest[..unit_length];
        let Some(position) = UNITS.iter().position(|known| *known == unit) else {
            return format!("unknown unit {} in duration {}", go_quote(unit), go_quote(text));
        };
        if last_unit.is_some_and(|last| position <= last) {
            return invalid();
        }
        last_unit = Some(position);
        rest = &rest[unit_length..];
    }
    "duration out of range".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_errors_use_prometheus_wording() {
        let cases = [
            ("", "empty duration string"),
            ("5", "not a valid duration string: \"5\""),
            ("-1m", "not a valid duration string: \"-1m\""),
            ("1m1h", "not a valid duration string: \"1m1h\""),
            ("1.5m", "unknown unit \".\" in duration \"1.5m\""),
            ("5x", "unknown unit \"x\" in duration \"5x\""),
            ("300000y", "duration out of range"),
        ];
        for (text, message) in cases {
            assert_eq!(parse_duration(text).unwrap_err(), message, "{text:?}");
        }
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_minutes(90)));
    }
}
