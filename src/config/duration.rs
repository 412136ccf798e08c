//! Durations in Prometheus' configuration format (`1y2w3d4h5m6s7ms`, or `0`), as
//! `model.ParseDuration` in prometheus/common reads them and `model.Duration.String`
//! prints them, at millisecond precision.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
const YEAR: u64 = 365 * DAY;

/// Units from largest to smallest: a duration must use them in this order.
const UNITS: [(&str, u64); 7] =
    [("y", YEAR), ("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 1)];

/// Prometheus stores durations as Go `time.Duration` (int64 nanoseconds); anything
/// longer does not fit there, so it is rejected here too.
const MAX_MILLISECONDS: u64 = (i64::MAX as u64) / 1_000_000;

/// A non-negative duration with millisecond precision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    milliseconds: u64,
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a valid duration ({reason})")]
pub struct ParseDurationError {
    text: String,
    reason: &'static str,
}

impl Duration {
    /// The zero duration, which Prometheus' config reads as "unset" in most places.
    pub const ZERO: Duration = Duration { milliseconds: 0 };

    pub const fn from_milliseconds(milliseconds: u64) -> Self {
        Duration { milliseconds }
    }

    pub const fn from_seconds(seconds: u64) -> Self {
        Duration { milliseconds: seconds * SECOND }
    }

    pub const fn from_minutes(minutes: u64) -> Self {
        Duration { milliseconds: minutes * MINUTE }
    }

    pub const fn milliseconds(self) -> u64 {
        self.milliseconds
    }

    pub const fn is_zero(self) -> bool {
        self.milliseconds == 0
    }

    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.milliseconds)
    }

    /// Parses Prometheus' duration syntax.
    pub fn parse(text: &str) -> Result<Self, ParseDurationError> {
        let fail = |reason| ParseDurationError { text: text.to_string(), reason };
        match text {
            "0" => return Ok(Duration::ZERO),
            "" => return Err(fail("empty")),
            _ => {}
        }
        let mut rest = text;
        let mut next_unit = 0;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(fail("expected a number"));
            }
            let (number, after) = rest.split_at(digits);
            let unit_length = after.bytes().take_while(|b| !b.is_ascii_digit()).count();
            if unit_length == 0 {
                return Err(fail("missing unit; use y, w, d, h, m, s or ms"));
            }
            let (unit, after) = after.split_at(unit_length);
            let position =
                UNITS[next_unit..].iter().position(|(name, _)| *name == unit).map(|offset| next_unit + offset);
            let Some(position) = position else {
                let known = UNITS.iter().any(|(name, _)| *name == unit);
                return Err(fail(if known {
                    "units must go from largest to smallest, each at most once"
                } else {
                    "unknown unit; use y, w, d, h, m, s or ms"
                }));
            };
            let value: u64 = number.parse().map_err(|_| fail("out of range"))?;
            let part = value.checked_mul(UNITS[position].1).ok_or_else(|| fail("out of range"))?;
            total = total.checked_add(part).ok_or_else(|| fail("out of range"))?;
            if total > MAX_MILLISECONDS {
                return Err(fail("out of range"));
            }
            next_unit = position + 1;
            rest = after;
        }
        Ok(Duration::from_milliseconds(total))
    }
}

impl fmt::Display for Duration {
    /// Prints the canonical form: years and weeks only when they divide the
    /// duration exactly (so `90d` stays `90d`, not `12w6d`), then the rest greedily.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.milliseconds;
        if rest == 0 {
            return formatter.write_str("0s");
        }
        for (name, size) in UNITS {
            let exact_only = size == YEAR || size == WEEK;
            if exact_only && rest % size != 0 {
                continue;
            }
            let count = rest / size;
            if count > 0 {
                write!(formatter, "{count}{name}")?;
                rest -= count * size;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = ParseDurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Duration::parse(text)
    }
}

impl From<Duration> for std::time::Duration {
    fn from(duration: Duration) -> Self {
        duration.to_std()
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }
}

/// Accepts strings and, because YAML reads `0` as a number, integers too.
struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a duration such as 30s, 5m or 1h30m")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        Duration::parse(text).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Duration, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Duration, E> {
        self.visit_str(&number.to_string())
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<Duration, E> {
        self.visit_str(&number.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_unit_in_order() {
        let text = "1y2w3d4h5m6s7ms";
        let expected = YEAR + 2 * WEEK + 3 * DAY + 4 * HOUR + 5 * MINUTE + 6 * SECOND + 7;
        assert_eq!(Duration::parse(text).unwrap().milliseconds(), expected);
    }

    #[test]
    fn zero_is_allowed_bare_and_with_units() {
        assert_eq!(Duration::parse("0").unwrap(), Duration::ZERO);
        assert_eq!(Duration::parse("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_bad_syntax_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("5x", "unknown unit"),
            ("15", "missing unit"),
            ("1m1h", "largest to smallest"),
            ("1s1s", "largest to smallest"),
            ("-1s", "expected a number"),
            ("1.5s", "unknown unit"),
            ("1 s", "unknown unit"),
            ("300000y", "out of range"),
            ("99999999999999999999s", "out of range"),
        ];
        for (text, reason) in cases {
            let error = Duration::parse(text).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{text:?} is not a valid duration")), "{error}");
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn prints_prometheus_canonical_form() {
        let cases = [
            ("0", "0s"),
            ("90m", "1h30m"),
            ("90d", "90d"),
            ("14d", "2w"),
            ("365d", "1y"),
            ("1500ms", "1s500ms"),
            ("1w1d", "8d"),
            ("2h", "2h"),
        ];
        for (text, printed) in cases {
            assert_eq!(Duration::parse(text).unwrap().to_string(), printed, "{text}");
        }
    }

    #[test]
    fn deserializes_strings_and_zero_integer_from_yaml() {
        let value: Duration = serde_saphyr::from_str("1m30s").unwrap();
        assert_eq!(value, Duration::from_seconds(90));
        let zero: Duration = serde_saphyr::from_str("0").unwrap();
        assert_eq!(zero, Duration::ZERO);
        assert!(serde_saphyr::from_str::<Duration>("30").is_err());
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_value(milliseconds in 0u64..=MAX_MILLISECONDS) {
            let duration = Duration::from_milliseconds(milliseconds);
            prop_assert_eq!(Duration::parse(&duration.to_string()).unwrap(), duration);
        }
    }
}
