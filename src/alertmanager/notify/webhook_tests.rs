use super::*;
use crate::alertmanager::config_values::SecretUrl;
use crate::alertmanager::notify::test_server::{FakeServer, alert, context};
use crate::config::Duration;

fn webhook(url: &str) -> Webhook {
    let config = WebhookConfig { url: Some(SecretUrl::parse(url).unwrap()), ..WebhookConfig::default() };
    Webhook::new(&config).unwrap()
}

fn group() -> Vec<Alert> {
    vec![
        alert(&[("alertname", "Down"), ("instance", "a<1>")], &[("summary", "gone & back")], false),
        alert(&[("alertname", "Down"), ("instance", "b")], &[], true),
    ]
}

#[tokio::test]
async fn posts_the_version_4_message() {
    let server = FakeServer::start(200, "text/plain", "").await;
    let notifier = webhook(&format!("{}/hook?x=1", server.url));
    let alerts = group();
    notifier.notify(&context(&[("alertname", "Down")]), &alerts).await.unwrap();
    let request = server.only_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/hook?x=1"));
    assert_eq!(request.headers["content-type"], "application/json");
    assert!(request.headers["user-agent"].to_str().unwrap().starts_with("Sonde/"));
    let expected = format!(
        concat!(
            r#"{{"receiver":"team\\.ops","status":"firing","alerts":["#,
            r#"{{"status":"firing","labels":{{"alertname":"Down","instance":"a\u003c1\u003e"}},"#,
            r#""annotations":{{"summary":"gone \u0026 back"}},"startsAt":"2024-01-02T03:04:05.5Z","#,
            r#""endsAt":"2024-01-02T03:18:05.5Z","generatorURL":"http://prometheus:9090/graph?g0.expr=up+%3D%3D+0","#,
            r#""fingerprint":"{}"}},"#,
            r#"{{"status":"resolved","labels":{{"alertname":"Down","instance":"b"}},"annotations":{{}},"#,
            r#""startsAt":"2024-01-02T03:04:05.5Z","endsAt":"2024-01-02T03:13:05.5Z","#,
            r#""generatorURL":"http://prometheus:9090/graph?g0.expr=up+%3D%3D+0","fingerprint":"{}"}}],"#,
            r#""groupLabels":{{"alertname":"Down"}},"commonLabels":{{"alertname":"Down"}},"commonAnnotations":{{}},"#,
            r#""externalURL":"http://am.example:9093","version":"4","groupKey":"{{}}:{{alertname=\"Down\"}}","#,
            r#""truncatedAlerts":0}}"#,
            "\n"
        ),
        alerts[0].fingerprint(),
        alerts[1].fingerprint()
    );
    assert_eq!(request.body, expected);
}

#[tokio::test]
async fn max_alerts_truncates_and_counts() {
    let server = FakeServer::start(200, "text/plain", "").await;
    let config =
        WebhookConfig { url: Some(SecretUrl::parse(&server.url).unwrap()), max_alerts: 1, ..WebhookConfig::default() };
    let alerts = group();
    Webhook::new(&config).unwrap().notify(&context(&[("alertname", "Down")]), &alerts).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    assert_eq!(body["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(body["truncatedAlerts"], 1);
    // Common labels and status come from the alerts sent.
    assert_eq!(body["commonLabels"]["instance"], "a<1>");
    assert_eq!(body["commonAnnotations"]["summary"], "gone & back");
}

#[tokio::test]
async fn status_codes_decide_retries() {
    let cases = [(500, true), (503, true), (429, false), (404, false), (400, false)];
    for (status, retry) in cases {
        let server = FakeServer::start(status, "text/plain", "nope").await;
        let error = webhook(&server.url).notify(&context(&[]), &group()).await.unwrap_err();
        assert_eq!(error, NotifyError { retry, message: format!("unexpected status code {status}: nope") });
    }
}

#[tokio::test]
async fn url_file_is_read_on_each_notification() {
    let server = FakeServer::start(204, "text/plain", "").await;
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("url");
    std::fs::write(&file, format!("  {}/from-file\n", server.url)).unwrap();
    let config = WebhookConfig { url_file: file.display().to_string(), ..WebhookConfig::default() };
    let notifier = Webhook::new(&config).unwrap();
    notifier.notify(&context(&[]), &group()).await.unwrap();
    assert_eq!(server.only_request().path, "/from-file");
    std::fs::remove_file(&file).unwrap();
    let error = notifier.notify(&context(&[]), &group()).await.unwrap_err();
    assert!(!error.retry && error.message.starts_with("read url_file: open "), "{error:?}");
}

#[tokio::test]
async fn transport_errors_are_retried_without_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/secret-token", listener.local_addr().unwrap());
    drop(listener);
    let error = webhook(&url).notify(&context(&[]), &group()).await.unwrap_err();
    assert!(error.retry, "{error:?}");
    assert!(!error.message.contains("secret-token"), "{error:?}");
}

#[tokio::test]
async fn timeout_gives_up_and_retries() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    // Accepts connections and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let config = WebhookConfig {
        url: Some(SecretUrl::parse(&url).unwrap()),
        timeout: Duration::from_milliseconds(200),
        ..WebhookConfig::default()
    };
    let error = Webhook::new(&config).unwrap().notify(&context(&[]), &group()).await.unwrap_err();
    assert_eq!(error, NotifyError { retry: true, message: "configured webhook timeout reached (200ms)".into() });
}
