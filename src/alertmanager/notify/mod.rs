//! Notification integrations: what a receiver's `*_configs` become, each
//! sending one aggregation group's alerts to one destination.
//!
//! The pipeline (`super::pipeline`) decides whether and when to notify; an
//! integration only renders and delivers, and says whether a failure is
//! worth retrying. Integrations are built per configuration (re)load, in
//! upstream's order (webhook, email, PagerDuty, Slack, Telegram), with the
//! configuration's [`Templates`].

mod data;
mod email;
mod email_mime;
mod go_json;
mod html_escape;
mod http;
mod pagerduty;
mod slack;
mod smtp;
#[cfg(test)]
mod smtp_fake;
mod telegram;
mod telegram_fit;
mod telegram_markdown;
mod templates;
#[cfg(test)]
mod test_server;
mod webhook;

use std::sync::Arc;

use async_trait::async_trait;

use super::alert::{Alert, Nanos};
use super::config_receiver::Receiver;
use super::labels::LabelSet;

pub use data::template_data;
pub use templates::{Templates, load_templates};

/// What a notification is about, besides its alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyContext {
    /// The receiver's name.
    pub receiver: String,
    /// The aggregation group's key, `{}/{team="db"}:{alertname="Down"}`.
    pub group_key: String,
    /// The labels the group is formed by.
    pub group_labels: LabelSet,
    /// `--web.external-url`, links back to this Alertmanager.
    pub external_url: String,
    /// The instant of the flush; an alert with an end at or before it is resolved.
    pub now: Nanos,
}

/// A failed delivery; `retry` says whether trying again may help (network
/// errors, 5xx, 429) or not (4xx, a template error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyError {
    pub retry: bool,
    pub message: String,
}

impl std::fmt::Display for NotifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Delivers one group's alerts to one destination. `alerts` are already
/// filtered: resolved ones are included only when the integration sends
/// resolved notifications.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError>;
}

/// One entry of a receiver's `*_configs`.
pub struct Integration {
    /// "webhook", "telegram", "slack", "email" or "pagerduty", as upstream
    /// names integrations in the notification log and metrics.
    pub name: &'static str,
    /// The position among the receiver's integrations of the same name.
    pub index: usize,
    pub send_resolved: bool,
    pub notifier: Box<dyn Notifier>,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.name, self.index)
    }
}

/// One integration per entry of the receiver's `*_configs`, `index`
/// counting within each kind, in upstream's order.
pub fn build_integrations(receiver: &Receiver, templates: &Arc<Templates>) -> Result<Vec<Integration>, String> {
    let mut integrations = Vec::new();
    let mut add =
        |name: &'static str, index: usize, send_resolved: bool, notifier: Result<Box<dyn Notifier>, String>| {
            let notifier = notifier.map_err(|error| format!("{name}_configs[{index}]: {error}"))?;
            integrations.push(Integration { name, index, send_resolved, notifier });
            Ok::<(), String>(())
        };
    for (index, config) in receiver.webhook_configs.iter().enumerate() {
        add("webhook", index, config.send_resolved, webhook::Webhook::new(config).map(boxed))?;
    }
    for (index, config) in receiver.email_configs.iter().enumerate() {
        add("email", index, config.send_resolved, Ok(boxed(email::Email::new(config, templates))))?;
    }
    for (index, config) in receiver.pagerduty_configs.iter().enumerate() {
        add("pagerduty", index, config.send_resolved, pagerduty::Pagerduty::new(config, templates).map(boxed))?;
    }
    for (index, config) in receiver.slack_configs.iter().enumerate() {
        add("slack", index, config.send_resolved, slack::Slack::new(config, templates).map(boxed))?;
    }
    for (index, config) in receiver.telegram_configs.iter().enumerate() {
        add("telegram", index, config.send_resolved, telegram::Telegram::new(config, templates).map(boxed))?;
    }
    Ok(integrations)
}

fn boxed(notifier: impl Notifier + 'static) -> Box<dyn Notifier> {
    Box::new(notifier)
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
