//! The date functions (`year`, `month`, `day_of_month`, `day_of_week`,
//! `day_of_year`, `days_in_month`, `hour`, `minute`) on a Unix time in
//! seconds, in UTC, as Prometheus' `dateWrapper`: the value is truncated
//! towards zero to whole seconds first. Proleptic Gregorian calendar.

const SECONDS_PER_DAY: i64 = 86_400;
use crate::calendar::{civil_from_days, is_leap_year};

/// A calendar date and time of day in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    /// 1 = January.
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    /// 0 = Sunday, as Go's `time.Weekday`.
    pub day_of_week: u32,
    /// 1 = January 1st.
    pub day_of_year: u32,
}

impl CivilTime {
    /// The UTC time of `unix_seconds` truncated to whole seconds, or None when
    /// it is NaN, infinite or beyond ±2^63 seconds. (Upstream converts such
    /// values with Go's implementation-defined float-to-int conversion.)
    pub fn from_unix_seconds(unix_seconds: f64) -> Option<CivilTime> {
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if !unix_seconds.is_finite() || unix_seconds.abs() >= LIMIT {
            return None;
        }
        let seconds = unix_seconds.trunc() as i64;
        let days = seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Some(CivilTime {
            year,
            month,
            day,
            hour: (second_of_day / 3600) as u32,
            minute: (second_of_day % 3600 / 60) as u32,
            // 1970-01-01 was a Thursday.
            day_of_week: (days + 4).rem_euclid(7) as u32,
            day_of_year: days_before_month(year, month) + day,
        })
    }

    /// The number of days in this month.
    pub fn days_in_month(&self) -> u32 {
        match self.month {
            2 if is_leap_year(self.year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }
}

/// The value of date function `name` at `unix_seconds`: None when `name` is
/// not a date function, NaN when the time cannot be represented.
pub fn date_function(name: &str, unix_seconds: f64) -> Option<f64> {
    let part: fn(&CivilTime) -> f64 = match name {
        "year" => |t| t.year as f64,
        "month" => |t| f64::from(t.month),
        "day_of_month" => |t| f64::from(t.day),
        "day_of_week" => |t| f64::from(t.day_of_week),
        "day_of_year" => |t| f64::from(t.day_of_year),
        "days_in_month" => |t| f64::from(t.days_in_month()),
        "hour" => |t| f64::from(t.hour),
        "minute" => |t| f64::from(t.minute),
        _ => return None,
    };
    Some(CivilTime::from_unix_seconds(unix_seconds).as_ref().map_or(f64::NAN, part))
}

/// Days of `year` before the first of `month`.
fn days_before_month(year: i64, month: u32) -> u32 {
    const CUMULATIVE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap_day = u32::from(month > 2 && is_leap_year(year));
    CUMULATIVE[(month - 1) as usize] + leap_day
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(seconds: f64) -> CivilTime {
        CivilTime::from_unix_seconds(seconds).unwrap()
    }

    #[test]
    fn epoch_is_thursday_january_first_1970() {
        let epoch = at(0.0);
        assert_eq!((epoch.year, epoch.month, epoch.day), (1970, 1, 1));
        assert_eq!((epoch.day_of_week, epoch.day_of_year, epoch.hour, epoch.minute), (4, 1, 0, 0));
    }

    #[test]
    fn dates_from_functions_test() {
        // 2006-01-02 22:04:05 UTC.
        let t = at(1_136_239_445.0);
        assert_eq!((t.year, t.month, t.day, t.hour, t.minute), (2006, 1, 2, 22, 4));
        assert_eq!((t.day_of_year, t.day_of_week), (2, 1));
        assert_eq!(at(1_230_767_999.0).year, 2008);
        assert_eq!(at(1_230_768_000.0).year, 2009);
        assert_eq!((at(1_456_790_399.0).month, at(1_456_790_399.0).day), (2, 29));
        assert_eq!((at(1_456_790_400.0).month, at(1_456_790_400.0).day), (3, 1));
        assert_eq!(at(1_483_191_420.0).day_of_year, 366);
        assert_eq!(at(1_672_493_820.0).day_of_year, 365);
        assert_eq!(at(1_454_284_800.0).days_in_month(), 29);
        assert_eq!(at(1_485_907_200.0).days_in_month(), 28);
    }

    #[test]
    fn fractions_truncate_towards_zero() {
        // -0.5 truncates to 0 (still 1970), -1.5 to -1 (1969-12-31 23:59:59).
        assert_eq!(at(-0.5).year, 1970);
        let before = at(-1.5);
        assert_eq!((before.year, before.month, before.day, before.hour, before.minute), (1969, 12, 31, 23, 59));
        assert_eq!(before.day_of_week, 3);
        assert_eq!(at(59.9).minute, 0);
    }

    #[test]
    fn century_leap_rules() {
        // 2000-02-29 exists, 1900-02-29 does not.
        assert_eq!(date_function("days_in_month", 951_782_400.0), Some(29.0));
        assert_eq!(date_function("days_in_month", -2_206_310_400.0), Some(28.0));
    }

    #[test]
    fn unrepresentable_times_are_nan_and_unknown_names_none() {
        assert!(date_function("year", f64::NAN).unwrap().is_nan());
        assert!(date_function("hour", f64::INFINITY).unwrap().is_nan());
        assert!(date_function("year", 1e19).unwrap().is_nan());
        assert_eq!(date_function("week", 0.0), None);
    }

    /// Naive oracle: walk day by day from the epoch.
    fn walk(days: i64) -> (i64, u32, u32) {
        let (mut year, mut month, mut day) = (1970, 1, 1);
        let step = if days >= 0 { 1 } else { -1 };
        for _ in 0..days.abs() {
            let length =
                CivilTime { year, month, day, hour: 0, minute: 0, day_of_week: 0, day_of_year: 0 }.days_in_month();
            if step > 0 {
                day += 1;
                if day > length {
                    (day, month) = (1, month % 12 + 1);
                    year += i64::from(month == 1);
                }
            } else if day > 1 {
                day -= 1;
            } else {
                (month, year) = if month == 1 { (12, year - 1) } else { (month - 1, year) };
                day = CivilTime { year, month, day: 1, hour: 0, minute: 0, day_of_week: 0, day_of_year: 0 }
                    .days_in_month();
            }
        }
        (year, month, day)
    }

    proptest! {
        #[test]
        fn civil_dates_match_a_day_by_day_walk(days in -40_000i64..40_000) {
            prop_assert_eq!(civil_from_days(days), walk(days));
        }
    }
}
