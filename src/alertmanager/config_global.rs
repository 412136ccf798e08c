//! The `global` section of alertmanager.yml (`config.GlobalConfig`): the
//! resolve timeout, the default HTTP client, and defaults that receivers
//! inherit (SMTP, Slack, PagerDuty and Telegram endpoints). Fields for
//! integrations Sonde does not implement are read and kept, so that files
//! written for Alertmanager load, but nothing uses them.

use serde::{Deserialize, Serialize};

use super::config_values::{HostPort, HttpUrl, SecretUrl, http_config};
use crate::config::{Duration, HttpClientConfig, Invalid, Secret, TlsConfig, is_default, nullable};

pub const DEFAULT_PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlobalConfig {
    /// How long after its last update an alert without an end time is resolved.
    pub resolve_timeout: Duration,
    #[serde(deserialize_with = "http_config")]
    pub http_config: HttpClientConfig,

    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_from: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_hello: String,
    #[serde(skip_serializing_if = "HostPort::is_empty")]
    pub smtp_smarthost: HostPort,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_auth_username: String,
    #[serde(skip_serializing_if = "is_default")]
    pub smtp_auth_password: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_auth_password_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub smtp_auth_secret: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_auth_secret_file: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_auth_identity: String,
    #[serde(deserialize_with = "nullable")]
    pub smtp_require_tls: bool,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub smtp_tls_config: TlsConfig,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_api_url: Option<SecretUrl>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub slack_api_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagerduty_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telegram_api_url: Option<HttpUrl>,

    /// Accepted for compatibility; Sonde has no OpsGenie, WeChat, VictorOps,
    /// Webex, Jira or Rocket.Chat integration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "is_default")]
    pub opsgenie_api_key: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub opsgenie_api_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "is_default")]
    pub wechat_api_secret: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub wechat_api_corp_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victorops_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "is_default")]
    pub victorops_api_key: Secret,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub victorops_api_key_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webex_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jira_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_api_url: Option<HttpUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token: Option<Secret>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub rocketchat_token_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_id: Option<Secret>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub rocketchat_token_id_file: String,
}

impl Default for GlobalConfig {
    /// Upstream's `DefaultGlobalConfig`, for the endpoints Sonde uses.
    fn default() -> Self {
        let url = |text| HttpUrl::parse(text).ok();
        GlobalConfig {
            resolve_timeout: Duration::from_minutes(5),
            http_config: HttpClientConfig::default(),
            smtp_from: String::new(),
            smtp_hello: "localhost".to_string(),
            smtp_smarthost: HostPort::default(),
            smtp_auth_username: String::new(),
            smtp_auth_password: Secret::default(),
            smtp_auth_password_file: String::new(),
            smtp_auth_secret: Secret::default(),
            smtp_auth_secret_file: String::new(),
            smtp_auth_identity: String::new(),
            smtp_require_tls: true,
            smtp_tls_config: TlsConfig::default(),
            slack_api_url: None,
            slack_api_url_file: String::new(),
            pagerduty_url: url(DEFAULT_PAGERDUTY_URL),
            telegram_api_url: url(DEFAULT_TELEGRAM_API_URL),
            opsgenie_api_url: None,
            opsgenie_api_key: Secret::default(),
            opsgenie_api_key_file: String::new(),
            wechat_api_url: None,
            wechat_api_secret: Secret::default(),
            wechat_api_corp_id: String::new(),
            victorops_api_url: None,
            victorops_api_key: Secret::default(),
            victorops_api_key_file: String::new(),
            webex_api_url: None,
            jira_api_url: None,
            rocketchat_api_url: None,
            rocketchat_token: None,
            rocketchat_token_file: String::new(),
            rocketchat_token_id: None,
            rocketchat_token_id_file: String::new(),
        }
    }
}

impl GlobalConfig {
    /// The "at most one of" checks of upstream's `Config.UnmarshalYAML`.
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        let exclusive = [
            (self.slack_api_url.is_some(), &self.slack_api_url_file, "slack_api_url"),
            (!self.opsgenie_api_key.is_empty(), &self.opsgenie_api_key_file, "opsgenie_api_key"),
            (!self.victorops_api_key.is_empty(), &self.victorops_api_key_file, "victorops_api_key"),
            (!self.smtp_auth_password.is_empty(), &self.smtp_auth_password_file, "smtp_auth_password"),
            (self.rocketchat_token.is_some(), &self.rocketchat_token_file, "rocketchat_token"),
            (self.rocketchat_token_id.is_some(), &self.rocketchat_token_id_file, "rocketchat_token_id"),
            (!self.smtp_auth_secret.is_empty(), &self.smtp_auth_secret_file, "smtp_auth_secret"),
        ];
        for (inline, file, name) in exclusive {
            if inline && !file.is_empty() {
                return Err(Invalid::field(
                    &format!("{name}_file"),
                    format!("at most one of {name} & {name}_file must be configured"),
                ));
            }
        }
        self.http_config.validate().map_err(|invalid| invalid.within("http_config"))?;
        self.smtp_tls_config.validate().map_err(|invalid| invalid.within("smtp_tls_config"))
    }
}
