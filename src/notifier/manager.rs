//! The notification queue and its sender (Prometheus' `notifier.Manager`,
//! 3.x): alerts get the external labels and the global alert relabeling,
//! wait in one bounded queue (the oldest are dropped when it is full), and
//! go in batches of 256 to every Alertmanager of every set. A failed batch
//! is dropped: the rules re-send firing alerts every resend delay.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::config::{AlertingConfig, RelabelConfig, ValidationScheme};
use crate::discovery::TargetGroup;
use crate::relabel;

use super::alert::Notification;
use super::metrics::NOTIFIER_METRICS;
use super::set::AlertmanagerSet;

const MAX_BATCH: usize = 256;
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

/// What `/api/v1/alertmanagers` shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertmanagerUrls {
    pub active: Vec<String>,
    pub dropped: Vec<String>,
}

struct Settings {
    external_labels: BTreeMap<String, String>,
    relabel: Vec<RelabelConfig>,
    scheme: ValidationScheme,
}

pub struct Notifier {
    queue: Mutex<VecDeque<Notification>>,
    capacity: usize,
    settings: RwLock<Settings>,
    /// Sets by their key (`config-<index>`).
    sets: RwLock<Vec<(String, Arc<RwLock<AlertmanagerSet>>)>>,
    more: Notify,
    user_agent: String,
}

impl Notifier {
    pub fn new(capacity: usize, user_agent: &str) -> Arc<Self> {
        NOTIFIER_METRICS.capacity.set(capacity as i64);
        Arc::new(Notifier {
            queue: Mutex::new(VecDeque::new()),
            capacity,
            settings: RwLock::new(Settings {
                external_labels: BTreeMap::new(),
                relabel: Vec::new(),
                scheme: ValidationScheme::default(),
            }),
            sets: RwLock::new(Vec::new()),
            more: Notify::new(),
            user_agent: user_agent.to_string(),
        })
    }

    /// The discovery job name of each set, for the discovery manager.
    pub fn set_key(index: usize) -> String {
        format!("config-{index}")
    }

    /// Applies the `alerting` section; sets whose config is unchanged keep
    /// their discovered Alertmanagers.
    pub fn apply(
        &self,
        alerting: &AlertingConfig,
        external_labels: BTreeMap<String, String>,
        scheme: ValidationScheme,
    ) -> Result<(), String> {
        let old = self.sets.read().clone();
        let mut sets = Vec::with_capacity(alerting.alertmanagers.len());
        for (index, config) in alerting.alertmanagers.iter().enumerate() {
            let key = Self::set_key(index);
            let kept = old.iter().find(|(k, set)| *k == key && set.read().config == *config);
            let set = match kept {
                Some((_, set)) => set.clone(),
                None => Arc::new(RwLock::new(AlertmanagerSet::new(config.clone(), &self.user_agent)?)),
            };
            sets.push((key, set));
        }
        *self.sets.write() = sets;
        *self.settings.write() = Settings { external_labels, relabel: alerting.alert_relabel_configs.clone(), scheme };
        self.update_discovered_gauge();
        Ok(())
    }

    /// New discovery results for one set.
    pub fn sync(&self, key: &str, groups: &[TargetGroup]) {
        let scheme = self.settings.read().scheme;
        if let Some((_, set)) = self.sets.read().iter().find(|(k, _)| k == key) {
            set.write().sync(groups, scheme);
        }
        self.update_discovered_gauge();
    }

    fn update_discovered_gauge(&self) {
        let count: usize = self.sets.read().iter().map(|(_, set)| set.read().active.len()).sum();
        NOTIFIER_METRICS.discovered.set(count as i64);
    }

    pub fn alertmanagers(&self) -> AlertmanagerUrls {
        let mut urls = AlertmanagerUrls::default();
        for (_, set) in self.sets.read().iter() {
            let set = set.read();
            urls.active.extend(set.active.iter().cloned());
            urls.dropped.extend(set.dropped.iter().cloned());
        }
        urls
    }

    /// Queues alerts after adding external labels and relabeling them.
    pub fn send(&self, alerts: Vec<Notification>) {
        let settings = self.settings.read();
        let mut ready: Vec<Notification> = Vec::with_capacity(alerts.len());
        for mut alert in alerts {
            for (name, value) in &settings.external_labels {
                if alert.labels.get(name).is_none_or(|v| v.is_empty()) {
                    alert.labels.insert(name.clone(), value.clone());
                }
            }
            if relabel::process(&mut alert.labels, &settings.relabel, settings.scheme) {
                ready.push(alert);
            }
        }
        drop(settings);
        if ready.is_empty() {
            return;
        }
        let mut queue = self.queue.lock();
        if ready.len() > self.capacity {
            let extra = ready.len() - self.capacity;
            ready.drain(..extra);
            NOTIFIER_METRICS.dropped.inc_by(extra as u64);
            tracing::warn!(dropped = extra, "alert batch larger than queue capacity, dropping alerts");
        }
        let overflow = (queue.len() + ready.len()).saturating_sub(self.capacity);
        if overflow > 0 {
            queue.drain(..overflow);
            NOTIFIER_METRICS.dropped.inc_by(overflow as u64);
            tracing::warn!(dropped = overflow, "alert notification queue full, dropping alerts");
        }
        queue.extend(ready);
        NOTIFIER_METRICS.queue_length.set(queue.len() as i64);
        drop(queue);
        self.more.notify_one();
    }

    pub fn queue_length(&self) -> usize {
        self.queue.lock().len()
    }

    /// Sends queued alerts until the process ends.
    pub async fn run(self: Arc<Self>) {
        loop {
            self.more.notified().await;
            loop {
                let batch: Vec<Notification> = {
                    let mut queue = self.queue.lock();
                    let take = queue.len().min(MAX_BATCH);
                    let batch = queue.drain(..take).collect();
                    NOTIFIER_METRICS.queue_length.set(queue.len() as i64);
                    batch
                };
                if batch.is_empty() {
                    break;
                }
                if !self.send_all(&batch).await {
                    NOTIFIER_METRICS.dropped.inc_by(batch.len() as u64);
                }
            }
        }
    }

    /// Sends a batch everywhere; true when every set that has Alertmanagers
    /// had at least one accept it.
    async fn send_all(&self, batch: &[Notification]) -> bool {
        let sets = self.sets.read().clone();
        let scheme = self.settings.read().scheme;
        let mut all_ok = true;
        for (_, set) in sets {
            let (client, urls, timeout, relabel) = {
                let set = set.read();
                if set.active.is_empty() {
                    continue;
                }
                (
                    set.client.clone(),
                    set.active.clone(),
                    set.config.timeout.to_std(),
                    set.config.alert_relabel_configs.clone(),
                )
            };
            let alerts: Vec<Notification> = match relabel.is_empty() {
                true => batch.to_vec(),
                false => batch
                    .iter()
                    .cloned()
                    .filter_map(|mut a| relabel::process(&mut a.labels, &relabel, scheme).then_some(a))
                    .collect(),
            };
            if alerts.is_empty() {
                continue;
            }
            let body = match serde_json::to_vec(&alerts) {
                Ok(body) => body,
                Err(e) => {
                    tracing::error!(error = %e, "cannot encode alerts");
                    return false;
                }
            };
            let posts = urls.iter().map(|url| post(&client, url, body.clone(), timeout, alerts.len()));
            let results = futures::future::join_all(posts).await;
            all_ok &= results.into_iter().any(|ok| ok);
        }
        all_ok
    }
}

async fn post(
    client: &crate::httpclient::HttpClient,
    url: &str,
    body: Vec<u8>,
    timeout: std::time::Duration,
    count: usize,
) -> bool {
    let started = Instant::now();
    let labels = super::metrics::AlertmanagerLabel { alertmanager: url.to_string() };
    NOTIFIER_METRICS.sent.get_or_create(&labels).inc_by(count as u64);
    let result = async {
        let request = client.request(reqwest::Method::POST, url).map_err(|e| e.to_string())?;
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        match status.is_success() {
            true => Ok(()),
            false => Err(format!("bad response status {status}")),
        }
    }
    .await;
    NOTIFIER_METRICS.latency.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    match result {
        Ok(()) => true,
        Err(error) => {
            NOTIFIER_METRICS.errors.get_or_create(&labels).inc_by(count as u64);
            tracing::error!(alertmanager = url, %error, count, "error sending alerts");
            false
        }
    }
}
