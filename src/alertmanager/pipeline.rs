//! The notification pipeline, in Alertmanager's order (notify/notify.go):
//! wait for the peers to settle, drop inhibited alerts, hold back outside
//! the route's active and inside its mute time intervals, drop silenced
//! alerts, then for each integration of the receiver at once: wait by the
//! peer position, dedup against the notification log, send with retries,
//! and record what was sent.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::alert::{Alert, Nanos, now_nanos};
use super::config::Config;
use super::inhibit::Inhibitor;
use super::labels::LabelSet;
use super::metrics::{METRICS, integration as integration_label};
use super::nflog::{Entry, NotificationLog, ReceiverKey};
use super::notify::{Integration, NotifyContext};
use super::route::RouteOptions;
use super::silence::{Silence, Silences};

/// What a peer needs to know about the others, and tells them.
#[async_trait]
pub trait Peers: Send + Sync {
    /// This peer's name, recorded in the notification log entries it writes.
    fn name(&self) -> String;
    /// Returns when it is this peer's turn to notify: at once for the first
    /// peer, a peer timeout later for each position after it, so that the
    /// peers before it have notified and told it first.
    async fn wait_turn(&self);
    /// Returns once the initial exchange of state with the peers is done.
    async fn settled(&self);
    /// Tells the peers about a notification.
    fn share_notification(&self, entry: &Entry);
    /// Tells the peers about a changed silence.
    fn share_silence(&self, silence: &Silence);
    /// The cluster as `/api/v2/status` shows it; `None` when clustering is off.
    fn cluster_status(&self) -> Option<ClusterStatus>;
}

/// This peer's view of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterStatus {
    /// This peer's name.
    pub name: String,
    /// "ready" or "settling".
    pub status: String,
    /// Every peer (this one included) by name and address.
    pub peers: Vec<(String, String)>,
}

/// A lone Alertmanager: first in line, nothing to wait for or tell.
pub struct Standalone;

#[async_trait]
impl Peers for Standalone {
    fn name(&self) -> String {
        String::new()
    }

    async fn wait_turn(&self) {}

    async fn settled(&self) {}

    fn share_notification(&self, _entry: &Entry) {}

    fn share_silence(&self, _silence: &Silence) {}

    fn cluster_status(&self) -> Option<ClusterStatus> {
        None
    }
}

/// One flush of an aggregation group.
#[derive(Debug, Clone)]
pub struct Flush {
    pub receiver: String,
    pub group_key: String,
    pub group_labels: LabelSet,
    pub route: RouteOptions,
    /// The instant of the flush.
    pub now: Nanos,
    /// When the flush gives up retrying.
    pub deadline: Instant,
}

pub struct Pipeline {
    pub config: Arc<Config>,
    pub receivers: HashMap<String, Vec<Arc<Integration>>>,
    pub inhibitor: Arc<Inhibitor>,
    pub silences: Arc<Silences>,
    pub nflog: Arc<NotificationLog>,
    pub peers: Arc<dyn Peers>,
    pub external_url: String,
}

impl Pipeline {
    /// Runs a group's alerts through the stages; an error means at least
    /// one integration could not deliver.
    pub async fn exec(&self, flush: &Flush, alerts: Vec<Alert>) -> Result<(), String> {
        self.peers.settled().await;
        let mut alerts = alerts;
        alerts.retain(|alert| self.inhibitor.inhibited_by(&alert.labels, flush.now).is_none());
        if alerts.is_empty() || self.config.is_route_muted(&flush.route, flush.now / 1_000_000) {
            return Ok(());
        }
        alerts.retain(|alert| self.silences.muting(&alert.labels, flush.now).is_empty());
        if alerts.is_empty() {
            return Ok(());
        }
        let Some(integrations) = self.receivers.get(&flush.receiver) else {
            return Err(format!("receiver {:?} does not exist", flush.receiver));
        };
        let deliveries = integrations.iter().map(|integration| self.deliver(flush, integration, &alerts));
        let errors: Vec<String> =
            futures::future::join_all(deliveries).await.into_iter().filter_map(Result::err).collect();
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }

    async fn deliver(&self, flush: &Flush, integration: &Integration, alerts: &[Alert]) -> Result<(), String> {
        self.peers.wait_turn().await;
        let receiver = ReceiverKey {
            group_name: flush.receiver.clone(),
            integration: integration.name.to_string(),
            index: integration.index,
        };
        let (firing, resolved) = hash_sets(alerts, flush.now);
        let last = self.nflog.query(&flush.group_key, &receiver);
        let repeat = flush.route.repeat_interval.milliseconds() as Nanos * 1_000_000;
        if !needs_update(last.as_ref(), &firing, &resolved, integration.send_resolved, repeat, now_nanos()) {
            tracing::debug!(group = %flush.group_key, %receiver, "already notified");
            return Ok(());
        }
        tracing::debug!(group = %flush.group_key, %receiver, last = ?last.as_ref().map(|e| (&e.origin, e.timestamp)), "notifying");
        let to_send: Vec<Alert> = if integration.send_resolved {
            alerts.to_vec()
        } else {
            alerts.iter().filter(|alert| !alert.resolved_at(flush.now)).cloned().collect()
        };
        if !to_send.is_empty() {
            let context = NotifyContext {
                receiver: flush.receiver.clone(),
                group_key: flush.group_key.clone(),
                group_labels: flush.group_labels.clone(),
                external_url: self.external_url.clone(),
                now: flush.now,
            };
            send_with_retries(integration, &context, &to_send, flush.deadline)
                .await
                .map_err(|error| format!("{}/{}[{}]: {error}", flush.receiver, integration.name, integration.index))?;
        }
        let entry = self
            .nflog
            .log(
                &flush.group_key,
                &receiver,
                firing,
                resolved,
                now_nanos(),
                &self.peers.name(),
                last.map(|e| e.timestamp),
            )
            .await
            .map_err(|error| format!("recording notification: {error}"))?;
        self.peers.share_notification(&entry);
        Ok(())
    }
}

/// The alerts' hashes split into firing and resolved at `now`.
fn hash_sets(alerts: &[Alert], now: Nanos) -> (BTreeSet<u64>, BTreeSet<u64>) {
    let (resolved, firing): (Vec<&Alert>, Vec<&Alert>) = alerts.iter().partition(|alert| alert.resolved_at(now));
    let hashes = |alerts: Vec<&Alert>| alerts.into_iter().map(|alert| alert.fingerprint().0).collect();
    (hashes(firing), hashes(resolved))
}

/// Upstream's `DedupStage.needsUpdate`: notify a new group with firing
/// alerts; notify when a firing alert was not in the last notification;
/// when nothing fires any more, notify only if the last notification had
/// firing alerts (to clear them, whatever `send_resolved` says); notify
/// newly resolved alerts when the integration sends them; else only once
/// the repeat interval has passed.
pub fn needs_update(
    last: Option<&Entry>,
    firing: &BTreeSet<u64>,
    resolved: &BTreeSet<u64>,
    send_resolved: bool,
    repeat_interval: Nanos,
    now: Nanos,
) -> bool {
    let Some(last) = last else {
        return !firing.is_empty();
    };
    if !last.is_firing_subset(firing) {
        return true;
    }
    if firing.is_empty() {
        return !last.firing.is_empty();
    }
    if send_resolved && !last.is_resolved_subset(resolved) {
        return true;
    }
    last.timestamp < now - repeat_interval
}

/// Sends until it succeeds, a failure is not worth retrying, or the
/// deadline passes; waits grow from 0.5 s up to 10 s between attempts.
async fn send_with_retries(
    integration: &Integration,
    context: &NotifyContext,
    alerts: &[Alert],
    deadline: Instant,
) -> Result<(), String> {
    let label = integration_label(integration.name);
    METRICS.notifications.get_or_create(&label).inc();
    let started = Instant::now();
    let mut wait = Duration::from_millis(500);
    let mut attempts = 0;
    loop {
        attempts += 1;
        METRICS.notification_requests.get_or_create(&label).inc();
        let outcome = tokio::time::timeout_at(deadline.into(), integration.notifier.notify(context, alerts)).await;
        let error = match outcome {
            Ok(Ok(())) => {
                METRICS.notification_latency.get_or_create(&label).observe(started.elapsed().as_secs_f64());
                return Ok(());
            }
            Ok(Err(error)) => error,
            Err(_) => {
                METRICS.notifications_failed.get_or_create(&label).inc();
                return Err(format!("notify retry canceled after {attempts} attempts: deadline exceeded"));
            }
        };
        METRICS.notification_requests_failed.get_or_create(&label).inc();
        if !error.retry {
            METRICS.notifications_failed.get_or_create(&label).inc();
            return Err(format!("notify retry canceled due to unrecoverable error after {attempts} attempts: {error}"));
        }
        tracing::warn!(integration = integration.name, attempts, %error, "notify attempt failed, will retry later");
        if Instant::now() + wait >= deadline {
            METRICS.notifications_failed.get_or_create(&label).inc();
            return Err(format!("notify retry canceled after {attempts} attempts: {error}"));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(10));
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
