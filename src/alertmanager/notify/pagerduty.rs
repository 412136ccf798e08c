//! The PagerDuty integration (prometheus/alertmanager notify/pagerduty):
//! an Events API v2 event for `routing_key` (`trigger` while any alert
//! fires, else `resolve`), or a v1 event for `service_key`, deduplicated
//! by the SHA-256 of the group key. Keys may come from files and are
//! templates, as upstream allows. Details are templates run against the
//! whole group; an event over 512000 bytes has its details replaced by a
//! note. 5xx is retried, and 429 (v2) or 403 (v1) as rate limiting; a 400
//! reply's message and errors are quoted.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::data::{group_status, template_data};
use super::http::{self, check_status, permanent, read_secret_file, truncate_chars};
use super::templates::Templates;
use super::{Notifier, NotifyContext, NotifyError, go_json};
use crate::alertmanager::alert::Alert;
use crate::alertmanager::config_global::DEFAULT_PAGERDUTY_URL;
use crate::alertmanager::config_receiver::PagerdutyConfig;
use crate::httpclient::HttpClient;
use crate::template::{Value, go_quote};

/// Upstream's fixed endpoint for v1 events.
const V1_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";
const MAX_EVENT_BYTES: usize = 512_000;
/// PagerDuty's limit on summaries (v2) and descriptions (v1).
const MAX_SUMMARY_CHARACTERS: usize = 1024;

pub(crate) struct Pagerduty {
    config: PagerdutyConfig,
    client: HttpClient,
    templates: Arc<Templates>,
    /// Where v1 events go; a field so that tests can point it elsewhere.
    v1_url: String,
}

/// Both API versions' message; unset fields are left out as upstream's
/// `omitempty` leaves them, while `event_action` and `payload` are always
/// present.
#[derive(Serialize, Default)]
struct Message {
    #[serde(skip_serializing_if = "String::is_empty")]
    routing_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    service_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    dedup_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    incident_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    event_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    event_action: String,
    payload: Option<Payload>,
    #[serde(skip_serializing_if = "String::is_empty")]
    client: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    client_url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    details: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
}

#[derive(Serialize)]
struct Payload {
    summary: String,
    source: String,
    severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    component: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    custom_details: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Image {
    src: String,
    alt: String,
    href: String,
}

#[derive(Serialize)]
struct Link {
    href: String,
    text: String,
}

/// Renders the message's fields; the first error is kept and reported
/// once, as upstream's `TmplText` does.
struct Render<'a> {
    templates: &'a Templates,
    data: Value,
    error: Option<crate::template::Error>,
}

impl Render<'_> {
    fn text(&mut self, source: &str) -> String {
        if self.error.is_some() {
            return String::new();
        }
        self.templates.execute_text(source, &self.data).unwrap_or_else(|error| {
            self.error = Some(error);
            String::new()
        })
    }

    fn finish(&mut self, version: &str) -> Result<(), NotifyError> {
        match self.error.take() {
            None => Ok(()),
            Some(error) => Err(permanent(format!("failed to template PagerDuty {version} message: {error}"))),
        }
    }
}

impl Pagerduty {
    pub(crate) fn new(config: &PagerdutyConfig, templates: &Arc<Templates>) -> Result<Pagerduty, String> {
        Ok(Pagerduty {
            client: http::client(config.http_config.as_ref())?,
            config: config.clone(),
            templates: Arc::clone(templates),
            v1_url: V1_URL.to_string(),
        })
    }

    fn is_v1(&self) -> bool {
        !self.config.service_key.is_empty() || !self.config.service_key_file.is_empty()
    }

    fn details(&self, data: &Value) -> Result<BTreeMap<String, String>, NotifyError> {
        let mut details = BTreeMap::new();
        for (key, source) in &self.config.details {
            let detail = self.templates.execute_text(source, data).map_err(|error| {
                permanent(format!("{}: failed to template {}: {error}", go_quote(key), go_quote(source)))
            })?;
            details.insert(key.clone(), detail);
        }
        Ok(details)
    }

    fn key(&self, inline: &str, file: &str, what: &str) -> Result<String, NotifyError> {
        if !inline.is_empty() {
            return Ok(inline.to_string());
        }
        read_secret_file(file).map_err(|error| permanent(format!("failed to read {what} from file: {error}")))
    }

    fn v1_message(&self, render: &mut Render, action: &str, details: BTreeMap<String, String>) -> Message {
        let description = summary(render.text(&self.config.description));
        let mut message = Message { event_type: action.to_string(), description, details, ..Message::default() };
        if action == "trigger" {
            message.client = render.text(&self.config.client);
            message.client_url = render.text(&self.config.client_url);
        }
        message
    }

    fn v2_message(&self, render: &mut Render, action: &str, details: BTreeMap<String, String>) -> Message {
        let config = &self.config;
        let summary = summary(render.text(&config.description));
        let severity = if config.severity.is_empty() { "error" } else { config.severity.as_str() };
        let payload = Payload {
            summary,
            source: render.text(&config.source),
            severity: render.text(severity),
            class: render.text(&config.class),
            component: render.text(&config.component),
            group: render.text(&config.group),
            custom_details: details,
        };
        let mut images = Vec::new();
        for image in &config.images {
            let image =
                Image { src: render.text(&image.src), alt: render.text(&image.alt), href: render.text(&image.href) };
            if !image.src.is_empty() {
                images.push(image);
            }
        }
        let mut links = Vec::new();
        for link in &config.links {
            let link = Link { href: render.text(&link.href), text: render.text(&link.text) };
            if !link.href.is_empty() {
                links.push(link);
            }
        }
        Message {
            client: render.text(&config.client),
            client_url: render.text(&config.client_url),
            event_action: action.to_string(),
            payload: Some(payload),
            images,
            links,
            ..Message::default()
        }
    }

    async fn send(&self, message: Message, url: &str, retry_codes: &[u16]) -> Result<(), NotifyError> {
        let body = encode_within_limit(message);
        let response = http::post_json(&self.client, url, body, None).await.map_err(|mut error| {
            error.message = format!("failed to post message to PagerDuty: {}", error.message);
            error
        })?;
        check_status(response.status, retry_codes, &error_details(response.status, &response.body))
    }
}

#[async_trait]
impl Notifier for Pagerduty {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let action = if group_status(alerts, context.now) == "resolved" { "resolve" } else { "trigger" };
        let dedup_key = sha256_hex(&context.group_key);
        let data = template_data(context, alerts);
        let details = self.details(&data)?;
        let mut render = Render { templates: &self.templates, data, error: None };
        if self.is_v1() {
            let key = self.key(self.config.service_key.expose(), &self.config.service_key_file, "service key")?;
            let mut message = self.v1_message(&mut render, action, details);
            message.service_key = render.text(&key);
            message.incident_key = dedup_key;
            render.finish("v1")?;
            if message.service_key.is_empty() {
                return Err(permanent("service key cannot be empty"));
            }
            return self.send(message, &self.v1_url, &[403]).await;
        }
        let key = self.key(self.config.routing_key.expose(), &self.config.routing_key_file, "routing key")?;
        let mut message = self.v2_message(&mut render, action, details);
        message.routing_key = render.text(&key);
        message.dedup_key = dedup_key;
        render.finish("v2")?;
        if message.routing_key.is_empty() {
            return Err(permanent("routing key cannot be empty"));
        }
        let url = self.config.url.as_ref().map_or(DEFAULT_PAGERDUTY_URL, |url| url.as_str());
        self.send(message, url, &[429]).await
    }
}

/// The description, cut to PagerDuty's limit.
fn summary(description: String) -> String {
    let (summary, cut) = truncate_chars(&description, MAX_SUMMARY_CHARACTERS);
    if cut {
        tracing::warn!(max_characters = MAX_SUMMARY_CHARACTERS, "pagerduty summary too long, truncated");
    }
    summary
}

/// The JSON event; over PagerDuty's size limit, the details give way to a
/// note saying so.
fn encode_within_limit(mut message: Message) -> Vec<u8> {
    let body = go_json::encode(&message);
    if body.len() <= MAX_EVENT_BYTES {
        return body;
    }
    tracing::warn!(bytes = body.len(), limit = MAX_EVENT_BYTES, "pagerduty event too large, details removed");
    let note = "Custom details have been removed because the original event exceeds the maximum size of 512KB";
    let replacement = BTreeMap::from([("error".to_string(), note.to_string())]);
    match &mut message.payload {
        Some(payload) => payload.custom_details = replacement,
        None => message.details = replacement,
    }
    go_json::encode(&message)
}

/// For a 400 reply, PagerDuty's `message: error1,error2`.
fn error_details(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Reply {
        #[serde(default)]
        message: String,
        #[serde(default)]
        errors: Vec<String>,
    }
    if status != 400 {
        return String::new();
    }
    match serde_json::from_slice::<Reply>(body) {
        Ok(reply) => format!("{}: {}", reply.message, reply.errors.join(",")),
        Err(_) => String::new(),
    }
}

/// Upstream's `Key.Hash`: the group key's SHA-256 in lower-case hex.
pub(crate) fn sha256_hex(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
#[path = "pagerduty_tests.rs"]
mod tests;
