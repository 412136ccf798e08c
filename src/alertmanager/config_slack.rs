//! Slack receivers (`config.SlackConfig` and its fields and actions), with
//! upstream's default templates and checks.

use serde::{Deserialize, Serialize};

use super::config_values::{SecretUrl, optional_http_config};
use crate::config::{HttpClientConfig, Invalid, Within, is_default, nullable};

/// Posts a message with one attachment to a Slack incoming webhook or API.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackConfig {
    #[serde(deserialize_with = "nullable")]
    pub send_resolved: bool,
    #[serde(deserialize_with = "optional_http_config", skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `None` with an empty `api_url_file` until loading fills in the global ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<SecretUrl>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub api_url_file: String,
    /// Overrides the webhook's channel (`#other-channel`, `@user`).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub channel: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub username: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub color: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub title_link: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub pretext: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub text: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub fields: Vec<SlackField>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub short_fields: bool,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub footer: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub fallback: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub callback_id: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub icon_emoji: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub icon_url: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub image_url: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub thumb_url: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub link_names: bool,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub mrkdwn_in: Vec<String>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub actions: Vec<SlackAction>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        let template = |name: &str| format!("{{{{ template \"slack.default.{name}\" . }}}}");
        SlackConfig {
            send_resolved: false,
            http_config: None,
            api_url: None,
            api_url_file: String::new(),
            channel: String::new(),
            username: template("username"),
            color: r#"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#.to_string(),
            title: template("title"),
            title_link: template("titlelink"),
            pretext: template("pretext"),
            text: template("text"),
            fields: Vec::new(),
            short_fields: false,
            footer: template("footer"),
            fallback: template("fallback"),
            callback_id: template("callbackid"),
            icon_emoji: template("iconemoji"),
            icon_url: template("iconurl"),
            image_url: String::new(),
            thumb_url: String::new(),
            link_names: false,
            mrkdwn_in: Vec::new(),
            actions: Vec::new(),
        }
    }
}

impl SlackConfig {
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        for (index, field) in self.fields.iter().enumerate() {
            field.validate().at_index(index).within("fields")?;
        }
        for (index, action) in self.actions.iter_mut().enumerate() {
            action.validate().at_index(index).within("actions")?;
        }
        if self.api_url.is_some() && !self.api_url_file.is_empty() {
            return Err(Invalid::new("at most one of api_url & api_url_file must be configured"));
        }
        Ok(())
    }
}

/// One field of the attachment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackField {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub value: String,
    /// Unset: use the config's `short_fields`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
}

impl SlackField {
    fn validate(&self) -> Result<(), Invalid> {
        if self.title.is_empty() {
            return Err(Invalid::new("missing title in Slack field configuration"));
        }
        if self.value.is_empty() {
            return Err(Invalid::new("missing value in Slack field configuration"));
        }
        Ok(())
    }
}

/// A button: a link (`url`) or an interactive action (`name`, `value`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackAction {
    #[serde(rename = "type", deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub kind: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub text: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub url: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub style: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub value: String,
    #[serde(rename = "confirm", skip_serializing_if = "Option::is_none")]
    pub confirm: Option<SlackConfirmation>,
}

impl SlackAction {
    /// A link button drops the interactive fields; an interactive one needs a name.
    fn validate(&mut self) -> Result<(), Invalid> {
        if self.confirm.as_ref().is_some_and(|confirm| confirm.text.is_empty()) {
            return Err(Invalid::field("confirm", "missing text in Slack confirmation configuration"));
        }
        if self.kind.is_empty() {
            return Err(Invalid::new("missing type in Slack action configuration"));
        }
        if self.text.is_empty() {
            return Err(Invalid::new("missing text in Slack action configuration"));
        }
        if !self.url.is_empty() {
            self.name.clear();
            self.value.clear();
            self.confirm = None;
        } else if self.name.is_empty() {
            return Err(Invalid::new("missing name or url in Slack action configuration"));
        }
        Ok(())
    }
}

/// Asks the user to confirm before the action runs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackConfirmation {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub text: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub title: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub ok_text: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub dismiss_text: String,
}
