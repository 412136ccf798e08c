//! Templates as Prometheus rules and Alertmanager notifications use them:
//! the annotation examples of the Prometheus documentation, and a
//! notification template built from the constructs of Alertmanager's
//! default.tmpl (subject line, alert lists, trim markers, KV methods).

use crate::template::alertmanager::{Alerts, Kv};
use std::sync::Arc;

use crate::template::funcs_prometheus::{ALERT_VARS, alert_vars, alertmanager_funcs, prometheus_funcs};
use crate::template::funcs_query::{Sample, url_funcs};
use crate::template::{FuncMap, MissingKey, Struct, Template, Value};

fn sample(instance: &str, value: f64) -> Sample {
    let labels = [("__name__", "up"), ("instance", instance), ("job", "node"), ("__value__", "raw")];
    (labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), value)
}

/// Prometheus' functions with a fixed query result set, as the rule
/// manager would wire its query engine.
fn query_funcs() -> FuncMap {
    let mut funcs = prometheus_funcs();
    funcs.extend(&crate::template::funcs_query::query_funcs(Arc::new(|q: &str| {
        Ok(if q == "up" { vec![sample("b:9100", 1.0), sample("a:9100", 0.0)] } else { Vec::new() })
    })));
    funcs.extend(&url_funcs("http://prometheus:9090/prom"));
    funcs
}

/// Expands an annotation the way Sonde's rule manager does: Prometheus
/// functions, missingkey=zero, the four predeclared variables.
fn expand(text: &str, value: f64) -> Result<String, String> {
    let mut t = Template::new("__alert_HighLatency")
        .with_funcs(&query_funcs())
        .with_missing_key(MissingKey::Zero)
        .with_vars(&ALERT_VARS);
    t.parse_text(text).map_err(|e| e.to_string())?;
    let labels = Value::string_map([("alertname", "HighLatency"), ("instance", "web-1:8080"), ("job", "api")]);
    let vars =
        alert_vars(labels, Value::string_map([("cluster", "eu-1")]), "http://prometheus:9090", Value::Float(value));
    t.execute(&Value::Nil, &vars).map_err(|e| e.to_string())
}

#[test]
fn prometheus_documentation_annotations() {
    let cases = [
        ("Instance {{ $labels.instance }} down", "Instance web-1:8080 down"),
        (
            "{{ $labels.instance }} of job {{ $labels.job }} has been down for more than 5 minutes.",
            "web-1:8080 of job api has been down for more than 5 minutes.",
        ),
        (
            "{{ $labels.instance }} has a median request latency above 1s (current value: {{ $value }}s)",
            "web-1:8080 has a median request latency above 1s (current value: 1.23456s)",
        ),
        ("{{ printf \"%.2f\" $value }}", "1.23"),
        ("{{ $value | humanize }}", "1.235"),
        ("[{{ $labels.missing }}]", "[]"),
        ("{{ $externalLabels.cluster }} {{ $externalURL }}", "eu-1 http://prometheus:9090"),
        ("{{ if gt $value 1.0 }}critical{{ else }}warning{{ end }}", "critical"),
        ("{{ $labels.instance | stripPort }}/{{ reReplaceAll \"-\\\\d+\" \"\" $labels.instance }}", "web-1/web:8080"),
        ("{{ with $labels }}{{ .job }}{{ end }}", "api"),
    ];
    for (text, want) in cases {
        assert_eq!(expand(text, 1.23456).as_deref(), Ok(want), "{text:?}");
    }
    // As in Go, an int literal does not compare with the float $value.
    let err = expand("{{ if gt $value 1 }}x{{ end }}", 1.5).unwrap_err();
    assert!(err.ends_with("error calling gt: incompatible types for comparison: float64 and int"), "{err}");
}

#[test]
fn prometheus_query_templates() {
    let cases = [
        ("{{ with query \"up\" }}{{ . | first | value }}{{ end }}", "1"),
        ("{{ with query \"nothing\" }}x{{ else }}none{{ end }}", "none"),
        (
            "{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}",
            "a:9100=0 b:9100=1 ",
        ),
        ("{{ query \"up\" | first | label \"instance\" }}", "b:9100"),
        ("{{ (query \"up\" | first).Labels.job }}", "node"),
        (
            "{{ range $i, $s := query \"up\" }}{{ if $i }},{{ end }}{{ $s.Value | humanizePercentage }}{{ end }}",
            "100%,0%",
        ),
        ("{{ len (query \"up\") }}", "2"),
        ("{{ query \"up\" | first | strvalue }}", "raw"),
        ("{{ pathPrefix }} {{ externalURL }}", "/prom http://prometheus:9090/prom"),
    ];
    for (text, want) in cases {
        assert_eq!(expand(text, 0.0).as_deref(), Ok(want), "{text:?}");
    }
    let err = expand("{{ query \"nothing\" | first }}", 0.0).unwrap_err();
    assert_eq!(
        err,
        "template: __alert_HighLatency:1:21: executing \"__alert_HighLatency\" at <first>: error calling first: first() called on vector with no elements"
    );
}

#[test]
fn prometheus_style_prelude_works_too() {
    // Prometheus itself prepends variable definitions to the user's text.
    let prelude = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";
    let text = format!("{prelude}{{{{ $labels.job }}}}: {{{{ $value | humanize }}}}");
    let t = Template::parse("x", &text, &prometheus_funcs()).unwrap().with_missing_key(MissingKey::Zero);
    let data = Value::object(
        Struct::new("struct")
            .with("Labels", Value::string_map([("job", "api")]))
            .with("ExternalLabels", Value::string_map([("a", "b")]))
            .with("ExternalURL", "http://p")
            .with("Value", 1234.0),
    );
    assert_eq!(t.execute(&data, &[]).unwrap(), "api: 1.234k");
}

const NOTIFICATION_TEMPLATES: &str = r#"{{ define "__sonde" }}Sonde{{ end }}
{{ define "__sondeURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}{{ end }}

{{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}

{{ define "__alert_list" }}{{ range . }}Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Source: {{ .GeneratorURL }}
{{ end }}{{ end }}

{{ define "team.text" }}{{ template "__subject" . }}
{{ if gt (len .Alerts.Firing) 0 -}}
Firing:
{{ template "__alert_list" .Alerts.Firing }}
{{- end }}
{{ if gt (len .Alerts.Resolved) 0 -}}
Resolved:
{{ template "__alert_list" .Alerts.Resolved }}
{{- end }}
{{- end }}

{{ define "team.title" }}{{ .Alerts | len }} alert{{ if gt (len .Alerts) 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}via {{ template "__sonde" . }}{{ end }}
"#;

fn alert(status: &str, instance: &str, summary: Option<&str>) -> Value {
    let labels = Kv::new([("severity", "page"), ("alertname", "HighLatency"), ("job", "api"), ("instance", instance)]);
    let annotations = Kv::new(summary.map(|s| ("summary", s.to_string())));
    Value::object(
        Struct::new("template.Alert")
            .with("Status", status)
            .with("Labels", Value::object(labels))
            .with("Annotations", Value::object(annotations))
            .with("GeneratorURL", format!("http://prom/graph?{instance}")),
    )
}

fn notification() -> Value {
    let alerts = Alerts(vec![
        alert("firing", "a:9090", Some("slow a")),
        alert("firing", "b:9090", Some("slow b")),
        alert("resolved", "c:9090", None),
    ]);
    Value::object(
        Struct::new("template.Data")
            .with("Receiver", "team x")
            .with("Status", "firing")
            .with("Alerts", Value::object(alerts))
            .with("GroupLabels", Value::object(Kv::new([("alertname", "HighLatency")])))
            .with(
                "CommonLabels",
                Value::object(Kv::new([("alertname", "HighLatency"), ("job", "api"), ("severity", "page")])),
            )
            .with("CommonAnnotations", Value::object(Kv::default()))
            .with("ExternalURL", "http://am:9093"),
    )
}

fn notification_templates() -> Template {
    let mut t = Template::new("").with_funcs(&alertmanager_funcs()).with_missing_key(MissingKey::Zero);
    t.add("default.tmpl", NOTIFICATION_TEMPLATES).unwrap();
    t
}

#[test]
fn alertmanager_notification_text() {
    let out = notification_templates().execute_template("team.text", &notification(), &[]).unwrap();
    let alert_text = |instance: &str, summary: Option<&str>| {
        let annotation = summary.map(|s| format!(" - summary = {s}\n")).unwrap_or_default();
        format!(
            "Labels:\n - alertname = HighLatency\n - instance = {instance}\n - job = api\n - severity = page\nAnnotations:\n{annotation}Source: http://prom/graph?{instance}\n"
        )
    };
    let want = format!(
        "[FIRING:2] HighLatency (api page)\nFiring:\n{}{}\nResolved:\n{}",
        alert_text("a:9090", Some("slow a")),
        alert_text("b:9090", Some("slow b")),
        alert_text("c:9090", None),
    );
    assert_eq!(out, want);
}

#[test]
fn alertmanager_receiver_fields() {
    // Receiver fields are parsed against the loaded templates, as
    // Alertmanager's ExecuteTextString does.
    let base = notification_templates();
    let cases = [
        ("{{ template \"team.title\" . }}", "3 alerts for alertname=HighLatency via Sonde"),
        ("{{ template \"__sondeURL\" . }}", "http://am:9093/#/alerts?receiver=team+x"),
        ("{{ .CommonLabels }}", "alertname=HighLatency, job=api, severity=page"),
        (
            "{{ .CommonLabels.severity }}|{{ index .CommonLabels \"job\" }}|{{ .CommonAnnotations.summary }}",
            "page|api|",
        ),
        (
            "{{ range $k, $v := .CommonLabels }}{{ $k }}:{{ $v }};{{ end }}",
            "alertname:HighLatency;job:api;severity:page;",
        ),
        ("{{ .CommonLabels.SortedPairs.Names | join \",\" }}", "alertname,job,severity"),
        ("{{ range .Alerts.Resolved }}{{ .Labels.instance }}{{ end }}", "c:9090"),
        (
            "{{ range .Alerts }}{{ if eq .Status \"firing\" }}{{ .Annotations.summary | title }} {{ end }}{{ end }}",
            "Slow A Slow B ",
        ),
        ("{{ with index .Alerts 0 }}{{ .Labels.alertname }}{{ end }}", "HighLatency"),
        ("{{ (index .Alerts.Firing 1).Labels.instance | reReplaceAll \":.*\" \"\" }}", "b"),
        ("{{ len .Alerts }} {{ if .Alerts.Resolved }}some resolved{{ end }}", "3 some resolved"),
    ];
    for (text, want) in cases {
        let mut t = base.clone();
        t.add("", text).unwrap();
        assert_eq!(t.execute_template("", &notification(), &[]).as_deref(), Ok(want), "{text:?}");
    }
    // Parsing into the clone left the base untouched.
    assert!(base.lookup("").is_none());
}

#[test]
fn user_templates_override_defaults() {
    let mut t = notification_templates();
    t.add("custom.tmpl", "{{ define \"__sonde\" }}Custom{{ end }}").unwrap();
    let out = t.execute_template("team.title", &notification(), &[]).unwrap();
    assert_eq!(out, "3 alerts for alertname=HighLatency via Custom");
}
