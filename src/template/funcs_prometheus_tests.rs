//! Prometheus and Alertmanager functions, with expectations from their
//! test suites (prometheus template_test.go, common helpers/templates).

use super::super::Template;
use super::*;

fn run(funcs: &FuncMap, text: &str) -> Result<String, String> {
    let t = Template::parse("t", text, funcs).map_err(|e| e.to_string())?;
    t.execute(&Value::Nil, &[]).map_err(|e| e.to_string())
}

fn prom(text: &str) -> String {
    run(&prometheus_funcs(), text).unwrap_or_else(|e| format!("ERR {e}"))
}

fn am(text: &str) -> String {
    run(&alertmanager_funcs(), text).unwrap_or_else(|e| format!("ERR {e}"))
}

#[test]
fn humanize_uses_si_prefixes() {
    let cases = [
        (0.0, "0"),
        (1.0, "1"),
        (1234567.0, "1.235M"),
        (12345678912.0, "12.35G"),
        (-1234567.0, "-1.235M"),
        (0.001, "1m"),
        (0.000001234, "1.234u"),
        (1e30, "1e+06Y"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
    ];
    for (v, want) in cases {
        assert_eq!(humanize(v), want, "{v}");
    }
    assert_eq!(prom("{{ 1234567 | humanize }} {{ \"2048\" | humanize }}"), "1.235M 2.048k");
    assert_eq!(
        prom("{{ humanize \"x\" }}"),
        "ERR template: t:1:3: executing \"t\" at <humanize \"x\">: error calling humanize: strconv.ParseFloat: parsing \"x\": invalid syntax"
    );
}

#[test]
fn humanize1024_uses_binary_prefixes() {
    let cases = [
        (0.0, "0"),
        (1.0, "1"),
        (1024.0, "1ki"),
        (1536.0, "1.5ki"),
        (1048576.0, "1Mi"),
        (1.5 * 1024f64.powi(4), "1.5Ti"),
    ];
    for (v, want) in cases {
        assert_eq!(humanize1024(v), want, "{v}");
    }
}

#[test]
fn humanize_duration_matches_prometheus_common() {
    let cases = [
        (0.0, "0s"),
        (1.0, "1s"),
        (60.0, "1m 0s"),
        (3600.0, "1h 0m 0s"),
        (86400.0, "1d 0h 0m 0s"),
        (86400.0 + 3600.0, "1d 1h 0m 0s"),
        (-(86400.0 * 2.0 + 3600.0 * 3.0 + 60.0 * 4.0 + 5.0), "-2d 3h 4m 5s"),
        (899.99, "14m 59s"),
        (0.1, "100ms"),
        (0.0001, "100us"),
        (0.12345, "123.5ms"),
        (60.1, "1m 0s"),
        (1.2345, "1.234s"),
        (12.345, "12.35s"),
        (1234567.0, "14d 6h 56m 7s"),
    ];
    for (v, want) in cases {
        assert_eq!(humanize_duration(v), want, "{v}");
    }
    assert_eq!(prom("{{ \".1\" | humanizeDuration }} {{ -1 | humanizeDuration }}"), "100ms -1s");
}

#[test]
fn percentages_and_timestamps() {
    assert_eq!(prom("{{ 0.1234567 | humanizePercentage }} {{ 1 | humanizePercentage }}"), "12.35% 100%");
    let cases = [
        ("0", "1970-01-01 00:00:00 +0000 UTC"),
        ("-1", "1969-12-31 23:59:59 +0000 UTC"),
        ("1234567", "1970-01-15 06:56:07 +0000 UTC"),
        ("9223372036", "2262-04-11 23:47:16 +0000 UTC"),
        ("1435065584.128", "2015-06-23 13:19:44.128 +0000 UTC"),
        ("\"1435065584.128\"", "2015-06-23 13:19:44.128 +0000 UTC"),
        ("\"+Inf\"", "+Inf"),
        ("\"NaN\"", "NaN"),
    ];
    for (arg, want) in cases {
        assert_eq!(prom(&format!("{{{{ humanizeTimestamp {arg} }}}}")), want, "{arg}");
    }
    assert!(prom("{{ humanizeTimestamp 9223372036854775807 }}").contains("overflows int64"));
    assert_eq!(
        prom("{{ (toTime 1435065584.128).Format \"2006-01-02T15:04:05.000Z07:00\" }}"),
        "2015-06-23T13:19:44.128Z"
    );
}

#[test]
fn string_functions() {
    assert_eq!(prom("{{ title \"aa bb CC it's\" }}"), "Aa Bb CC It's");
    assert_eq!(am("{{ title \"aa bb CC it's\" }}"), "Aa Bb Cc It's");
    assert_eq!(prom("{{ toUpper \"aBß\" }} {{ toLower \"ABC\" }}"), "ABß abc");
    assert_eq!(prom("{{ match \"a+\" \"caat\" }} {{ match \"^b\" \"caat\" }}"), "true false");
    assert!(prom("{{ match \"(\" \"x\" }}").contains("error calling match: error parsing regexp"));
    assert_eq!(prom("{{ reReplaceAll \"(a)b\" \"x$1\" \"abab\" }}"), "xaxa");
    assert_eq!(prom("{{ reReplaceAll \":.*\" \"\" \"host:9090\" }}"), "host");
    assert_eq!(
        prom("{{ \"node1.example.com:9100\" | stripPort }} {{ \"node1.example.com:9100\" | stripDomain }}"),
        "node1.example.com node1:9100"
    );
    assert_eq!(prom("{{ parseDuration \"1h2m10ms\" }}"), "3720.01");
    assert_eq!(prom("{{ with args 1 \"a\" }}{{ .arg0 }} {{ .arg1 }}{{ end }}"), "1 a");
    assert_eq!(prom("{{ safeHtml \"<b>\" }}"), "<b>");
    assert_eq!(prom("{{ graphLink \"up == 0\" }}"), "/graph?g0.expr=up+%3D%3D+0&g0.tab=0");
    assert_eq!(
        prom("{{ toUpper 1 }}"),
        "ERR template: t:1:3: executing \"t\" at <toUpper 1>: error calling toUpper: wrong type for value; expected string; got int"
    );
}

#[test]
fn alertmanager_functions() {
    assert_eq!(am("{{ stringSlice \"a\" \"b\" | join \", \" }}"), "a, b");
    assert_eq!(am("{{ trimSpace \"  x \" }}|{{ \"a%2Fb+c\" | urlUnescape }}"), "x|a/b c");
    assert_eq!(am("{{ toJson (stringSlice \"a\" \"<\") }}"), "[\"a\",\"\\u003c\"]");
    assert_eq!(am("{{ humanizeDuration 90 }}"), "1m 30s");
    assert!(am("{{ join \",\" 1 }}").contains("expected []string; got int"));
    assert!(am("{{ stringSlice 1 }}").contains("expected string; got int"));
}

#[test]
fn alertmanager_time_functions() {
    let funcs = alertmanager_funcs();
    let text = "{{ date \"2006-01-02 15:04\" .T }} {{ (tz \"UTC\" .T).Format \"15:04 MST\" }} {{ .T.Unix }}";
    let t = Template::parse("t", text, &funcs).unwrap();
    let time = GoTime::utc_from_nanos(1_257_894_245_000_000_000);
    let data = Value::map([("T", Value::object(time))]);
    assert_eq!(t.execute(&data, &[]).unwrap(), "2009-11-10 23:04 23:04 UTC 1257894245");
    let t = Template::parse("t", "{{ tz \"Europe/Nowhere\" .T }}", &funcs).unwrap();
    assert!(t.execute(&data, &[]).unwrap_err().to_string().contains("unknown time zone Europe/Nowhere"));
    // `since` of a time one hour ago.
    let hour_ago = GoTime::utc_from_nanos(GoTime::now().unix_nanos - 3_600_000_000_000);
    let t = Template::parse("t", "{{ since .T | humanizeDuration }}", &funcs).unwrap();
    let out = t.execute(&Value::map([("T", Value::object(hour_ago))]), &[]).unwrap();
    assert!(out.starts_with("1h 0m"), "{out}");
}

#[test]
fn alert_vars_predeclare_prometheus_variables() {
    let mut t = Template::new("a").with_funcs(&prometheus_funcs()).with_vars(&ALERT_VARS);
    t.parse_text("{{ $labels.instance }} {{ $value | humanize }} {{ $externalLabels.cluster }} {{ $externalURL }}")
        .unwrap();
    let vars = alert_vars(
        Value::string_map([("instance", "a:9100")]),
        Value::string_map([("cluster", "eu")]),
        "http://prom",
        Value::Float(0.25),
    );
    assert_eq!(t.execute(&Value::Nil, &vars).unwrap(), "a:9100 250m eu http://prom");
}
