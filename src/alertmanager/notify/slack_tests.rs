use super::*;
use crate::alertmanager::config_slack::SlackConfirmation;
use crate::alertmanager::config_values::SecretUrl;
use crate::alertmanager::notify::test_server::{FakeServer, alert, context};

fn slack(url: &str, adjust: impl FnOnce(&mut SlackConfig)) -> Slack {
    let mut config = SlackConfig { api_url: Some(SecretUrl::parse(url).unwrap()), ..SlackConfig::default() };
    adjust(&mut config);
    Slack::new(&config, &Arc::new(Templates::defaults())).unwrap()
}

fn alerts() -> Vec<Alert> {
    vec![alert(&[("alertname", "Down"), ("job", "api")], &[("summary", "api & db down")], false)]
}

#[tokio::test]
async fn defaults_produce_upstream_attachment() {
    let server = FakeServer::start(200, "text/html", "ok").await;
    let url = format!("{}/services/T0/B0/x", server.url);
    slack(&url, |_| {}).notify(&context(&[("alertname", "Down")]), &alerts()).await.unwrap();
    let request = server.only_request();
    assert_eq!(request.path, "/services/T0/B0/x");
    let expected = concat!(
        r#"{"username":"Alertmanager","attachments":[{"title":"[FIRING:1] Down (api)","#,
        r#""title_link":"http://am.example:9093/#/alerts?receiver=team%5C.ops","text":"","#,
        r#""fallback":"[FIRING:1] Down (api) | http://am.example:9093/#/alerts?receiver=team%5C.ops","#,
        r#""callback_id":"","footer":"","color":"danger","mrkdwn_in":["fallback","pretext","text"]}]}"#,
        "\n"
    );
    assert_eq!(request.body, expected);
}

#[tokio::test]
async fn every_field_is_a_template() {
    let server = FakeServer::start(200, "text/plain", "ok").await;
    let notifier = slack(&server.url, |config| {
        config.channel = "#{{ .CommonLabels.job }}".into();
        config.username = "bot".into();
        config.icon_emoji = ":fire:".into();
        config.link_names = true;
        config.short_fields = true;
        config.image_url = "http://img/{{ .Status }}.png".into();
        config.mrkdwn_in = vec!["text".into()];
        config.fields = vec![
            SlackField { title: "Job".into(), value: "{{ .CommonLabels.job }}".into(), short: None },
            SlackField {
                title: "Summary".into(),
                value: "{{ .CommonAnnotations.summary }}".into(),
                short: Some(false),
            },
        ];
        config.actions = vec![SlackAction {
            kind: "button".into(),
            text: "Silence {{ .CommonLabels.alertname }}".into(),
            name: "silence".into(),
            value: "{{ .Status }}".into(),
            confirm: Some(SlackConfirmation { text: "Sure?".into(), ..SlackConfirmation::default() }),
            ..SlackAction::default()
        }];
    });
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    assert_eq!(body["channel"], "#api");
    assert_eq!((body["icon_emoji"].as_str(), body["link_names"].as_bool()), (Some(":fire:"), Some(true)));
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["image_url"], "http://img/firing.png");
    assert_eq!(attachment["mrkdwn_in"], serde_json::json!(["text"]));
    let fields = serde_json::json!([
        {"title": "Job", "value": "api", "short": true},
        {"title": "Summary", "value": "api & db down", "short": false}
    ]);
    assert_eq!(attachment["fields"], fields);
    let actions = serde_json::json!([
        {"type": "button", "text": "Silence Down", "name": "silence", "value": "firing", "confirm": {"text": "Sure?"}}
    ]);
    assert_eq!(attachment["actions"], actions);
}

#[tokio::test]
async fn long_titles_are_cut() {
    let server = FakeServer::start(200, "text/plain", "ok").await;
    let notifier = slack(&server.url, |config| config.title = "{{ range .Alerts }}é{{ end }}".into());
    let many: Vec<Alert> = (0..2000).map(|n| alert(&[("n", &n.to_string())], &[], false)).collect();
    notifier.notify(&context(&[]), &many).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    let title = body["attachments"][0]["title"].as_str().unwrap();
    assert_eq!(title, format!("{}…", "é".repeat(1023)));
}

#[tokio::test]
async fn replies_are_checked_as_upstream_checks_them() {
    let cases = [
        (200, "text/html", "ok", None),
        (
            200,
            "text/html",
            "invalid_token",
            Some((false, r#"channel "": received an error response from Slack: invalid_token"#)),
        ),
        (200, "application/json; charset=utf-8", r#"{"ok":true}"#, None),
        (
            200,
            "application/json",
            r#"{"ok":false,"error":"channel_not_found"}"#,
            Some((false, r#"channel "": error response from Slack: channel_not_found"#)),
        ),
        (404, "text/plain", "no_team", Some((false, r#"channel "": unexpected status code 404: no_team"#))),
        (500, "text/plain", "oops", Some((true, r#"channel "": unexpected status code 500: oops"#))),
    ];
    for (status, content_type, reply, expected) in cases {
        let server = FakeServer::start(status, content_type, reply).await;
        let outcome = slack(&server.url, |_| {}).notify(&context(&[]), &alerts()).await;
        let expected = expected.map(|(retry, message)| NotifyError { retry, message: message.to_string() });
        assert_eq!(outcome.err(), expected, "{reply}");
    }
    let server = FakeServer::start(200, "application/json", "not json").await;
    let error = slack(&server.url, |_| {}).notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(error.retry && error.message.contains("could not unmarshal JSON response \"not json\""), "{error:?}");
}

#[tokio::test]
async fn template_errors_name_the_field() {
    let server = FakeServer::start(200, "text/plain", "ok").await;
    let notifier = slack(&server.url, |config| config.pretext = "{{ .Nope }}".into());
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(!error.retry && error.message.starts_with("cannot render pretext: template: :1:"), "{error:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn api_url_file_is_read_per_notification() {
    let server = FakeServer::start(200, "text/plain", "ok").await;
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("url");
    std::fs::write(&file, format!("{}/from-file\n", server.url)).unwrap();
    let config = SlackConfig { api_url_file: file.display().to_string(), ..SlackConfig::default() };
    let notifier = Slack::new(&config, &Arc::new(Templates::defaults())).unwrap();
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    assert_eq!(server.only_request().path, "/from-file");
}
