//! The webhook integration (prometheus/alertmanager notify/webhook): the
//! group as the version 4 JSON message, POSTed to `url` or to the URL read
//! from `url_file` on each notification, with at most `max_alerts` alerts
//! (the rest counted in `truncatedAlerts`) and the optional `timeout`.
//! 2xx succeeds; 5xx is retried; other codes fail for good, the response
//! body quoted in the error.

use async_trait::async_trait;
use serde::Serialize;

use super::data::{common_pairs, group_status, quote_meta};
use super::http::{self, body_details, check_status, permanent, read_secret_file};
use super::{Notifier, NotifyContext, NotifyError, go_json};
use crate::alertmanager::alert::{Alert, Nanos, format_go_time};
use crate::alertmanager::config_receiver::WebhookConfig;
use crate::alertmanager::labels::LabelSet;
use crate::httpclient::HttpClient;

pub(crate) struct Webhook {
    config: WebhookConfig,
    client: HttpClient,
}

impl Webhook {
    pub(crate) fn new(config: &WebhookConfig) -> Result<Webhook, String> {
        Ok(Webhook { client: http::client(config.http_config.as_ref())?, config: config.clone() })
    }

    fn url(&self) -> Result<String, NotifyError> {
        if let Some(url) = &self.config.url {
            return url.expose().map(str::to_string).ok_or_else(|| permanent("webhook url is redacted (<secret>)"));
        }
        read_secret_file(&self.config.url_file).map_err(|error| permanent(format!("read url_file: {error}")))
    }
}

#[async_trait]
impl Notifier for Webhook {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let (alerts, truncated) = truncate_alerts(alerts, self.config.max_alerts);
        let body = go_json::encode(&message(context, alerts, truncated));
        let url = self.url()?;
        let timeout = (!self.config.timeout.is_zero()).then(|| (self.config.timeout.to_std(), "webhook"));
        let response = http::post_json(&self.client, &url, body, timeout).await?;
        check_status(response.status, &[], &body_details(&response.body))
    }
}

/// The first `max_alerts` alerts (all when 0) and how many were left out.
pub(crate) fn truncate_alerts(alerts: &[Alert], max_alerts: u64) -> (&[Alert], u64) {
    match usize::try_from(max_alerts) {
        Ok(max) if max > 0 && alerts.len() > max => (&alerts[..max], (alerts.len() - max) as u64),
        _ => (alerts, 0),
    }
}

/// The version 4 webhook message: upstream's `template.Data` as JSON plus
/// `version`, `groupKey` and `truncatedAlerts`, fields in upstream's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    receiver: String,
    status: &'static str,
    alerts: Vec<AlertMessage<'a>>,
    group_labels: &'a LabelSet,
    common_labels: LabelSet,
    common_annotations: LabelSet,
    #[serde(rename = "externalURL")]
    external_url: &'a str,
    version: &'static str,
    group_key: &'a str,
    truncated_alerts: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertMessage<'a> {
    status: &'static str,
    labels: &'a LabelSet,
    annotations: &'a LabelSet,
    starts_at: String,
    ends_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: &'a str,
    fingerprint: String,
}

fn message<'a>(context: &'a NotifyContext, alerts: &'a [Alert], truncated: u64) -> Message<'a> {
    let (common_labels, common_annotations) = common_pairs(alerts);
    Message {
        receiver: quote_meta(&context.receiver),
        status: group_status(alerts, context.now),
        alerts: alerts.iter().map(|alert| alert_message(alert, context.now)).collect(),
        group_labels: &context.group_labels,
        common_labels,
        common_annotations,
        external_url: &context.external_url,
        version: "4",
        group_key: &context.group_key,
        truncated_alerts: truncated,
    }
}

fn alert_message(alert: &Alert, now: Nanos) -> AlertMessage<'_> {
    AlertMessage {
        status: alert.status(now),
        labels: &alert.labels,
        annotations: &alert.annotations,
        starts_at: format_go_time(Some(alert.starts_at)),
        ends_at: format_go_time(alert.ends_at),
        generator_url: &alert.generator_url,
        fingerprint: alert.fingerprint().to_string(),
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
