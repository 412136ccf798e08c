use super::*;
use crate::alertmanager::config_values::HttpUrl;
use crate::alertmanager::notify::test_server::{FakeServer, alert, context};
use crate::config::Secret;

const OK: &str = r#"{"ok":true,"result":{"message_id":7,"chat":{"id":-100},"date":0,"text":"x"}}"#;

fn telegram(server: &FakeServer, adjust: impl FnOnce(&mut TelegramConfig)) -> Telegram {
    let mut config = TelegramConfig {
        api_url: Some(HttpUrl::parse(&server.url).unwrap()),
        bot_token: Secret::new("123:ABC"),
        chat_id: -100,
        ..TelegramConfig::default()
    };
    adjust(&mut config);
    Telegram::new(&config, &Arc::new(Templates::defaults())).unwrap()
}

fn alerts() -> Vec<Alert> {
    vec![alert(&[("alertname", "Disk<Full>"), ("instance", "a&b")], &[("summary", "95% used")], false)]
}

#[tokio::test]
async fn sends_what_alertmanager_sends() {
    let server = FakeServer::start(200, "application/json", OK).await;
    let notifier = telegram(&server, |config| {
        config.message = "<b>{{ .CommonLabels.alertname }}</b> on {{ .CommonLabels.instance }}".into();
        config.message_thread_id = 42;
        config.disable_notifications = true;
    });
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    let request = server.only_request();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/bot123:ABC/sendMessage"));
    assert_eq!(request.headers["content-type"], "application/json");
    let expected = concat!(
        r#"{"chat_id":"-100","disable_notification":"true","disable_web_page_preview":"true","#,
        r#""message_thread_id":"42","parse_mode":"HTML","#,
        r#""text":"\u003cb\u003eDisk\u0026lt;Full\u0026gt;\u003c/b\u003e on a\u0026amp;b"}"#,
        "\n"
    );
    assert_eq!(request.body, expected);
}

#[tokio::test]
async fn default_message_in_plain_and_markdown_modes_is_not_escaped() {
    let server = FakeServer::start(200, "application/json", OK).await;
    for mode in ["", "MarkdownV2"] {
        telegram(&server, |config| config.parse_mode = mode.into()).notify(&context(&[]), &alerts()).await.unwrap();
    }
    let requests = server.requests();
    let plain: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(plain.get("parse_mode"), None);
    assert!(plain.get("disable_notification").is_none() && plain.get("message_thread_id").is_none());
    let text = plain["text"].as_str().unwrap();
    assert!(
        text.starts_with("\n\nAlerts Firing:\nLabels:\n - alertname = Disk<Full>\n - instance = a&b\n"),
        "{text:?}"
    );
    let markdown: serde_json::Value = serde_json::from_str(&requests[1].body).unwrap();
    assert_eq!((markdown["parse_mode"].as_str(), markdown["text"].as_str()), (Some("MarkdownV2"), Some(text)));
}

#[tokio::test]
async fn long_html_messages_are_cut_inside_the_limit() {
    let server = FakeServer::start(200, "application/json", OK).await;
    let notifier = telegram(&server, |config| {
        config.message = "<b>{{ range .Alerts }}x&amp;{{ end }}</b>".into();
    });
    let mut many = Vec::new();
    for index in 0..5000 {
        many.push(alert(&[("alertname", "A"), ("n", &index.to_string())], &[], false));
    }
    notifier.notify(&context(&[]), &many).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&server.only_request().body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.starts_with("<b>x&amp;x&amp;") && text.ends_with("x&amp;x…</b>"), "{}", &text[text.len() - 40..]);
    assert_eq!(text.matches("x&amp;").count(), 2047);
}

#[tokio::test]
async fn api_errors_are_reported_and_retried() {
    let reply = r#"{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"}"#;
    let server = FakeServer::start(400, "application/json", reply).await;
    let error = telegram(&server, |_| {}).notify(&context(&[]), &alerts()).await.unwrap_err();
    let message = "telegram: Bad Request: can't parse entities (400)";
    assert_eq!(error, NotifyError { retry: true, message: message.into() });
    let server = FakeServer::start(502, "text/html", "<html>bad gateway</html>").await;
    let error = telegram(&server, |_| {}).notify(&context(&[]), &alerts()).await.unwrap_err();
    let message = "telegram: unexpected response (status 502): <html>bad gateway</html>";
    assert_eq!(error, NotifyError { retry: true, message: message.into() });
}

#[tokio::test]
async fn template_errors_are_not_retried() {
    let server = FakeServer::start(200, "application/json", OK).await;
    let notifier = telegram(&server, |config| config.message = "{{ .Nope }}".into());
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(!error.retry && error.message.starts_with("cannot render message: template: "), "{error:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn bot_token_file_is_read_and_kept_out_of_errors() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("token");
    std::fs::write(&file, "999:SECRET\n").unwrap();
    let server = FakeServer::start(200, "application/json", OK).await;
    let notifier = telegram(&server, |config| {
        config.bot_token = Secret::default();
        config.bot_token_file = file.display().to_string();
    });
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    assert_eq!(server.only_request().path, "/bot999:SECRET/sendMessage");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = TelegramConfig {
        api_url: Some(HttpUrl::parse(&closed).unwrap()),
        bot_token: Secret::new("999:SECRET"),
        chat_id: 1,
        ..TelegramConfig::default()
    };
    let notifier = Telegram::new(&config, &Arc::new(Templates::defaults())).unwrap();
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(error.retry && !error.message.contains("SECRET"), "{error:?}");
}
