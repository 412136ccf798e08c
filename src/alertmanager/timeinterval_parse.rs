//! Reading and printing the fields of a time interval: `"09:00"` times,
//! `monday:friday` weekday ranges, `-3:-1` days of the month, `january:3`
//! month ranges, year ranges and locations, with the checks and messages of
//! Alertmanager's timeinterval package.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::timeinterval::{DayOfMonthRange, InclusiveRange, Location, MonthRange, TimeRange, WeekdayRange, YearRange};

const WEEKDAYS: [&str; 7] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Why a time interval field was rejected; the text is upstream's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeIntervalError(String);

fn fail(message: impl Into<String>) -> TimeIntervalError {
    TimeIntervalError(message.into())
}

/// Go's `strconv.Atoi`, with its error text.
fn atoi(text: &str) -> Result<i64, TimeIntervalError> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(fail(format!("strconv.Atoi: parsing {text:?}: invalid syntax")));
    }
    text.parse().map_err(|_| fail(format!("strconv.Atoi: parsing {text:?}: value out of range")))
}

fn weekday_member(text: &str) -> Result<i64, TimeIntervalError> {
    let index = WEEKDAYS.iter().position(|name| *name == text);
    index.map(|index| index as i64).ok_or_else(|| fail(format!("{text} is not a valid weekday")))
}

fn month_member(text: &str) -> Result<i64, TimeIntervalError> {
    if let Some(index) = MONTHS.iter().position(|name| *name == text) {
        return Ok(index as i64 + 1);
    }
    atoi(text).map_err(|_| fail(format!("{text} is not a valid month")))
}

/// `a` or `a:b`, lower-cased first, each side read by `member`.
fn parse_range(
    text: &str,
    member: fn(&str) -> Result<i64, TimeIntervalError>,
) -> Result<InclusiveRange, TimeIntervalError> {
    let text = text.to_lowercase();
    if !text.contains(':') {
        let value = member(&text)?;
        return Ok(InclusiveRange { begin: value, end: value });
    }
    let parts: Vec<&str> = text.split(':').collect();
    let [begin, end] = parts[..] else {
        return Err(fail(format!("couldn't parse range {text}, invalid format")));
    };
    Ok(InclusiveRange { begin: member(begin)?, end: member(end)? })
}

impl WeekdayRange {
    pub fn parse(text: &str) -> Result<WeekdayRange, TimeIntervalError> {
        let range = parse_range(text, weekday_member)?;
        if range.begin > range.end {
            return Err(fail("start day cannot be before end day"));
        }
        Ok(WeekdayRange(range))
    }
}

impl DayOfMonthRange {
    pub fn parse(text: &str) -> Result<DayOfMonthRange, TimeIntervalError> {
        let range = parse_range(text, atoi)?;
        for day in [range.begin, range.end] {
            if day == 0 || !(-31..=31).contains(&day) {
                return Err(fail(format!("{day} is not a valid day of the month: out of range")));
            }
        }
        if range.begin < 0 && range.end > 0 {
            return Err(fail("end day must be negative if start day is negative"));
        }
        // Negative days are checked against the shortest month, 28 days, so
        // only ranges that are empty in every month are rejected.
        let shortest = |day: i64| if day < 0 { 28 + day } else { day };
        if shortest(range.begin) > shortest(range.end) {
            return Err(fail(format!("end day {} is always before start day {}", range.end, range.begin)));
        }
        Ok(DayOfMonthRange(range))
    }
}

impl MonthRange {
    /// Numbers are not checked against 1–12, as upstream does not check them.
    pub fn parse(text: &str) -> Result<MonthRange, TimeIntervalError> {
        let range = parse_range(text, month_member)?;
        if range.begin > range.end {
            let name = |month: i64| month_name(month).unwrap_or("");
            return Err(fail(format!("end month {} is before start month {}", name(range.end), name(range.begin))));
        }
        Ok(MonthRange(range))
    }
}

fn month_name(month: i64) -> Option<&'static str> {
    usize::try_from(month - 1).ok().and_then(|index| MONTHS.get(index)).copied()
}

impl YearRange {
    pub fn parse(text: &str) -> Result<YearRange, TimeIntervalError> {
        let range = parse_range(text, atoi)?;
        if range.begin > range.end {
            return Err(fail(format!("end year {} is before start year {}", range.end, range.begin)));
        }
        Ok(YearRange(range))
    }
}

/// `HH:MM` from 00:00 to 23:59, or 24:00, as minutes of the day.
fn parse_time(text: &str) -> Result<u32, TimeIntervalError> {
    let invalid = || fail(format!("couldn't parse timestamp {text}, invalid format"));
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' || !text.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit()) {
        return Err(invalid());
    }
    let hours = u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0');
    let minutes = u32::from(bytes[3] - b'0') * 10 + u32::from(bytes[4] - b'0');
    if minutes > 59 || hours > 24 || (hours == 24 && minutes != 0) {
        return Err(invalid());
    }
    Ok(hours * 60 + minutes)
}

impl TimeRange {
    pub fn parse(start: &str, end: &str) -> Result<TimeRange, TimeIntervalError> {
        if start.is_empty() || end.is_empty() {
            return Err(fail("both start and end times must be provided"));
        }
        let (start_minute, end_minute) = (parse_time(start)?, parse_time(end)?);
        if start_minute >= end_minute {
            return Err(fail("start time cannot be equal or greater than end time"));
        }
        Ok(TimeRange { start_minute, end_minute })
    }
}

/// Zone names that are UTC itself in the tz database.
const UTC_NAMES: [&str; 18] = [
    "",
    "UTC",
    "UCT",
    "GMT",
    "GMT0",
    "GMT+0",
    "GMT-0",
    "Zulu",
    "Universal",
    "Greenwich",
    "Etc/UTC",
    "Etc/UCT",
    "Etc/GMT",
    "Etc/GMT0",
    "Etc/Zulu",
    "Etc/Universal",
    "Etc/Greenwich",
    "Etc/GMT+0",
];

impl Location {
    /// UTC under any of its names, or `Etc/GMT±N`, whose POSIX-style sign is
    /// inverted (`Etc/GMT-2` is two hours east of UTC).
    pub fn parse(name: &str) -> Result<Location, TimeIntervalError> {
        if UTC_NAMES.contains(&name) || name == "Etc/GMT-0" {
            let name = if name.is_empty() { "UTC" } else { name };
            return Ok(Location { name: name.to_string(), offset_seconds: 0 });
        }
        if let Some(offset) = etc_gmt_offset(name) {
            return Ok(Location { name: name.to_string(), offset_seconds: offset });
        }
        Err(fail(format!(
            "unknown or unsupported time zone {name}: Sonde knows only UTC and the fixed offsets Etc/GMT-14 to Etc/GMT+12"
        )))
    }
}

fn etc_gmt_offset(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("Etc/GMT")?;
    let (sign, hours) = match rest.split_at_checked(1)? {
        ("+", hours) => (-1, hours),
        ("-", hours) => (1, hours),
        _ => return None,
    };
    if hours.starts_with('0') || !hours.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let known = if sign < 0 { hours <= 12 } else { hours <= 14 };
    known.then_some(sign * hours * 3600)
}

/// Reads a scalar as text, as Go's YAML decoder reads numbers into strings.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

macro_rules! range_serde {
    ($type:ident, $print:expr) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $type::parse(&text(deserializer)?).map_err(D::Error::custom)
            }
        }

        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&RangeText(self.0, $print))
            }
        }
    };
}

range_serde!(WeekdayRange, |day| WEEKDAYS.get(day as usize).map_or_else(|| day.to_string(), |name| name.to_string()));
range_serde!(DayOfMonthRange, |day: i64| day.to_string());
range_serde!(MonthRange, |month: i64| month.to_string());
range_serde!(YearRange, |year: i64| year.to_string());

/// `begin` or `begin:end`, as upstream prints ranges.
struct RangeText(InclusiveRange, fn(i64) -> String);

impl fmt::Display for RangeText {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RangeText(range, print) = self;
        if range.begin == range.end {
            return formatter.write_str(&print(range.begin));
        }
        write!(formatter, "{}:{}", print(range.begin), print(range.end))
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TimeRangeFields {
    #[serde(default, deserialize_with = "text")]
    start_time: String,
    #[serde(default, deserialize_with = "text")]
    end_time: String,
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = TimeRangeFields::deserialize(deserializer)?;
        TimeRange::parse(&fields.start_time, &fields.end_time).map_err(D::Error::custom)
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let clock = |minute: u32| format!("{:02}:{:02}", minute / 60, minute % 60);
        TimeRangeFields { start_time: clock(self.start_minute), end_time: clock(self.end_minute) }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Location::parse(&text(deserializer)?).map_err(D::Error::custom)
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}
