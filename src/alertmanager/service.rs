//! One Alertmanager: the alert store, silences and notification log that
//! outlive configuration reloads, and what a configuration sets up (the
//! routing tree, inhibitor, receivers' integrations and the dispatcher),
//! swapped whole on reload as upstream does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;
use tokio::task::JoinHandle;

use super::alert::{Alert, Fingerprint, Nanos, now_nanos};
use super::config::Config;
use super::dispatch::Dispatcher;
use super::inhibit::Inhibitor;
use super::labels::LabelSet;
use super::nflog::NotificationLog;
use super::notify::{build_integrations, load_templates};
use super::persist::{PersistError, StateDb};
use super::pipeline::{Peers, Pipeline};
use super::route::Route;
use super::silence::{SilenceError, Silences};
use super::store::AlertStore;

#[derive(Debug, Clone)]
pub struct Options {
    /// `--data.retention`: how long silences and log entries are kept.
    pub retention: Duration,
    /// `--alerts.gc-interval`.
    pub gc_interval: Duration,
    /// `--web.external-url`.
    pub external_url: String,
}

/// What one configuration sets up.
struct Running {
    config: Arc<Config>,
    /// The file as written, for `/api/v2/status`.
    original: String,
    route: Arc<Route>,
    inhibitor: Arc<Inhibitor>,
    dispatcher: Arc<Dispatcher>,
    inhibitor_feed: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.inhibitor_feed.abort();
    }
}

/// Why an alert is held back, for the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertStatus {
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

impl AlertStatus {
    pub fn state(&self) -> &'static str {
        if self.silenced_by.is_empty() && self.inhibited_by.is_empty() { "active" } else { "suppressed" }
    }
}

pub struct Alertmanager {
    pub alerts: Arc<AlertStore>,
    pub silences: Arc<Silences>,
    pub nflog: Arc<NotificationLog>,
    pub peers: Arc<dyn Peers>,
    pub options: Options,
    /// When it started, unix nanoseconds.
    pub started_at: Nanos,
    running: RwLock<Option<Arc<Running>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error(transparent)]
    Silence(#[from] SilenceError),
}

impl Alertmanager {
    /// Loads the state kept in `db`; nothing is dispatched until a
    /// configuration is applied.
    pub fn open(db: &StateDb, options: Options, peers: Arc<dyn Peers>) -> Result<Arc<Alertmanager>, ServiceError> {
        let retention = options.retention.as_nanos() as Nanos;
        let silences = Arc::new(Silences::open(db.table("silences")?, retention)?);
        let nflog = Arc::new(NotificationLog::open(db.table("nflog")?, retention)?);
        Ok(Arc::new(Alertmanager {
            alerts: Arc::new(AlertStore::new()),
            silences,
            nflog,
            peers,
            options,
            started_at: now_nanos(),
            running: RwLock::new(None),
        }))
    }

    /// Checks everything a configuration needs (templates, integrations)
    /// and then switches to it; on error the running one stays.
    pub fn apply(&self, config: Config, original: String) -> Result<(), String> {
        let templates = Arc::new(load_templates(&config.templates)?);
        let mut receivers = HashMap::new();
        for receiver in &config.receivers {
            let integrations = build_integrations(receiver, &templates)
                .map_err(|error| format!("receiver {:?}: {error}", receiver.name))?;
            receivers.insert(receiver.name.clone(), integrations.into_iter().map(Arc::new).collect());
        }
        let config = Arc::new(config);
        let route = Arc::new(Route::new(&config.route));
        let inhibitor = Arc::new(Inhibitor::new(&config.inhibit_rules));
        let mut feed = self.alerts.subscribe();
        let fed = Arc::clone(&inhibitor);
        let inhibitor_feed = tokio::spawn(async move {
            while let Some(alert) = feed.recv().await {
                fed.observe(&alert);
            }
        });
        let pipeline = Arc::new(Pipeline {
            config: Arc::clone(&config),
            receivers,
            inhibitor: Arc::clone(&inhibitor),
            silences: Arc::clone(&self.silences),
            nflog: Arc::clone(&self.nflog),
            peers: Arc::clone(&self.peers),
            external_url: self.options.external_url.clone(),
        });
        let dispatcher = Dispatcher::start(Arc::clone(&route), pipeline, self.alerts.subscribe());
        let running = Running { config, original, route, inhibitor, dispatcher, inhibitor_feed };
        *self.running.write() = Some(Arc::new(running));
        Ok(())
    }

    fn running(&self) -> Option<Arc<Running>> {
        self.running.read().clone()
    }

    pub fn config(&self) -> Option<(Arc<Config>, String)> {
        self.running().map(|running| (Arc::clone(&running.config), running.original.clone()))
    }

    /// The configured global `resolve_timeout` (5m by default).
    pub fn resolve_timeout(&self) -> Duration {
        self.running().map_or(Duration::from_secs(300), |running| running.config.global.resolve_timeout.to_std())
    }

    pub fn put_alerts(&self, alerts: Vec<Alert>) {
        self.alerts.put(alerts, now_nanos());
    }

    /// The silences and inhibitions holding an alert back now.
    pub fn status_of(&self, labels: &LabelSet) -> AlertStatus {
        let now = now_nanos();
        let silenced_by = self.silences.muting(labels, now);
        let inhibited_by = self
            .running()
            .and_then(|running| running.inhibitor.inhibited_by(labels, now))
            .map(|fingerprint: Fingerprint| vec![fingerprint.to_string()])
            .unwrap_or_default();
        AlertStatus { silenced_by, inhibited_by }
    }

    /// The receivers an alert with these labels is routed to, in tree order.
    pub fn receivers_of(&self, labels: &LabelSet) -> Vec<String> {
        let Some(running) = self.running() else { return Vec::new() };
        let mut names: Vec<String> = Vec::new();
        for route in running.route.matching(labels) {
            if !names.contains(&route.options.receiver) {
                names.push(route.options.receiver.clone());
            }
        }
        names
    }

    /// The aggregation groups with their alerts.
    pub fn groups(&self) -> Vec<Arc<super::dispatch::AggregationGroup>> {
        self.running().map(|running| running.dispatcher.groups()).unwrap_or_default()
    }

    /// Collects resolved alerts and expired silences and log entries, every
    /// `--alerts.gc-interval`; runs until the process ends.
    pub async fn collect_garbage_forever(self: Arc<Self>) {
        loop {
            tokio::time::sleep(self.options.gc_interval).await;
            let now = now_nanos();
            self.alerts.collect_garbage(now);
            if let Some(running) = self.running() {
                running.inhibitor.collect_garbage(now);
            }
            if let Err(error) = self.silences.collect_garbage(now).await {
                tracing::warn!(%error, "cannot collect expired silences");
            }
            if let Err(error) = self.nflog.collect_garbage(now).await {
                tracing::warn!(%error, "cannot collect expired notification log entries");
            }
        }
    }

    /// Stops dispatching (on shutdown).
    pub fn stop(&self) {
        self.running.write().take();
    }
}
