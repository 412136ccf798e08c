use super::test_server::{alert, context};
use super::*;
use crate::alertmanager::config::Config;

fn data() -> crate::template::Value {
    let alerts = [
        alert(&[("alertname", "Down"), ("instance", "a"), ("job", "node")], &[("summary", "x")], false),
        alert(&[("alertname", "Down"), ("instance", "b"), ("job", "node")], &[], true),
    ];
    template_data(&context(&[("alertname", "Down")]), &alerts)
}

fn render(source: &str) -> String {
    Templates::defaults().execute_text(source, &data()).unwrap()
}

const SOURCE: &str = "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0";

#[test]
fn template_data_has_upstream_fields() {
    assert_eq!(render("{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}"), r"team\.ops|firing|http://am.example:9093");
    assert_eq!(
        render("{{ .GroupLabels }}|{{ .CommonLabels }}|{{ len .CommonAnnotations }}"),
        "alertname=Down|alertname=Down, job=node|0"
    );
    assert_eq!(render("{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }}"), "1/1");
    let alert = "{{ with index .Alerts 1 }}{{ .Status }} {{ .StartsAt }} {{ .EndsAt.Format \"15:04:05\" }} {{ .Fingerprint }}{{ end }}";
    let fingerprint = alert_fingerprint();
    assert_eq!(render(alert), format!("resolved 2024-01-02 03:04:05.5 +0000 UTC 03:13:05 {fingerprint}"));
    assert_eq!(render("{{ .CommonLabels.nothing }}"), "");
}

fn alert_fingerprint() -> String {
    alert(&[("alertname", "Down"), ("instance", "b"), ("job", "node")], &[], true).fingerprint().to_string()
}

#[test]
fn unset_end_is_go_zero_time() {
    let mut firing = alert(&[("alertname", "Down")], &[], false);
    firing.ends_at = None;
    let data = template_data(&context(&[]), &[firing]);
    let text = Templates::defaults().execute_text("{{ (index .Alerts 0).EndsAt }}", &data).unwrap();
    assert_eq!(text, "0001-01-01 00:00:00 +0000 UTC");
}

#[test]
fn subject_matches_upstream() {
    assert_eq!(render(r#"{{ template "__subject" . }}"#), "[FIRING:1] Down (node)");
    let resolved = [alert(&[("alertname", "Down")], &[], true)];
    let data = template_data(&context(&[("alertname", "Down")]), &resolved);
    assert_eq!(
        Templates::defaults().execute_text(r#"{{ template "__subject" . }}"#, &data).unwrap(),
        "[RESOLVED] Down "
    );
}

#[test]
fn default_texts_match_upstream() {
    let firing = format!(
        "Labels:\n - alertname = Down\n - instance = a\n - job = node\nAnnotations:\n - summary = x\nSource: {SOURCE}\n"
    );
    let resolved =
        format!("Labels:\n - alertname = Down\n - instance = b\n - job = node\nAnnotations:\nSource: {SOURCE}\n");
    let telegram = format!("\n\nAlerts Firing:\n{firing}\n\n\nAlerts Resolved:\n{resolved}\n\n");
    assert_eq!(render(r#"{{ template "telegram.default.message" . }}"#), telegram);
    assert_eq!(render(r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#), firing);
    let url = r"http://am.example:9093/#/alerts?receiver=team%5C.ops";
    assert_eq!(render(r#"{{ template "slack.default.titlelink" . }}"#), url);
    assert_eq!(render(r#"{{ template "slack.default.fallback" . }}"#), format!("[FIRING:1] Down (node) | {url}"));
    assert_eq!(render(r#"{{ template "pagerduty.default.client" . }}"#), "Alertmanager");
    for empty in ["pretext", "text", "footer", "callbackid", "iconemoji", "iconurl"] {
        assert_eq!(render(&format!(r#"{{{{ template "slack.default.{empty}" . }}}}"#)), "", "{empty}");
    }
    let markdown = render(r#"{{ template "__text_alert_list_markdown" .Alerts.Resolved }}"#);
    assert_eq!(
        markdown,
        format!(
            "\nLabels:\n  - alertname = Down\n  - instance = b\n  - job = node\n\nAnnotations:\n\nSource: {SOURCE}\n\n"
        )
    );
}

#[test]
fn html_templates_escape_values() {
    let alerts = [alert(&[("alertname", "A<b>&\"'+")], &[("note", "<i>ok</i>")], false)];
    let data = template_data(&context(&[]), &alerts);
    let templates = Templates::defaults();
    let source = r#"<b>{{ .CommonLabels.alertname }}</b> {{ .CommonAnnotations.note | safeHtml }} {{ "<x>" | html }}"#;
    let html = templates.execute_html(source, &data).unwrap();
    assert_eq!(html, "<b>A&lt;b&gt;&amp;&#34;&#39;&#43;</b> <i>ok</i> &lt;x&gt;");
    assert_eq!(templates.execute_text(source, &data).unwrap(), "<b>A<b>&\"'+</b> <i>ok</i> &lt;x&gt;");
    let email = templates.execute_html(r#"{{ template "email.default.html" . }}"#, &data).unwrap();
    assert!(email.contains("A&lt;b&gt;&amp;&#34;&#39;&#43;") && !email.contains("A<b>"), "{email}");
    assert!(email.contains("<title>[FIRING:1]  (A&lt;b&gt;"), "{email}");
}

#[test]
fn user_templates_override_defaults_and_empty_globs_are_fine() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("a.tmpl"), r#"{{ define "__subject" }}custom {{ .Status }}{{ end }}"#)
        .unwrap();
    let patterns = [directory.path().join("*.tmpl").display().to_string(), "/nonexistent/*.tmpl".to_string()];
    let templates = load_templates(&patterns).unwrap();
    assert_eq!(
        templates.execute_text(r#"{{ template "email.default.subject" . }}"#, &data()).unwrap(),
        "custom firing"
    );
    // The HTML set sees the override too.
    assert_eq!(
        templates.execute_html(r#"{{ template "email.default.subject" . }}"#, &data()).unwrap(),
        "custom firing"
    );
    std::fs::write(directory.path().join("b.tmpl"), "{{ define \"x\" }}{{ nope }}{{ end }}").unwrap();
    let error = load_templates(&patterns).unwrap_err();
    assert_eq!(error, r#"template: b.tmpl:1: function "nope" not defined"#);
}

#[test]
fn field_templates_report_errors() {
    let templates = Templates::defaults();
    assert_eq!(templates.execute_text("", &data()).unwrap(), "");
    let error = templates.execute_text("{{ .Status | nope }}", &data()).unwrap_err();
    assert_eq!(error.to_string(), r#"template: :1: function "nope" not defined"#);
    let error = templates.execute_text(r#"{{ template "missing" . }}"#, &data()).unwrap_err();
    assert!(error.to_string().contains(r#""missing""#), "{error}");
}

#[test]
fn integrations_follow_upstream_order_and_count_per_kind() {
    let yaml = r#"
global:
  smtp_smarthost: localhost:25
  smtp_from: am@example.org
  slack_api_url: http://slack.example/hook
route:
  receiver: r
receivers:
  - name: r
    telegram_configs: [{bot_token: t, chat_id: 1}]
    slack_configs: [{channel: a}, {channel: b}]
    webhook_configs: [{url: http://a.example/}, {url: http://b.example/, send_resolved: false}]
    email_configs: [{to: ops@example.org}]
    pagerduty_configs: [{routing_key: k}]
"#;
    let config = Config::parse(yaml, "alertmanager.yml").unwrap();
    let integrations = build_integrations(&config.receivers[0], &Arc::new(Templates::defaults())).unwrap();
    let names: Vec<String> = integrations.iter().map(|i| format!("{i:?}:{}", i.send_resolved)).collect();
    let expected = [
        "webhook[0]:true",
        "webhook[1]:false",
        "email[0]:false",
        "pagerduty[0]:true",
        "slack[0]:false",
        "slack[1]:false",
        "telegram[0]:true",
    ];
    assert_eq!(names, expected);
}
