//! The Telegram integration (prometheus/alertmanager notify/telegram): the
//! `message` template rendered and sent with the Bot API's `sendMessage`,
//! as Alertmanager's client (telebot) sends it: a POST to
//! `<api_url>/bot<token>/sendMessage` with a JSON object of strings,
//! keys sorted — `chat_id`, `disable_notification` (when set),
//! `disable_web_page_preview` ("true"), `message_thread_id` (when set),
//! `parse_mode` (when not empty) and `text`.
//!
//! Escaping follows upstream: in `HTML` parse mode the message is an HTML
//! template, so every printed value is HTML-escaped (`{{ .Labels.x }}`
//! cannot inject tags; `safeHtml` opts out); in the Markdown modes and in
//! plain text nothing is escaped, as upstream does not, so values holding
//! `_*[` and the like can break MarkdownV2 — escape them in the template
//! with `reReplaceAll`, e.g.
//!
//! ```text
//! {{ reReplaceAll "([_*\\[\\]()~`>#+\\-=|{}.!\\\\])" "\\$1" .Labels.instance }}
//! ```
//!
//! Messages over Telegram's limits are cut without breaking the markup
//! (see `telegram_fit`), where upstream cuts the raw text.
//!
//! Every failed request is retried, as upstream retries them; Telegram's
//! error is reported as "telegram: DESCRIPTION (CODE)".

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use super::data::template_data;
use super::http::{self, body_details, permanent, read_secret_file, retryable};
use super::telegram_fit::fit_message;
use super::templates::Templates;
use super::{Notifier, NotifyContext, NotifyError, go_json};
use crate::alertmanager::alert::Alert;
use crate::alertmanager::config_global::DEFAULT_TELEGRAM_API_URL;
use crate::alertmanager::config_receiver::TelegramConfig;
use crate::httpclient::HttpClient;

pub(crate) struct Telegram {
    config: TelegramConfig,
    client: HttpClient,
    templates: Arc<Templates>,
}

impl Telegram {
    pub(crate) fn new(config: &TelegramConfig, templates: &Arc<Templates>) -> Result<Telegram, String> {
        Ok(Telegram {
            client: http::client(config.http_config.as_ref())?,
            config: config.clone(),
            templates: Arc::clone(templates),
        })
    }

    fn render(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<String, NotifyError> {
        let data = template_data(context, alerts);
        let rendered = if self.config.parse_mode == "HTML" {
            self.templates.execute_html(&self.config.message, &data)
        } else {
            self.templates.execute_text(&self.config.message, &data)
        };
        let text = rendered.map_err(|error| permanent(format!("cannot render message: {error}")))?;
        let (text, cut) = fit_message(&text, &self.config.parse_mode);
        if cut {
            tracing::warn!(group_key = %context.group_key, "telegram message too long, truncated");
        }
        Ok(text)
    }

    fn token(&self) -> Result<String, NotifyError> {
        if self.config.bot_token_file.is_empty() {
            return Ok(self.config.bot_token.expose().to_string());
        }
        read_secret_file(&self.config.bot_token_file)
            .map_err(|error| retryable(format!("could not read bot token: {error}")))
    }

    fn url(&self, token: &str) -> String {
        let api = self.config.api_url.as_ref().map_or(DEFAULT_TELEGRAM_API_URL, |url| url.as_str());
        format!("{api}/bot{token}/sendMessage")
    }

    /// The request body, as telebot's `sendText` builds it.
    fn body(&self, text: String) -> BTreeMap<&'static str, String> {
        let mut body = BTreeMap::new();
        body.insert("chat_id", self.config.chat_id.to_string());
        body.insert("text", text);
        body.insert("disable_web_page_preview", "true".to_string());
        if self.config.disable_notifications {
            body.insert("disable_notification", "true".to_string());
        }
        if !self.config.parse_mode.is_empty() {
            body.insert("parse_mode", self.config.parse_mode.clone());
        }
        if self.config.message_thread_id != 0 {
            body.insert("message_thread_id", self.config.message_thread_id.to_string());
        }
        body
    }
}

#[async_trait]
impl Notifier for Telegram {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let text = self.render(context, alerts)?;
        let token = self.token()?;
        let body = go_json::encode(&self.body(text));
        let response = http::post_json(&self.client, &self.url(&token), body, None).await.map_err(|mut error| {
            // The token is part of the URL; transport errors must not show it.
            error.message = error.message.replace(&token, "<token>");
            error
        })?;
        check_reply(response.status, &response.body)
    }
}

/// The Bot API's reply: `{"ok":true,"result":…}` or
/// `{"ok":false,"error_code":400,"description":"…"}`.
#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    error_code: i64,
    #[serde(default)]
    description: String,
}

fn check_reply(status: u16, body: &[u8]) -> Result<(), NotifyError> {
    match serde_json::from_slice::<Reply>(body) {
        Ok(reply) if reply.ok => Ok(()),
        Ok(reply) => Err(retryable(format!("telegram: {} ({})", reply.description, reply.error_code))),
        Err(_) => Err(retryable(format!("telegram: unexpected response (status {status}): {}", body_details(body)))),
    }
}

#[cfg(test)]
#[path = "telegram_tests.rs"]
mod tests;
