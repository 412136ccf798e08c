//! The parse check of alerting rule label and annotation templates, as
//! `testTemplateParsing` in prometheus/prometheus model/rulefmt/rulefmt.go: each
//! value is parsed (not run) as template `__alert_<name>` behind the same four
//! variable definitions Prometheus puts in front of it, with every function an
//! alert template may call.

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::template::funcs_prometheus::{prometheus_funcs, to_float};
use crate::template::funcs_query::{query_funcs, url_funcs};
use crate::template::{FuncMap, GoDuration, MissingKey, Template, Value, query_escape};

/// What Prometheus writes in front of every alert template, on the same line,
/// so error line numbers are those of the user's text.
pub(crate) const TEMPLATE_PREFIX: &str =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// Parses `text` as an alert template of rule `alert`; the error is Go's, e.g.
/// `template: __alert_X:1: function "foo" not defined`.
pub(crate) fn check_template(alert: &str, text: &str) -> Result<(), String> {
    let mut template =
        Template::new(format!("__alert_{alert}")).with_funcs(alert_funcs()).with_missing_key(MissingKey::Zero);
    template.parse_text(&format!("{TEMPLATE_PREFIX}{text}")).map_err(|error| error.to_string())
}

/// The functions of Prometheus 3.x alert templates. Queries never run here.
fn alert_funcs() -> &'static FuncMap {
    static FUNCS: OnceLock<FuncMap> = OnceLock::new();
    FUNCS.get_or_init(|| {
        let mut funcs = prometheus_funcs();
        funcs.extend(&query_funcs(Arc::new(|_: &str| Err("queries are not run when checking rules".to_string()))));
        funcs.extend(&url_funcs(""));
        funcs.extend(&missing_funcs());
        funcs
    })
}

/// Prometheus 3.x functions that Sonde's `prometheus_funcs` lacks; they belong
/// there, and are defined here so templates using them pass the check.
pub(crate) fn missing_funcs() -> FuncMap {
    let mut funcs = FuncMap::new();
    funcs.insert("urlQueryEscape", |args| match args {
        [Value::String(text)] => Ok(Value::from(query_escape(text))),
        [other] => Err(format!("wrong type for value; expected string; got {}", other.type_name())),
        _ => Err(format!("wrong number of args for urlQueryEscape: want 1 got {}", args.len())),
    });
    funcs.insert("toDuration", |args| match args {
        [value] => Ok(Value::object(GoDuration((to_float(value)? * 1e9) as i64))),
        _ => Err(format!("wrong number of args for toDuration: want 1 got {}", args.len())),
    });
    funcs.insert("now", |args| match args {
        [] => Ok(Value::Float(now_seconds())),
        _ => Err(format!("wrong number of args for now: want 0 got {}", args.len())),
    });
    funcs
}

/// Wall-clock time in seconds at millisecond precision (Prometheus' `now` gives
/// the evaluation time, which for a parse check is the current time).
fn now_seconds() -> f64 {
    let milliseconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis());
    milliseconds as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_prometheus_alert_templates_use() {
        let texts = [
            "{{ $labels.instance }} of {{ $labels.job }} is down",
            "{{ $value | humanize }} {{ $value | humanizePercentage }} {{ humanizeDuration 90 }}",
            "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
            "{{ range query \"up\" | sortByLabel \"job\" }}{{ label \"job\" . }}{{ end }}",
            "{{ $externalURL }}{{ externalURL }}{{ pathPrefix }} {{ $externalLabels.region }}",
            "{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance | toUpper | title }}",
            "{{ graphLink \"up\" }} {{ tableLink \"up\" }} {{ stripPort \"a:1\" }} {{ stripDomain \"a.b\" }}",
            "{{ now | toTime }} {{ 90 | toDuration }} {{ urlQueryEscape \"a b\" }} {{ parseDuration \"1m\" }}",
            "{{ define \"x\" }}y{{ end }}{{ template \"x\" }}",
            "plain text without actions",
            "",
        ];
        for text in texts {
            assert_eq!(check_template("A", text), Ok(()), "{text}");
        }
    }

    #[test]
    fn reports_go_parse_errors_under_the_alert_template_name() {
        let cases = [
            ("{{ foo }}", "template: __alert_X:1: function \"foo\" not defined"),
            ("{{ $labels.instance", "template: __alert_X:1: unclosed action"),
            ("{{ $label.instance }}", "template: __alert_X:1: undefined variable \"$label\""),
            ("line\n{{ end }}", "template: __alert_X:2: unexpected {{end}}"),
            ("{{ tmpl \"x\" . }}", "template: __alert_X:1: function \"tmpl\" not defined"),
        ];
        for (text, message) in cases {
            assert_eq!(check_template("X", text), Err(message.to_string()), "{text}");
        }
    }
}
