//! The e-mail integration (prometheus/alertmanager notify/email): one
//! message per notification through the `smarthost`, over TLS from the
//! start on port 465, else upgraded with STARTTLS when `require_tls` (the
//! default); AUTH when the server offers it and `auth_username` is set,
//! with the first of the server's mechanisms that has credentials (PLAIN
//! and LOGIN need a password, CRAM-MD5 a secret). `from` and `to` are
//! templates; `to` may list several addresses.
//!
//! The message is Alertmanager's: the `headers` (each a template, with
//! `Subject`, `To` and `From` defaulting to the subject template, `to` and
//! `from`) Q-encoded when not plain ASCII, a `Message-Id` unless set, the
//! date, and a `multipart/alternative` body with the `text` part (when
//! set) before the `html` part (when set), both quoted-printable. `html`
//! runs as an HTML template (values escaped). Headers are written in name
//! order, where upstream's order is random.
//!
//! Unlike upstream, every template is rendered before connecting, so a
//! template error sends nothing (upstream could end an already started
//! DATA with a partial message), and a message the server refuses after
//! DATA is an error (upstream ignores that reply).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::data::template_data;
use super::email_mime::{multipart, parse_address_list, q_encode, random_boundary, random_u64};
use super::http::{permanent, read_secret_file, retryable};
use super::smtp::{Auth, Client};
use super::templates::Templates;
use super::{Notifier, NotifyContext, NotifyError};
use crate::alertmanager::alert::{Alert, now_nanos};
use crate::alertmanager::config_receiver::{DEFAULT_EMAIL_SUBJECT, EmailConfig};
use crate::template::{GoTime, Value, go_quote};

pub(crate) struct Email {
    config: EmailConfig,
    templates: Arc<Templates>,
    hostname: String,
}

/// What one notification sends: the envelope and the message.
struct Envelope {
    from: String,
    to: Vec<String>,
    message: Vec<u8>,
}

impl Email {
    pub(crate) fn new(config: &EmailConfig, templates: &Arc<Templates>) -> Email {
        let mut config = config.clone();
        let defaults =
            [("Subject", DEFAULT_EMAIL_SUBJECT.to_string()), ("To", config.to.clone()), ("From", config.from.clone())];
        for (name, default) in defaults {
            config.headers.entry(name.to_string()).or_insert(default);
        }
        Email { config, templates: Arc::clone(templates), hostname: hostname() }
    }

    /// The TLS settings, read anew for each connection as upstream does
    /// (so that rotated certificate files are picked up).
    fn tls(&self) -> Result<Arc<rustls::ClientConfig>, NotifyError> {
        let config = self.config.tls_config.clone().unwrap_or_default();
        crate::httpclient::tls::client_config(&config, &[])
            .map(Arc::new)
            .map_err(|error| permanent(format!("parse TLS configuration: {error}")))
    }

    fn envelope(&self, data: &Value) -> Result<Envelope, NotifyError> {
        let text = |what: &str, source: &str| {
            self.templates
                .execute_text(source, data)
                .map_err(|error| permanent(format!("execute {what} template: {error}")))
        };
        let from = text("'from'", &self.config.from)?;
        let to = text("'to'", &self.config.to)?;
        let from = parse_address_list(&from).map_err(|error| permanent(format!("parse 'from' addresses: {error}")))?;
        if from.len() != 1 {
            return Err(permanent(format!("must be exactly one 'from' address (got: {})", from.len())));
        }
        let to = parse_address_list(&to).map_err(|error| permanent(format!("parse 'to' addresses: {error}")))?;
        let message = self.message(data)?;
        Ok(Envelope { from: from[0].clone(), to, message })
    }

    fn message(&self, data: &Value) -> Result<Vec<u8>, NotifyError> {
        let mut headers = BTreeMap::new();
        for (name, source) in &self.config.headers {
            let value = self
                .templates
                .execute_text(source, data)
                .map_err(|error| permanent(format!("execute {} header template: {error}", go_quote(name))))?;
            headers.insert(name.as_str(), q_encode(&value));
        }
        let mut message = String::new();
        for (name, value) in &headers {
            message.push_str(&format!("{name}: {value}\r\n"));
        }
        if !self.config.headers.contains_key("Message-Id") {
            message.push_str(&format!("Message-Id: <{}.{}@{}>\r\n", now_nanos(), random_u64(), self.hostname));
        }
        let boundary = random_boundary();
        let date = GoTime::utc_from_nanos(i128::from(now_nanos())).format("Mon, 02 Jan 2006 15:04:05 -0700");
        message.push_str(&format!("Date: {date}\r\n"));
        message.push_str(&format!("Content-Type: multipart/alternative;  boundary={boundary}\r\n"));
        message.push_str("MIME-Version: 1.0\r\n\r\n");
        message.push_str(&multipart(&boundary, &self.parts(data)?));
        Ok(message.into_bytes())
    }

    fn parts(&self, data: &Value) -> Result<Vec<(&'static str, String)>, NotifyError> {
        let mut parts = Vec::new();
        if !self.config.text.is_empty() {
            let text = self.templates.execute_text(&self.config.text, data);
            let text = text.map_err(|error| permanent(format!("execute text template: {error}")))?;
            parts.push(("text/plain; charset=UTF-8", text));
        }
        if !self.config.html.is_empty() {
            let html = self.templates.execute_html(&self.config.html, data);
            let html = html.map_err(|error| permanent(format!("execute html template: {error}")))?;
            parts.push(("text/html; charset=UTF-8", html));
        }
        Ok(parts)
    }

    /// The first mechanism the server lists that there are credentials
    /// for; `None` without `auth_username`.
    fn auth(&self, mechanisms: &str) -> Result<Option<Auth>, String> {
        let config = &self.config;
        if config.auth_username.is_empty() {
            return Ok(None);
        }
        let username = config.auth_username.clone();
        let mut problems = Vec::new();
        for mechanism in mechanisms.split(' ') {
            match mechanism {
                "CRAM-MD5" => match self.secret() {
                    Ok(secret) if !secret.is_empty() => return Ok(Some(Auth::CramMd5 { username, secret })),
                    Ok(_) => problems.push("missing secret for CRAM-MD5 auth mechanism".to_string()),
                    Err(error) => problems.push(error),
                },
                "PLAIN" | "LOGIN" => match self.password() {
                    Ok(password) if !password.is_empty() => {
                        return Ok(Some(match mechanism {
                            "PLAIN" => Auth::Plain { identity: config.auth_identity.clone(), username, password },
                            _ => Auth::Login { username, password },
                        }));
                    }
                    Ok(_) => problems.push(format!("missing password for {mechanism} auth mechanism")),
                    Err(error) => problems.push(error),
                },
                _ => {}
            }
        }
        if problems.is_empty() {
            problems.push(format!("unknown auth mechanism: {mechanisms}"));
        }
        Err(problems.join("; "))
    }

    fn password(&self) -> Result<String, String> {
        match self.config.auth_password_file.as_str() {
            "" => Ok(self.config.auth_password.expose().to_string()),
            file => read_secret_file(file).map_err(|error| format!("could not read {file}: {error}")),
        }
    }

    fn secret(&self) -> Result<String, String> {
        match self.config.auth_secret_file.as_str() {
            "" => Ok(self.config.auth_secret.expose().to_string()),
            file => read_secret_file(file).map_err(|error| format!("could not read {file}: {error}")),
        }
    }

    fn server_name(&self) -> &str {
        let configured = self.config.tls_config.as_ref().map_or("", |tls| tls.server_name.as_str());
        if configured.is_empty() { &self.config.smarthost.host } else { configured }
    }

    /// Connects, says hello, secures the connection and logs in.
    async fn session(&self) -> Result<Client, NotifyError> {
        let smarthost = &self.config.smarthost;
        let address = smarthost.to_string();
        let implicit_tls = smarthost.port == "465";
        let tls = if implicit_tls { Some(self.tls()?) } else { None };
        let hello = if self.config.hello.is_empty() { "localhost" } else { &self.config.hello };
        let what = if implicit_tls { "establish TLS connection to server" } else { "establish connection to server" };
        let connected = Client::connect(&address, tls.as_ref().map(|tls| (tls, self.server_name())), hello).await;
        let mut client = connected.map_err(|error| retryable(format!("{what}: {error}")))?;
        client.hello().await.map_err(|error| retryable(format!("send EHLO command: {error}")))?;
        if self.config.require_tls.unwrap_or(true) && !client.is_tls() {
            if client.extension("STARTTLS").is_none() {
                return Err(retryable(format!(
                    "'require_tls' is true (default) but {} does not advertise the STARTTLS extension",
                    go_quote(&address)
                )));
            }
            let started = client.start_tls(&self.tls()?, self.server_name()).await;
            started.map_err(|error| retryable(format!("send STARTTLS command: {error}")))?;
        }
        if let Some(mechanisms) = client.extension("AUTH").map(str::to_string) {
            let auth = self.auth(&mechanisms).map_err(|error| retryable(format!("find auth mechanism: {error}")))?;
            if let Some(auth) = auth {
                let done = client.authenticate(&auth, &smarthost.host).await;
                done.map_err(|error| retryable(format!("{} auth: {error}", auth.mechanism())))?;
            }
        }
        Ok(client)
    }
}

#[async_trait]
impl Notifier for Email {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let envelope = self.envelope(&template_data(context, alerts))?;
        let mut client = self.session().await?;
        client.mail(&envelope.from).await.map_err(|error| retryable(format!("send MAIL command: {error}")))?;
        for to in &envelope.to {
            client.rcpt(to).await.map_err(|error| retryable(format!("send RCPT command: {error}")))?;
        }
        client.data(&envelope.message).await.map_err(|error| retryable(format!("send DATA command: {error}")))?;
        if let Err(error) = client.quit().await {
            tracing::warn!(%error, "failed to close SMTP connection");
        }
        Ok(())
    }
}

/// This machine's name for `Message-Id`, as Go's `os.Hostname`.
fn hostname() -> String {
    crate::host::name().unwrap_or_else(|| "localhost.localdomain".to_string())
}

#[cfg(test)]
#[path = "email_tests.rs"]
mod tests;
