//! Test helpers: a notifier that records what it is asked to send and can
//! be told to fail, and a pipeline around it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use parking_lot::Mutex;

use super::alert::Alert;
use super::config::Config;
use super::inhibit::Inhibitor;
use super::nflog::NotificationLog;
use super::notify::{Integration, Notifier, NotifyContext, NotifyError};
use super::persist::StateDb;
use super::pipeline::{Pipeline, Standalone};
use super::silence::Silences;

/// One notification: the group key and the alert names with their status.
pub type Sent = (String, Vec<String>);

#[derive(Default)]
pub struct Recorder {
    pub sent: Mutex<Vec<Sent>>,
    /// This many attempts fail (retryably) before attempts succeed.
    pub failures: AtomicUsize,
}

#[async_trait]
impl Notifier for Arc<Recorder> {
    async fn notify(&self, context: &NotifyContext, alerts: &[Alert]) -> Result<(), NotifyError> {
        let left = self.failures.load(Ordering::SeqCst);
        if left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(NotifyError { retry: true, message: "unavailable".into() });
        }
        let names = alerts
            .iter()
            .map(|alert| {
                format!("{}:{}", alert.labels.get("name").cloned().unwrap_or_default(), alert.status(context.now))
            })
            .collect();
        self.sent.lock().push((context.group_key.clone(), names));
        Ok(())
    }
}

impl Recorder {
    pub fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.sent.lock())
    }
}

/// A pipeline whose receiver "r" has one webhook-named recording integration.
pub fn pipeline(config_yaml: &str, send_resolved: bool) -> (Arc<Pipeline>, Arc<Recorder>) {
    let config = Arc::new(Config::parse(config_yaml, "alertmanager.yml").unwrap());
    let recorder = Arc::new(Recorder::default());
    let integration =
        Integration { name: "webhook", index: 0, send_resolved, notifier: Box::new(Arc::clone(&recorder)) };
    let receivers: HashMap<String, Vec<Arc<Integration>>> = [("r".to_string(), vec![Arc::new(integration)])].into();
    let db = StateDb::temporary().unwrap();
    let day = 86_400_000_000_000;
    let pipeline = Pipeline {
        inhibitor: Arc::new(Inhibitor::new(&config.inhibit_rules)),
        config,
        receivers,
        silences: Arc::new(Silences::open(db.table("silences").unwrap(), day).unwrap()),
        nflog: Arc::new(NotificationLog::open(db.table("nflog").unwrap(), day).unwrap()),
        peers: Arc::new(Standalone),
        external_url: "http://am:9093".into(),
    };
    (Arc::new(pipeline), recorder)
}

pub fn alert(name: &str, starts_at: i64, ends_at: Option<i64>) -> Alert {
    let labels = [("alertname".to_string(), "A".to_string()), ("name".to_string(), name.to_string())].into();
    Alert { labels, starts_at, ends_at, updated_at: starts_at, ..Alert::default() }
}
