//! Receivers and the integrations Sonde implements (webhook, email,
//! PagerDuty, Telegram; Slack is in `config_slack`), with upstream's
//! defaults and the checks of their `UnmarshalYAML` methods
//! (config/notifiers.go). Values inherited from `global` are filled in by
//! `config_validate`.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::config_slack::SlackConfig;
use super::config_values::{HostPort, HttpUrl, SecretUrl, optional_http_config};
use crate::config::{Duration, HttpClientConfig, Invalid, Secret, TlsConfig, Within, is_default, nullable};

/// The Subject header of an email when `headers` sets none.
pub const DEFAULT_EMAIL_SUBJECT: &str = r#"{{ template "email.default.subject" . }}"#;

/// Integrations of upstream Alertmanager that Sonde does not implement.
pub const UNSUPPORTED_INTEGRATIONS: [&str; 13] = [
    "discord_configs",
    "incidentio_configs",
    "jira_configs",
    "mattermost_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "opsgenie_configs",
    "pushover_configs",
    "rocketchat_configs",
    "sns_configs",
    "victorops_configs",
    "webex_configs",
    "wechat_configs",
];

/// The integrations Sonde implements, as named in receivers.
pub const SUPPORTED_INTEGRATIONS: [&str; 5] =
    ["email_configs", "pagerduty_configs", "slack_configs", "telegram_configs", "webhook_configs"];

/// A named set of notification integrations that routes send to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub email_configs: Vec<EmailConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub pagerduty_configs: Vec<PagerdutyConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub slack_configs: Vec<SlackConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub telegram_configs: Vec<TelegramConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub webhook_configs: Vec<WebhookConfig>,
    // Upstream integrations: an empty list is accepted, entries are not.
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    discord_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    incidentio_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    jira_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    mattermost_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    msteams_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    msteamsv2_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    opsgenie_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    pushover_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    rocketchat_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    sns_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    victorops_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    webex_configs: Vec<IgnoredAny>,
    #[serde(default, deserialize_with = "nullable", skip_serializing)]
    wechat_configs: Vec<IgnoredAny>,
}

impl Receiver {
    /// A receiver with only a name, which drops the alerts routed to it.
    pub fn named(name: impl Into<String>) -> Receiver {
        Receiver { name: name.into(), ..Receiver::default() }
    }

    /// How many notification integrations the receiver has.
    pub fn integration_count(&self) -> usize {
        self.email_configs.len()
            + self.pagerduty_configs.len()
            + self.slack_configs.len()
            + self.telegram_configs.len()
            + self.webhook_configs.len()
    }

    /// The checks upstream makes while decoding a receiver.
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        self.reject_unsupported()?;
        for (index, email) in self.email_configs.iter_mut().enumerate() {
            email.validate().at_index(index).within("email_configs")?;
        }
        for (index, pagerduty) in self.pagerduty_configs.iter_mut().enumerate() {
            pagerduty.validate().at_index(index).within("pagerduty_configs")?;
        }
        for (index, slack) in self.slack_configs.iter_mut().enumerate() {
            slack.validate().at_index(index).within("slack_configs")?;
        }
        for (index, telegram) in self.telegram_configs.iter().enumerate() {
            telegram.validate().at_index(index).within("telegram_configs")?;
        }
        for (index, webhook) in self.webhook_configs.iter().enumerate() {
            webhook.validate().at_index(index).within("webhook_configs")?;
        }
        if self.name.is_empty() {
            return Err(Invalid::new("missing name in receiver"));
        }
        Ok(())
    }

    fn reject_unsupported(&self) -> Result<(), Invalid> {
        let lists = [
            &self.discord_configs,
            &self.incidentio_configs,
            &self.jira_configs,
            &self.mattermost_configs,
            &self.msteams_configs,
            &self.msteamsv2_configs,
            &self.opsgenie_configs,
            &self.pushover_configs,
            &self.rocketchat_configs,
            &self.sns_configs,
            &self.victorops_configs,
            &self.webex_configs,
            &self.wechat_configs,
        ];
        for (list, field) in lists.into_iter().zip(UNSUPPORTED_INTEGRATIONS) {
            if !list.is_empty() {
                let supported = SUPPORTED_INTEGRATIONS.join(", ");
                return Err(Invalid::field(
                    field,
                    format!("{field} is not supported by Sonde (supported: {supported})"),
                ));
            }
        }
        Ok(())
    }
}

/// Posts the alert group as JSON to a URL.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    #[serde(deserialize_with = "nullable")]
    pub send_resolved: bool,
    /// `None` until loading fills in the global `http_config`.
    #[serde(deserialize_with = "optional_http_config", skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<SecretUrl>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub url_file: String,
    /// At most this many alerts per message; 0 for no limit.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub max_alerts: u64,
    /// 0 for no timeout.
    #[serde(skip_serializing_if = "is_default")]
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            send_resolved: true,
            http_config: None,
            url: None,
            url_file: String::new(),
            max_alerts: 0,
            timeout: Duration::ZERO,
        }
    }
}

impl WebhookConfig {
    fn validate(&self) -> Result<(), Invalid> {
        match (self.url.is_some(), self.url_file.is_empty()) {
            (false, true) => Err(Invalid::new("one of url or url_file must be configured")),
            (true, false) => Err(Invalid::new("at most one of url & url_file must be configured")),
            _ => Ok(()),
        }
    }
}

/// Sends an email through an SMTP server.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    #[serde(deserialize_with = "nullable")]
    pub send_resolved: bool,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub to: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub from: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub hello: String,
    #[serde(skip_serializing_if = "HostPort::is_empty")]
    pub smarthost: HostPort,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub auth_username: String,
    #[serde(skip_serializing_if = "is_default")]
    pub auth_password: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub auth_password_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub auth_secret: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub auth_secret_file: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub auth_identity: String,
    /// Header names in canonical form (`Subject`, `X-Team`).
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub headers: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub html: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub text: String,
    /// `None` until loading fills in `smtp_require_tls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    /// `None` until loading fills in `smtp_tls_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            send_resolved: false,
            to: String::new(),
            from: String::new(),
            hello: String::new(),
            smarthost: HostPort::default(),
            auth_username: String::new(),
            auth_password: Secret::default(),
            auth_password_file: String::new(),
            auth_secret: Secret::default(),
            auth_secret_file: String::new(),
            auth_identity: String::new(),
            headers: BTreeMap::new(),
            html: r#"{{ template "email.default.html" . }}"#.to_string(),
            text: String::new(),
            require_tls: None,
            tls_config: None,
        }
    }
}

impl EmailConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        if self.to.is_empty() {
            return Err(Invalid::new("missing to address in email config"));
        }
        let mut canonical = BTreeMap::new();
        for (name, value) in std::mem::take(&mut self.headers) {
            let key = canonical_header_key(&name);
            if canonical.contains_key(&key) {
                return Err(Invalid::field("headers", format!("duplicate header {key:?} in email config")));
            }
            canonical.insert(key, value);
        }
        self.headers = canonical;
        match &self.tls_config {
            Some(tls) => tls.validate().within("tls_config"),
            None => Ok(()),
        }
    }

    /// The Subject header template.
    pub fn subject(&self) -> &str {
        self.headers.get("Subject").map_or(DEFAULT_EMAIL_SUBJECT, String::as_str)
    }
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: `x-team-name` becomes
/// `X-Team-Name`; names with characters outside a token are left alone.
pub(crate) fn canonical_header_key(name: &str) -> String {
    let token = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if !name.bytes().all(token) {
        return name.to_string();
    }
    let mut upper = true;
    name.chars()
        .map(|character| {
            let converted = if upper { character.to_ascii_uppercase() } else { character.to_ascii_lowercase() };
            upper = character == '-';
            converted
        })
        .collect()
}

/// Opens incidents through PagerDuty's Events API (v2 with `routing_key`,
/// v1 with `service_key`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagerdutyConfig {
    #[serde(deserialize_with = "nullable")]
    pub send_resolved: bool,
    #[serde(deserialize_with = "optional_http_config", skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(skip_serializing_if = "is_default")]
    pub service_key: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub service_key_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub routing_key: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub routing_key_file: String,
    /// `None` until loading fills in `pagerduty_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<HttpUrl>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub client: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub client_url: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub description: String,
    /// The defaults (`firing`, `resolved`, `num_firing`, `num_resolved`) are
    /// added to whatever is configured.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub details: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub images: Vec<PagerdutyImage>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub links: Vec<PagerdutyLink>,
    /// Defaults to `client`.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub source: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub severity: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub class: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub component: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub group: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagerdutyImage {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub src: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub alt: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub href: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagerdutyLink {
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub href: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub text: String,
}

/// Upstream's `DefaultPagerdutyDetails`.
pub const DEFAULT_PAGERDUTY_DETAILS: [(&str, &str); 4] = [
    ("firing", r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#),
    ("resolved", r#"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#),
    ("num_firing", "{{ .Alerts.Firing | len }}"),
    ("num_resolved", "{{ .Alerts.Resolved | len }}"),
];

impl Default for PagerdutyConfig {
    fn default() -> Self {
        PagerdutyConfig {
            send_resolved: true,
            http_config: None,
            service_key: Secret::default(),
            service_key_file: String::new(),
            routing_key: Secret::default(),
            routing_key_file: String::new(),
            url: None,
            client: r#"{{ template "pagerduty.default.client" . }}"#.to_string(),
            client_url: r#"{{ template "pagerduty.default.clientURL" . }}"#.to_string(),
            description: r#"{{ template "pagerduty.default.description" .}}"#.to_string(),
            details: BTreeMap::new(),
            images: Vec::new(),
            links: Vec::new(),
            source: String::new(),
            severity: String::new(),
            class: String::new(),
            component: String::new(),
            group: String::new(),
        }
    }
}

impl PagerdutyConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        let keys = [&self.routing_key_file, &self.service_key_file];
        if self.routing_key.is_empty() && self.service_key.is_empty() && keys.iter().all(|file| file.is_empty()) {
            return Err(Invalid::new("missing service or routing key in PagerDuty config"));
        }
        if !self.routing_key.is_empty() && !self.routing_key_file.is_empty() {
            return Err(Invalid::new("at most one of routing_key & routing_key_file must be configured"));
        }
        if !self.service_key.is_empty() && !self.service_key_file.is_empty() {
            return Err(Invalid::new("at most one of service_key & service_key_file must be configured"));
        }
        if self.source.is_empty() {
            self.source = self.client.clone();
        }
        for (key, template) in DEFAULT_PAGERDUTY_DETAILS {
            self.details.entry(key.to_string()).or_insert_with(|| template.to_string());
        }
        Ok(())
    }
}

/// Sends a message through a Telegram bot.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    #[serde(deserialize_with = "nullable")]
    pub send_resolved: bool,
    #[serde(deserialize_with = "optional_http_config", skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `None` until loading fills in `telegram_api_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "is_default")]
    pub bot_token: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub bot_token_file: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub chat_id: i64,
    /// A forum topic of the chat; 0 for none.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub message_thread_id: i64,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub message: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub disable_notifications: bool,
    /// `Markdown`, `MarkdownV2`, `HTML` or empty for plain text.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub parse_mode: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            send_resolved: true,
            http_config: None,
            api_url: None,
            bot_token: Secret::default(),
            bot_token_file: String::new(),
            chat_id: 0,
            message_thread_id: 0,
            message: r#"{{ template "telegram.default.message" . }}"#.to_string(),
            disable_notifications: false,
            parse_mode: "HTML".to_string(),
        }
    }
}

impl TelegramConfig {
    fn validate(&self) -> Result<(), Invalid> {
        if self.bot_token.is_empty() && self.bot_token_file.is_empty() {
            return Err(Invalid::new("missing bot_token or bot_token_file on telegram_config"));
        }
        if !self.bot_token.is_empty() && !self.bot_token_file.is_empty() {
            return Err(Invalid::new("at most one of bot_token & bot_token_file must be configured"));
        }
        if self.chat_id == 0 {
            return Err(Invalid::new("missing chat_id on telegram_config"));
        }
        if !matches!(self.parse_mode.as_str(), "" | "Markdown" | "MarkdownV2" | "HTML") {
            return Err(Invalid::field(
                "parse_mode",
                "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
            ));
        }
        Ok(())
    }
}
