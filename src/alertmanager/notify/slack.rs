//! The Slack integration (prometheus/alertmanager notify/slack): one
//! message with one attachment, every field a text template, POSTed to
//! `api_url` (an incoming webhook or `chat.postMessage`) or to the URL read
//! from `api_url_file`. The title is cut at 1024 characters. A 2xx reply
//! must also say it worked: a JSON reply needs `"ok": true`, any other
//! reply must be the body `ok`, as upstream checks.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::data::template_data;
use super::http::{self, body_details, check_status, permanent, read_secret_file, retryable, truncate_chars};
use super::templates::Templates;
use super::{Notifier, NotifyContext, NotifyError, go_json};
use crate::alertmanager::alert::Alert;
use crate::alertmanager::config_slack::{SlackAction, SlackConfig, SlackField};
use crate::httpclient::HttpClient;
use crate::template::Value;

/// Slack's limit on attachment titles.
const MAX_TITLE_CHARACTERS: usize = 1024;

pub(crate) struct Slack {
    config: SlackConfig,
    client: HttpClient,
    templates: Arc<Templates>,
}

#[derive(Serialize)]
struct Request {
    #[serde(skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_emoji: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_url: String,
    #[serde(skip_serializing_if = "is_false")]
    link_names: bool,
    attachments: Vec<Attachment>,
}

#[derive(Serialize)]
struct Attachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pretext: String,
    text: String,
    fallback: String,
    callback_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<Action>,
    #[serde(skip_serializing_if = "String::is_empty")]
    image_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    thumb_url: String,
    footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mrkdwn_in: Vec<String>,
}

#[derive(Serialize)]
struct Field {
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    short: bool,
}

#[derive(Serialize)]
struct Action {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    style: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm: Option<Confirmation>,
}

#[derive(Serialize)]
struct Confirmation {
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    ok_text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    dismiss_text: String,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// Renders fields one after another against the same data.
struct Render<'a> {
    templates: &'a Templates,
    data: Value,
}

impl Render<'_> {
    fn text(&self, field: &str, source: &str) -> Result<String, NotifyError> {
        self.templates
            .execute_text(source, &self.data)
            .map_err(|error| permanent(format!("cannot render {field}: {error}")))
    }
}

impl Slack {
    pub(crate) fn new(config: &SlackConfig, templates: &Arc<Templates>) -> Result<Slack, String> {
        Ok(Slack {
            client: http::client(config.http_config.as_ref())?,
            config: config.clone(),
            templates: Arc::clone(templates),
        })
    }

    fn request(&self, render: &Render) -> Result<Request, NotifyError> {
        let config = &self.config;
        let channel = render.text("channel", &config.channel)?;
        let (title, cut) = truncate_chars(&render.text("title", &config.title)?, MAX_TITLE_CHARACTERS);
        if cut {
            tracing::warn!(max_characters = MAX_TITLE_CHARACTERS, "slack title too long, truncated");
        }
        let mrkdwn_in = match config.mrkdwn_in.is_empty() {
            true => ["fallback", "pretext", "text"].map(String::from).to_vec(),
            false => config.mrkdwn_in.clone(),
        };
        let attachment = Attachment {
            title,
            title_link: render.text("title_link", &config.title_link)?,
            pretext: render.text("pretext", &config.pretext)?,
            text: render.text("text", &config.text)?,
            fallback: render.text("fallback", &config.fallback)?,
            callback_id: render.text("callback_id", &config.callback_id)?,
            fields: config.fields.iter().map(|field| self.field(render, field)).collect::<Result<_, _>>()?,
            actions: config.actions.iter().map(|action| action_of(render, action)).collect::<Result<_, _>>()?,
            image_url: render.text("image_url", &config.image_url)?,
            thumb_url: render.text("thumb_url", &config.thumb_url)?,
            footer: render.text("footer", &config.footer)?,
            color: render.text("color", &config.color)?,
            mrkdwn_in,
        };
        Ok(Request {
            channel,
            username: render.text("username", &config.username)?,
            icon_emoji: render.text("icon_emoji", &config.icon_emoji)?,
            icon_url: render.text("icon_url", &config.icon_url)?,
            link_names: config.link_names,
            attachments: vec![attachment],
        })
    }

    fn field(&self, render: &Render, field: &SlackField) -> Result<Field, NotifyError> {
        Ok(Field {
            title: render.text("field title", &field.title)?,
            value: render.text("field value", &field.value)?,
            short: field.short.unwrap_or(self.config.short_fields),
        })
    }

    fn url(&self) -> Result<String, NotifyError> {
        if let Some(url) = &self.config.api_url {
            return url.expose().map(str::to_string).ok_or_else(|| permanent("slack api_url is redacted (<secret>)"));
        }
        if self.config.api_url_file.is_empty() {
            return Err(permanent("missing api_url or api_url_file"));
        }
        read_secret_file(&self.config.api_url_file).map_err(|error| permanent(format!("read api_url_file: {error}")))
    }
}

fn action_of(render: &Render, action: &SlackAction) -> Result<Action, NotifyError> {
    let confirm = match &action.confirm {
        None => None,
        Some(confirm) => Some(Confirmation {
            text: render.text("confirm text", &confirm.text)?,
            title: render.text("confirm title", &confirm.title)?,
            ok_text: render.text("confirm ok_text", &confirm.ok_text)?,
            dismiss_text: render.text("confirm dismiss_text", &confirm.dismiss_text)?,
        }),
    };
    Ok(Action {
        kind: render.text("action type", &action.kind)?,
        text: render.text("action text", &action.text)?,
        url: render.text("action url", &action.url)?,
        style: render.text("action style", &action.style)?,
        name: render.text("action name", &action.name)?,
        value: render.text("action value", &action.value)?,
        confirm,
    })
}

#[async_trait]
impl Notifier for Slack {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let render = Render { templates: &self.templates, data: template_data(context, alerts) };
        let request = self.request(&render)?;
        let body = go_json::encode(&request);
        let response = http::post_json(&self.client, &self.url()?, body, None).await?;
        let in_channel = |mut error: NotifyError| {
            error.message = format!("channel {}: {}", crate::template::go_quote(&request.channel), error.message);
            error
        };
        check_status(response.status, &[], &body_details(&response.body)).map_err(in_channel)?;
        check_reply(&response.content_type, &response.body).map_err(in_channel)
    }
}

/// Slack may report errors in a 200 reply: `{"ok":false,"error":"…"}` from
/// the Web API, a text other than `ok` from incoming webhooks.
fn check_reply(content_type: &str, body: &[u8]) -> Result<(), NotifyError> {
    #[derive(Deserialize)]
    struct Reply {
        #[serde(default)]
        ok: bool,
        #[serde(default)]
        error: String,
    }
    if !content_type.starts_with("application/json") {
        return match body {
            b"ok" => Ok(()),
            _ => Err(permanent(format!("received an error response from Slack: {}", body_details(body)))),
        };
    }
    match serde_json::from_slice::<Reply>(body) {
        Ok(reply) if reply.ok => Ok(()),
        Ok(reply) => Err(permanent(format!("error response from Slack: {}", reply.error))),
        Err(error) => Err(retryable(format!(
            "could not unmarshal JSON response {}: {error}",
            crate::template::go_quote(&body_details(body))
        ))),
    }
}

#[cfg(test)]
#[path = "slack_tests.rs"]
mod tests;
