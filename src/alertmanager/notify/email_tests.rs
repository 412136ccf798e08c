use super::*;
use crate::alertmanager::config_values::HostPort;
use crate::alertmanager::notify::smtp::hmac_md5;
use crate::alertmanager::notify::smtp_fake::{self, CRAM_CHALLENGE, Script};
use crate::alertmanager::notify::test_server::{alert, context};
use crate::config::{Secret, TlsConfig};

fn email(address: &str, adjust: impl FnOnce(&mut EmailConfig)) -> Email {
    let mut config = EmailConfig {
        to: "a@example.org, Team B <b@example.org>".into(),
        from: "Alertmanager <am@example.org>".into(),
        smarthost: HostPort::parse(address).unwrap(),
        require_tls: Some(false),
        text: "{{ len .Alerts }} alert(s): {{ .CommonLabels.alertname }}".into(),
        html: "<p>{{ .CommonLabels.alertname }}</p>".into(),
        ..EmailConfig::default()
    };
    adjust(&mut config);
    Email::new(&config, &Arc::new(Templates::defaults()))
}

fn alerts() -> Vec<Alert> {
    vec![alert(&[("alertname", "Disk<Full>"), ("instance", "db1")], &[], false)]
}

fn script(extensions: &[&str]) -> Script {
    Script { extensions: extensions.iter().map(|line| line.to_string()).collect(), ..Script::default() }
}

#[tokio::test]
async fn sends_the_message_alertmanager_sends() {
    let (address, transcript) = smtp_fake::start(script(&["SMTPUTF8"])).await;
    email(&address, |_| {}).notify(&context(&[("alertname", "Disk<Full>")]), &alerts()).await.unwrap();
    let transcript = transcript.lock();
    let commands = [
        "EHLO localhost",
        "MAIL FROM:<am@example.org> BODY=8BITMIME SMTPUTF8",
        "RCPT TO:<a@example.org>",
        "RCPT TO:<b@example.org>",
        "DATA",
        "QUIT",
    ];
    assert_eq!(transcript.commands, commands);
    let data = &transcript.data[0];
    let (headers, body) = data.split_once("\r\n\r\n").unwrap();
    let lines: Vec<&str> = headers.split("\r\n").collect();
    assert_eq!(
        lines[..3],
        [
            "From: Alertmanager <am@example.org>",
            "Subject: [FIRING:1] Disk<Full> (db1)",
            "To: a@example.org, Team B <b@example.org>"
        ]
    );
    assert!(lines[3].starts_with("Message-Id: <") && lines[3].ends_with('>'), "{}", lines[3]);
    assert!(lines[4].starts_with("Date: ") && lines[4].ends_with(" +0000"), "{}", lines[4]);
    let boundary = lines[5].strip_prefix("Content-Type: multipart/alternative;  boundary=").unwrap();
    assert_eq!(lines[6..], ["MIME-Version: 1.0"]);
    let expected = format!(
        concat!(
            "--{b}\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n",
            "1 alert(s): Disk<Full>\r\n--{b}\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            "Content-Type: text/html; charset=UTF-8\r\n\r\n<p>Disk&lt;Full&gt;</p>\r\n--{b}--\r\n"
        ),
        b = boundary
    );
    assert_eq!(body, expected);
}

#[tokio::test]
async fn custom_headers_are_templates_and_encoded() {
    let (address, transcript) = smtp_fake::start(script(&[])).await;
    let notifier = email(&address, |config| {
        config.headers.insert("Subject".into(), "Ålarm: {{ .CommonLabels.instance }}".into());
        config.headers.insert("X-Team".into(), "db".into());
        config.headers.insert("Message-Id".into(), "<fixed@example.org>".into());
        config.text = String::new();
    });
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    let data = transcript.lock().data[0].clone();
    assert!(data.contains("\r\nSubject: =?utf-8?q?=C3=85larm:_db1?=\r\n"), "{data}");
    assert!(data.contains("\r\nX-Team: db\r\n") && data.contains("Message-Id: <fixed@example.org>\r\n"), "{data}");
    assert_eq!(data.matches("Message-Id:").count(), 1);
    assert!(!data.contains("text/plain") && data.contains("text/html"), "{data}");
}

#[tokio::test]
async fn auth_picks_the_servers_first_usable_mechanism() {
    let cases: [(&str, Option<&str>, &str); 3] = [
        ("AUTH CRAM-MD5 LOGIN PLAIN", Some("s3cret"), "AUTH CRAM-MD5 ops "),
        ("AUTH CRAM-MD5 LOGIN PLAIN", None, "AUTH LOGIN ops pa55"),
        ("AUTH PLAIN LOGIN", None, "AUTH PLAIN \"id\\0ops\\0pa55\""),
    ];
    for (offer, secret, expected) in cases {
        let (address, transcript) = smtp_fake::start(script(&[offer])).await;
        let notifier = email(&address, |config| {
            config.auth_username = "ops".into();
            config.auth_password = Secret::new("pa55");
            config.auth_identity = "id".into();
            config.auth_secret = Secret::new(secret.unwrap_or_default());
        });
        notifier.notify(&context(&[]), &alerts()).await.unwrap();
        let auth = transcript.lock().commands.iter().find(|c| c.starts_with("AUTH")).cloned().unwrap();
        assert!(auth.starts_with(expected), "{auth}");
        if secret.is_some() {
            let digest = hmac_md5(b"s3cret", CRAM_CHALLENGE.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(auth, format!("AUTH CRAM-MD5 ops {hex}"));
        }
    }
}

#[tokio::test]
async fn auth_without_credentials_is_skipped_or_fails() {
    let (address, transcript) = smtp_fake::start(script(&["AUTH PLAIN"])).await;
    email(&address, |_| {}).notify(&context(&[]), &alerts()).await.unwrap();
    assert!(!transcript.lock().commands.iter().any(|c| c.starts_with("AUTH")));
    let notifier = email(&address, |config| config.auth_username = "ops".into());
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    let message = "find auth mechanism: missing password for PLAIN auth mechanism";
    assert_eq!(error, NotifyError { retry: true, message: message.into() });
}

#[tokio::test]
async fn require_tls_needs_starttls() {
    let (address, _) = smtp_fake::start(script(&[])).await;
    let error = email(&address, |config| config.require_tls = Some(true)).notify(&context(&[]), &alerts()).await;
    let message =
        format!("'require_tls' is true (default) but \"{address}\" does not advertise the STARTTLS extension");
    assert_eq!(error.unwrap_err(), NotifyError { retry: true, message });
}

#[tokio::test]
async fn starttls_then_plain_auth() {
    let Some(certificates) = smtp_fake::certificates() else { return };
    let script = Script {
        extensions: vec!["STARTTLS".into(), "AUTH PLAIN".into()],
        tls: Some(certificates.acceptor.clone()),
        ..Script::default()
    };
    let (address, transcript) = smtp_fake::start(script).await;
    let notifier = email(&address, |config| {
        config.require_tls = Some(true);
        config.tls_config =
            Some(TlsConfig { ca_file: certificates.ca_file.display().to_string(), ..TlsConfig::default() });
        config.auth_username = "ops".into();
        config.auth_password = Secret::new("pa55");
    });
    notifier.notify(&context(&[]), &alerts()).await.unwrap();
    let commands = transcript.lock().commands.clone();
    assert_eq!(commands[..4], ["EHLO localhost", "STARTTLS", "EHLO localhost", "AUTH PLAIN \"\\0ops\\0pa55\""]);
    assert_eq!(transcript.lock().data.len(), 1);

    // A certificate from another CA is refused.
    let notifier = email(&address, |config| config.require_tls = Some(true));
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(error.retry && error.message.starts_with("send STARTTLS command: tls: "), "{error:?}");
}

#[tokio::test]
async fn implicit_tls_connects_securely() {
    let Some(certificates) = smtp_fake::certificates() else { return };
    let script = Script { tls: Some(certificates.acceptor.clone()), implicit_tls: true, ..Script::default() };
    let (address, transcript) = smtp_fake::start(script).await;
    let tls = TlsConfig { ca_file: certificates.ca_file.display().to_string(), ..TlsConfig::default() };
    let config = std::sync::Arc::new(crate::httpclient::tls::client_config(&tls, &[]).unwrap());
    let mut client = Client::connect(&address, Some((&config, "127.0.0.1")), "sonde").await.unwrap();
    assert!(client.is_tls());
    client.hello().await.unwrap();
    client.quit().await.unwrap();
    assert_eq!(transcript.lock().commands, ["EHLO sonde", "QUIT"]);
}

#[tokio::test]
async fn refused_recipients_are_retried() {
    let script = Script { rcpt_reply: "550 5.1.1 no such user".into(), ..Script::default() };
    let (address, _) = smtp_fake::start(script).await;
    let error = email(&address, |_| {}).notify(&context(&[]), &alerts()).await.unwrap_err();
    assert_eq!(error, NotifyError { retry: true, message: "send RCPT command: 550 5.1.1 no such user".into() });
}

#[tokio::test]
async fn template_and_address_errors_send_nothing() {
    let (address, transcript) = smtp_fake::start(script(&[])).await;
    let cases = [
        (Some("{{ .Nope }}"), None, "execute 'from' template: template: "),
        (Some("a@x.org, b@x.org"), None, "must be exactly one 'from' address (got: 2)"),
        (None, Some("not an address"), "parse 'to' addresses: mail: missing @ in addr-spec"),
    ];
    for (from, to, expected) in cases {
        let notifier = email(&address, |config| {
            if let Some(from) = from {
                config.from = from.into();
            }
            if let Some(to) = to {
                config.to = to.into();
            }
        });
        let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
        assert!(!error.retry && error.message.starts_with(expected), "{error:?}");
    }
    let notifier = email(&address, |config| config.html = "{{ template \"nope\" . }}".into());
    let error = notifier.notify(&context(&[]), &alerts()).await.unwrap_err();
    assert!(!error.retry && error.message.starts_with("execute html template: "), "{error:?}");
    assert!(transcript.lock().commands.is_empty());
}
