use super::*;
use crate::alertmanager::config_receiver::{PagerdutyImage, PagerdutyLink};
use crate::alertmanager::config_values::HttpUrl;
use crate::alertmanager::notify::test_server::{FakeServer, alert, context};
use crate::config::Secret;

/// A configuration as loading leaves it: `source` and the default details
/// filled in.
fn config(url: &str) -> PagerdutyConfig {
    let mut config = PagerdutyConfig {
        routing_key: Secret::new("R0UT1NG"),
        url: Some(HttpUrl::parse(url).unwrap()),
        ..PagerdutyConfig::default()
    };
    config.source = config.client.clone();
    for (key, template) in crate::alertmanager::config_receiver::DEFAULT_PAGERDUTY_DETAILS {
        config.details.insert(key.to_string(), template.to_string());
    }
    config
}

fn pagerduty(config: &PagerdutyConfig) -> Pagerduty {
    Pagerduty::new(config, &Arc::new(Templates::defaults())).unwrap()
}

fn alerts(resolved: bool) -> Vec<Alert> {
    vec![alert(&[("alertname", "Down"), ("instance", "a")], &[], resolved)]
}

#[test]
fn dedup_key_is_the_sha256_of_the_group_key() {
    assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[tokio::test]
async fn triggers_v2_events_as_upstream() {
    let server = FakeServer::start(202, "application/json", r#"{"status":"success"}"#).await;
    let mut config = config(&format!("{}/v2/enqueue", server.url));
    config.severity = "{{ .CommonLabels.alertname | toLower }}".into();
    config.class = "net".into();
    config.images = vec![
        PagerdutyImage { src: "http://img/{{ .Status }}.png".into(), alt: "graph".into(), href: String::new() },
        PagerdutyImage { src: String::new(), alt: "dropped".into(), href: String::new() },
    ];
    config.links =
        vec![PagerdutyLink { href: "http://runbook/{{ .CommonLabels.alertname }}".into(), text: "runbook".into() }];
    let context = context(&[("alertname", "Down")]);
    pagerduty(&config).notify(&context, &alerts(false)).await.unwrap();
    let request = server.only_request();
    assert_eq!(request.path, "/v2/enqueue");
    let instances = "Labels:\\n - alertname = Down\\n - instance = a\\nAnnotations:\\nSource: http://prometheus:9090/graph?g0.expr=up+%3D%3D+0\\n";
    let expected = format!(
        concat!(
            r#"{{"routing_key":"R0UT1NG","dedup_key":"{}","event_action":"trigger","#,
            r#""payload":{{"summary":"[FIRING:1] Down (a)","source":"Alertmanager","severity":"down","class":"net","#,
            r#""custom_details":{{"firing":"{}","num_firing":"1","num_resolved":"0","resolved":""}}}},"#,
            r#""client":"Alertmanager","client_url":"http://am.example:9093/#/alerts?receiver=team%5C.ops","#,
            r#""images":[{{"src":"http://img/firing.png","alt":"graph","href":""}}],"#,
            r#""links":[{{"href":"http://runbook/Down","text":"runbook"}}]}}"#,
            "\n"
        ),
        sha256_hex(&context.group_key),
        instances
    );
    assert_eq!(request.body, expected);
}

#[tokio::test]
async fn resolves_when_every_alert_is_resolved() {
    let server = FakeServer::start(202, "application/json", "{}").await;
    pagerduty(&config(&server.url)).notify(&context(&[]), &alerts(true)).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    assert_eq!(body["event_action"], "resolve");
    assert_eq!(body["payload"]["severity"], "error");
}

#[tokio::test]
async fn v1_events_use_the_service_key() {
    let server = FakeServer::start(200, "application/json", "{}").await;
    let mut config = config("http://unused.example/");
    config.routing_key = Secret::default();
    config.service_key = Secret::new("S3RV1CE");
    config.details = [("note".to_string(), "{{ .Status }}".to_string())].into();
    let mut notifier = pagerduty(&config);
    notifier.v1_url = format!("{}/generic/2010-04-15/create_event.json", server.url);
    let context = context(&[]);
    notifier.notify(&context, &alerts(true)).await.unwrap();
    let expected = format!(
        concat!(
            r#"{{"service_key":"S3RV1CE","incident_key":"{}","event_type":"resolve","#,
            r#""description":"[RESOLVED]  (Down a)","event_action":"","payload":null,"details":{{"note":"resolved"}}}}"#,
            "\n"
        ),
        sha256_hex(&context.group_key)
    );
    assert_eq!(server.only_request().body, expected);
}

#[tokio::test]
async fn status_codes_decide_retries() {
    let bad_request = r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]}"#;
    let cases = [
        (429, "", true, "unexpected status code 429"),
        (500, "", true, "unexpected status code 500"),
        (403, "", false, "unexpected status code 403"),
        (
            400,
            bad_request,
            false,
            "unexpected status code 400: Event object is invalid: Length of 'routing_key' is incorrect",
        ),
    ];
    for (status, reply, retry, message) in cases {
        let server = FakeServer::start(status, "application/json", reply).await;
        let error = pagerduty(&config(&server.url)).notify(&context(&[]), &alerts(false)).await.unwrap_err();
        assert_eq!(error, NotifyError { retry, message: message.to_string() });
    }
}

#[tokio::test]
async fn oversized_events_lose_their_details() {
    let server = FakeServer::start(202, "application/json", "{}").await;
    let mut config = config(&server.url);
    config.details = [("big".to_string(), "{{ range .Alerts }}{{ .Labels }}{{ .Labels }}{{ end }}".to_string())].into();
    let many: Vec<Alert> =
        (0..20_000).map(|n| alert(&[("alertname", "Down"), ("n", &n.to_string())], &[], false)).collect();
    pagerduty(&config).notify(&context(&[]), &many).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    let note = "Custom details have been removed because the original event exceeds the maximum size of 512KB";
    assert_eq!(body["payload"]["custom_details"], serde_json::json!({ "error": note }));
}

#[tokio::test]
async fn template_and_key_errors_are_not_retried() {
    let server = FakeServer::start(202, "application/json", "{}").await;
    let mut bad_detail = config(&server.url);
    bad_detail.details = [("x".to_string(), "{{ .Nope }}".to_string())].into();
    let error = pagerduty(&bad_detail).notify(&context(&[]), &alerts(false)).await.unwrap_err();
    assert!(
        !error.retry && error.message.starts_with(r#""x": failed to template "{{ .Nope }}": template: "#),
        "{error:?}"
    );

    let mut bad_class = config(&server.url);
    bad_class.class = "{{ .Nope }}".into();
    let error = pagerduty(&bad_class).notify(&context(&[]), &alerts(false)).await.unwrap_err();
    assert!(
        !error.retry && error.message.starts_with("failed to template PagerDuty v2 message: template: "),
        "{error:?}"
    );

    let mut empty_key = config(&server.url);
    empty_key.routing_key = Secret::new("{{ .CommonLabels.nothing }}");
    let error = pagerduty(&empty_key).notify(&context(&[]), &alerts(false)).await.unwrap_err();
    assert_eq!(error, NotifyError { retry: false, message: "routing key cannot be empty".into() });
    assert!(server.requests().is_empty());
}
