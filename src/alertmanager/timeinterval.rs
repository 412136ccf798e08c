//! Time intervals (`time_intervals` in alertmanager.yml), as Alertmanager's
//! timeinterval package defines them: an instant is inside an interval when it
//! satisfies every field that is set (times of day, weekdays, days of the
//! month, months, years), each field being a list of alternatives. Negative
//! days of the month count from the month's end. Field parsing, with
//! upstream's messages, is in `timeinterval_parse`.
//!
//! Unlike upstream, `location` only knows UTC and fixed offsets (`UTC`,
//! `Etc/GMT-2`, …): Sonde carries no time zone database, so regional zones
//! with daylight saving time are rejected when the file is read.

use serde::{Deserialize, Serialize};

use crate::calendar::{civil_from_days, is_leap_year};

pub use super::timeinterval_parse::TimeIntervalError;

/// One set of constraints; `None` leaves a field unconstrained, while an
/// empty list (`weekdays: []`) matches nothing, as upstream's nil/empty
/// distinction does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeInterval {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<TimeRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<WeekdayRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_of_month: Option<Vec<DayOfMonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearRange>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Minutes of the day, `start_minute` inclusive, `end_minute` exclusive (up to 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start_minute: u32,
    pub end_minute: u32,
}

/// Both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InclusiveRange {
    pub begin: i64,
    pub end: i64,
}

impl InclusiveRange {
    fn contains(self, value: i64) -> bool {
        self.begin <= value && value <= self.end
    }
}

/// Days of the week, 0 = Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekdayRange(pub InclusiveRange);

/// Days of the month; -1 is the last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayOfMonthRange(pub InclusiveRange);

/// Months, 1 = January.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRange(pub InclusiveRange);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange(pub InclusiveRange);

/// A time zone with a fixed offset from UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub(super) name: String,
    pub(super) offset_seconds: i64,
}

impl Location {
    pub fn utc() -> Location {
        Location { name: "UTC".to_string(), offset_seconds: 0 }
    }

    /// The name as written (`UTC` for an empty one, as Go names it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of UTC.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds
    }
}

/// The calendar fields of an instant in some zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    weekday: i64,
    minute_of_day: u32,
    days_in_month: i64,
}

impl Civil {
    fn at(unix_ms: i64, offset_seconds: i64) -> Civil {
        let seconds = unix_ms.div_euclid(1000) + offset_seconds;
        let days = seconds.div_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month: i64::from(month),
            day: i64::from(day),
            // 1970-01-01 was a Thursday (4).
            weekday: (days + 4).rem_euclid(7),
            minute_of_day: (seconds.rem_euclid(86_400) / 60) as u32,
            days_in_month: days_in_month(year, i64::from(month)),
        }
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl TimeInterval {
    /// Whether the instant (milliseconds since the Unix epoch) is inside.
    pub fn contains(&self, unix_ms: i64) -> bool {
        let offset = self.location.as_ref().map_or(0, Location::offset_seconds);
        let civil = Civil::at(unix_ms, offset);
        let in_times = |ranges: &Vec<TimeRange>| {
            ranges
                .iter()
                .any(|range| range.start_minute <= civil.minute_of_day && civil.minute_of_day < range.end_minute)
        };
        self.times.as_ref().is_none_or(in_times)
            && self.days_of_month.as_ref().is_none_or(|ranges| ranges.iter().any(|range| range.contains_day(civil)))
            && any_contains(&self.months, |range| range.0, civil.month)
            && any_contains(&self.weekdays, |range| range.0, civil.weekday)
            && any_contains(&self.years, |range| range.0, civil.year)
    }
}

/// Unset lists accept everything; set ones need one range holding `value`.
fn any_contains<T: Copy>(ranges: &Option<Vec<T>>, inner: impl Fn(T) -> InclusiveRange, value: i64) -> bool {
    ranges.as_ref().is_none_or(|ranges| ranges.iter().any(|range| inner(*range).contains(value)))
}

impl DayOfMonthRange {
    /// Resolves negative days against the month's length, then clamps as
    /// upstream does so a range never spills into another month.
    fn contains_day(self, civil: Civil) -> bool {
        let length = civil.days_in_month;
        let resolve = |day: i64| if day < 0 { length + day + 1 } else { day };
        let (begin, end) = (resolve(self.0.begin), resolve(self.0.end));
        if begin > length {
            return false;
        }
        let begin = begin.clamp(-length, length);
        let end = end.clamp(-length, length);
        begin <= civil.day && civil.day <= end
    }
}

/// Whether any of the intervals contains the instant (how a route's
/// `mute_time_intervals` / `active_time_intervals` entry is evaluated).
pub fn any_contains_time(intervals: &[TimeInterval], unix_ms: i64) -> bool {
    intervals.iter().any(|interval| interval.contains(unix_ms))
}

#[cfg(test)]
#[path = "timeinterval_tests.rs"]
mod tests;
