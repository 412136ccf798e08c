//! Time formatting against Go's time package outputs.

use super::*;

/// 2009-11-10 23:04:05.123456789 UTC, Go's playground time.
fn sample() -> GoTime {
    GoTime::utc_from_nanos(1_257_894_245_123_456_789)
}

#[test]
fn formats_go_layouts() {
    let cases = [
        ("2006-01-02T15:04:05Z07:00", "2009-11-10T23:04:05Z"),
        ("Mon Jan _2 15:04:05 2006", "Tue Nov 10 23:04:05 2009"),
        ("3:04PM", "11:04PM"),
        ("15:04:05.000", "23:04:05.123"),
        ("05.999999999", "05.123456789"),
        ("Jan 2, 2006 at 3:04pm (MST)", "Nov 10, 2009 at 11:04pm (UTC)"),
        ("002 __2", "314 314"),
        ("-07:00 -0700 Z0700", "+00:00 +0000 Z"),
        ("Monday January 06", "Tuesday November 09"),
        ("_2006 1/2", "_2009 11/10"),
        ("Jan Janet", "Nov Janet"),
    ];
    for (layout, want) in cases {
        assert_eq!(sample().format(layout), want, "{layout:?}");
    }
    assert_eq!(sample().to_string(), "2009-11-10 23:04:05.123456789 +0000 UTC");
}

#[test]
fn fixed_offsets_and_dates_before_1970() {
    let mut t = GoTime::utc_from_nanos(0);
    t.offset_seconds = -(5 * 3600 + 30 * 60);
    t.zone = String::new();
    assert_eq!(t.to_string(), "1969-12-31 18:30:00 -0530 -0530");
    assert_eq!(t.format("Z07:00 -07"), "-05:30 -05");
    let leap = GoTime::utc_from_nanos(951_782_400 * NANOS as i128); // 2000-02-29
    assert_eq!(leap.format("2006-01-02 002 Mon"), "2000-02-29 060 Tue");
}

#[test]
fn durations_print_like_go() {
    let cases = [
        (0, "0s"),
        (12, "12ns"),
        (100_000, "100µs"),
        (1_500_000, "1.5ms"),
        (1_500_000_000, "1.5s"),
        (3_661_000_000_000, "1h1m1s"),
        (-90_000_000_000, "-1m30s"),
        (3_600_000_000_000, "1h0m0s"),
    ];
    for (nanos, want) in cases {
        assert_eq!(GoDuration(nanos).to_string(), want, "{nanos}");
    }
}

#[test]
fn from_seconds_keeps_milliseconds() {
    assert_eq!(GoTime::from_seconds(1.2345678).unwrap().to_string(), "1970-01-01 00:00:01.234 +0000 UTC");
    assert_eq!(GoTime::from_seconds(-0.5).unwrap().to_string(), "1969-12-31 23:59:59.5 +0000 UTC");
    assert!(GoTime::from_seconds(1e19).is_err());
}

#[test]
fn methods_through_templates() {
    use super::super::{FuncMap, Template};
    let text = "{{ .T.Year }}-{{ .T.Month }}-{{ .T.Day }} {{ .T.Weekday }} {{ (.T.Add 3600e9).Hour }} {{ .T.UTC.Unix }} {{ printf \"%d\" (.T.Sub .T) }} {{ .T.Sub .T }}";
    let t = Template::parse("t", text, &FuncMap::new()).unwrap();
    let data = super::super::Value::map([("T", super::super::Value::object(sample()))]);
    assert_eq!(t.execute(&data, &[]).unwrap(), "2009-November-10 Tuesday 0 1257894245 0 0s");
}
