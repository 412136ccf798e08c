use super::*;
use crate::calendar::days_from_civil;

/// Milliseconds since the epoch of a UTC date and time.
fn at(year: i64, month: i64, day: i64, hour: i64, minute: i64) -> i64 {
    (days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60) * 1000
}

fn interval(yaml: &str) -> TimeInterval {
    serde_saphyr::from_str(yaml).unwrap_or_else(|error| panic!("{yaml}: {error}"))
}

fn error(yaml: &str) -> String {
    match serde_saphyr::from_str::<TimeInterval>(yaml) {
        Ok(parsed) => panic!("{yaml} parsed as {parsed:?}"),
        Err(error) => error.without_snippet().to_string(),
    }
}

#[test]
fn fields_are_anded_and_list_items_ored() {
    // 2024-03-04 is a Monday.
    let business_hours = interval("times: [{start_time: '09:00', end_time: '17:00'}]\nweekdays: ['monday:friday']\n");
    let cases = [
        (at(2024, 3, 4, 9, 0), true),
        (at(2024, 3, 4, 16, 59), true),
        (at(2024, 3, 4, 17, 0), false),
        (at(2024, 3, 4, 8, 59), false),
        (at(2024, 3, 9, 12, 0), false),
        (at(2024, 3, 8, 12, 0), true),
        (at(2024, 3, 10, 12, 0), false),
    ];
    for (instant, expected) in cases {
        assert_eq!(business_hours.contains(instant), expected, "{instant}");
    }
    let either = interval(
        "weekdays: [saturday, sunday]\ntimes: [{start_time: '00:00', end_time: '01:00'}, {start_time: '23:00', end_time: '24:00'}]\n",
    );
    assert!(either.contains(at(2024, 3, 9, 23, 30)));
    assert!(either.contains(at(2024, 3, 10, 0, 30)));
    assert!(!either.contains(at(2024, 3, 10, 12, 0)));
    assert!(!either.contains(at(2024, 3, 11, 0, 30)));
}

#[test]
fn negative_days_count_from_the_end_of_each_month() {
    let last_three = interval("days_of_month: ['-3:-1']");
    assert!(last_three.contains(at(2024, 2, 27, 0, 0)));
    assert!(!last_three.contains(at(2024, 2, 26, 23, 59)));
    assert!(last_three.contains(at(2023, 2, 26, 0, 0)));
    assert!(last_three.contains(at(2024, 1, 31, 12, 0)));
    assert!(!last_three.contains(at(2024, 1, 28, 12, 0)));
    let mixed = interval("days_of_month: ['25:-1']");
    assert!(mixed.contains(at(2024, 4, 30, 0, 0)) && !mixed.contains(at(2024, 4, 24, 0, 0)));
    // A start beyond the month's end matches nothing that month; an end beyond it is clamped.
    let late = interval("days_of_month: ['30:31']");
    assert!(!late.contains(at(2024, 2, 29, 0, 0)));
    assert!(late.contains(at(2024, 4, 30, 0, 0)));
}

#[test]
fn months_years_and_names() {
    let winter = interval("months: ['december', 'JANUARY:2']\nyears: ['2024:2025', 2030]\n");
    assert!(winter.contains(at(2024, 12, 24, 0, 0)));
    assert!(winter.contains(at(2025, 2, 28, 0, 0)));
    assert!(!winter.contains(at(2025, 3, 1, 0, 0)));
    assert!(!winter.contains(at(2026, 1, 1, 0, 0)));
    assert!(winter.contains(at(2030, 1, 1, 0, 0)));
}

#[test]
fn fixed_offset_locations_shift_the_clock() {
    // Etc/GMT-2 is UTC+2: 07:30 UTC is 09:30 there.
    let east = interval("times: [{start_time: '09:00', end_time: '10:00'}]\nlocation: Etc/GMT-2\n");
    assert!(east.contains(at(2024, 3, 4, 7, 30)));
    assert!(!east.contains(at(2024, 3, 4, 9, 30)));
    // Etc/GMT+5 is UTC-5: Monday 02:00 UTC is still Sunday there.
    let west = interval("weekdays: [sunday]\nlocation: Etc/GMT+5\n");
    assert!(west.contains(at(2024, 3, 4, 2, 0)));
    assert!(!west.contains(at(2024, 3, 4, 6, 0)));
    assert_eq!(Location::parse("").unwrap(), Location::utc());
    assert_eq!(Location::parse("Etc/GMT-14").unwrap().offset_seconds(), 14 * 3600);
    for unsupported in ["Europe/Berlin", "Local", "Etc/GMT+13", "Etc/GMT-15", "Etc/GMT+05", "Mars/Base"] {
        assert!(Location::parse(unsupported).is_err(), "{unsupported}");
    }
}

#[test]
fn empty_lists_match_nothing_and_no_fields_match_everything() {
    assert!(interval("{}").contains(at(1999, 12, 31, 23, 59)));
    assert!(interval("weekdays:\n").contains(at(1999, 12, 31, 23, 59)));
    assert!(!interval("weekdays: []").contains(at(1999, 12, 31, 23, 59)));
    assert!(interval("{}").contains(-1));
}

#[test]
fn rejects_with_upstream_messages() {
    let cases = [
        ("weekdays: ['friday:monday']", "start day cannot be before end day"),
        ("weekdays: ['funday']", "funday is not a valid weekday"),
        ("weekdays: ['1']", "1 is not a valid weekday"),
        ("weekdays: ['monday:tuesday:friday']", "couldn't parse range monday:tuesday:friday, invalid format"),
        ("days_of_month: ['0']", "0 is not a valid day of the month: out of range"),
        ("days_of_month: ['-32:-1']", "-32 is not a valid day of the month: out of range"),
        ("days_of_month: ['-3:5']", "end day must be negative if start day is negative"),
        ("days_of_month: ['-1:-3']", "end day -3 is always before start day -1"),
        ("days_of_month: ['10:2']", "end day 2 is always before start day 10"),
        ("days_of_month: ['x']", "strconv.Atoi: parsing \"x\": invalid syntax"),
        ("months: ['may:march']", "end month march is before start month may"),
        ("months: ['jan']", "jan is not a valid month"),
        ("years: ['2025:2020']", "end year 2020 is before start year 2025"),
        ("years: ['a']", "strconv.Atoi: parsing \"a\": invalid syntax"),
        ("times: [{start_time: '17:00', end_time: '09:00'}]", "start time cannot be equal or greater than end time"),
        ("times: [{start_time: '24:00', end_time: '24:00'}]", "start time cannot be equal or greater than end time"),
        ("times: [{start_time: '9:00', end_time: '10:00'}]", "couldn't parse timestamp 9:00, invalid format"),
        ("times: [{start_time: '23:60', end_time: '24:00'}]", "couldn't parse timestamp 23:60, invalid format"),
        ("times: [{start_time: '00:00', end_time: '24:01'}]", "couldn't parse timestamp 24:01, invalid format"),
        ("times: [{start_time: '09:00'}]", "both start and end times must be provided"),
        ("location: Europe/Berlin", "unknown or unsupported time zone Europe/Berlin"),
    ];
    for (yaml, message) in cases {
        let error = error(yaml);
        assert!(error.contains(message), "{yaml}: {error}");
    }
    assert!(error("time_zone: UTC").contains("unknown field"));
    assert!(error("times: [{start_time: '09:00', end_time: '10:00', zone: x}]").contains("unknown field"));
}

#[test]
fn upstream_leniencies_are_kept() {
    // Month numbers are not range-checked upstream; such months never occur.
    let odd = interval("months: ['13', '-1']");
    assert!(!odd.contains(at(2024, 1, 1, 0, 0)));
    assert!(interval("times: [{start_time: '00:00', end_time: '24:00'}]").contains(at(2024, 1, 1, 23, 59)));
}

#[test]
fn prints_in_upstream_form_and_reads_back() {
    let yaml = "times: [{start_time: '09:05', end_time: '24:00'}]\nweekdays: ['Monday:friday', sunday]\ndays_of_month: ['-3:-1', 7]\nmonths: ['january:march']\nyears: [2024]\nlocation: Etc/GMT+3\n";
    let parsed = interval(yaml);
    let printed = serde_saphyr::to_string(&parsed).unwrap();
    for expected in ["09:05", "24:00", "monday:friday", "sunday", "-3:-1", "\"7\"", "1:3", "\"2024\"", "Etc/GMT+3"] {
        assert!(printed.contains(expected), "{expected} in {printed}");
    }
    assert_eq!(interval(&printed), parsed);
}
