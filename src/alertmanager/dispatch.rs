//! The dispatcher (prometheus/alertmanager dispatch/dispatch.go): every
//! alert is routed through the tree and joins one aggregation group per
//! matching route. A group first flushes `group_wait` after it is created
//! (at once when an alert in it started that long ago), then every
//! `group_interval`; a flush hands the group's alerts to the pipeline and,
//! when it succeeded, forgets the resolved ones that did not change
//! meanwhile. Empty groups are dropped by periodic maintenance.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use super::alert::{Alert, Fingerprint, Nanos, now_nanos};
use super::labels::LabelSet;
use super::pipeline::{Flush, Pipeline};
use super::route::{Route, RouteOptions};

/// A flush may take at least this long before its retries give up.
const MIN_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(30);

/// One aggregation group: the alerts of one route with the same group labels.
pub struct AggregationGroup {
    pub key: String,
    pub labels: LabelSet,
    pub route: RouteOptions,
    alerts: Mutex<HashMap<Fingerprint, Alert>>,
    has_flushed: AtomicBool,
    flush_now: Notify,
}

impl AggregationGroup {
    fn new(key: String, labels: LabelSet, route: RouteOptions) -> AggregationGroup {
        AggregationGroup {
            key,
            labels,
            route,
            alerts: Mutex::default(),
            has_flushed: AtomicBool::new(false),
            flush_now: Notify::new(),
        }
    }

    fn insert(&self, alert: Alert, now: Nanos) {
        let group_wait = self.route.group_wait.milliseconds() as Nanos * 1_000_000;
        let started_long_ago = alert.starts_at + group_wait < now;
        self.alerts.lock().insert(alert.fingerprint(), alert);
        if started_long_ago && !self.has_flushed.load(Ordering::Acquire) {
            self.flush_now.notify_one();
        }
    }

    /// The group's alerts in upstream's order: by `job`, then `instance`,
    /// then the whole label set.
    pub fn alerts(&self) -> Vec<Alert> {
        let mut alerts: Vec<Alert> = self.alerts.lock().values().cloned().collect();
        sort_alerts(&mut alerts);
        alerts
    }

    fn is_empty(&self) -> bool {
        self.alerts.lock().is_empty()
    }

    async fn run(self: Arc<Self>, pipeline: Arc<Pipeline>) {
        let mut next = Instant::now() + self.route.group_wait.to_std();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next.into()) => {}
                _ = self.flush_now.notified() => {}
            }
            next = Instant::now() + self.route.group_interval.to_std();
            self.flush(&pipeline).await;
        }
    }

    async fn flush(&self, pipeline: &Pipeline) {
        self.has_flushed.store(true, Ordering::Release);
        let now = now_nanos();
        let snapshot = self.alerts();
        if snapshot.is_empty() {
            return;
        }
        let alerts = snapshot
            .iter()
            .map(|alert| {
                let mut alert = alert.clone();
                if !alert.resolved_at(now) {
                    alert.ends_at = None;
                }
                alert
            })
            .collect();
        let flush = Flush {
            receiver: self.route.receiver.clone(),
            group_key: self.key.clone(),
            group_labels: self.labels.clone(),
            route: self.route.clone(),
            now,
            deadline: Instant::now() + self.route.group_interval.to_std().max(MIN_FLUSH_TIMEOUT),
        };
        match pipeline.exec(&flush, alerts).await {
            Ok(()) => {
                let mut alerts = self.alerts.lock();
                for sent in snapshot.iter().filter(|alert| alert.resolved_at(now)) {
                    let fingerprint = sent.fingerprint();
                    if alerts.get(&fingerprint).is_some_and(|current| current == sent) {
                        alerts.remove(&fingerprint);
                    }
                }
            }
            Err(error) => {
                tracing::error!(group = %self.key, receiver = %flush.receiver, %error, "notify for alerts failed")
            }
        }
    }
}

/// Orders alerts as upstream's `AlertSlice`: by `job`, then `instance`
/// (alerts that have the label first), then by label set.
pub fn sort_alerts(alerts: &mut [Alert]) {
    alerts.sort_by(|a, b| {
        for key in ["job", "instance"] {
            match (a.labels.get(key), b.labels.get(key)) {
                (None, None) => continue,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (Some(_), None) => return std::cmp::Ordering::Less,
                (Some(x), Some(y)) if x != y => return x.cmp(y),
                _ => {}
            }
        }
        compare_label_sets(&a.labels, &b.labels)
    });
}

/// prometheus/common's `LabelSet.Before`: fewer labels first; then over
/// all names in order, a set lacking the name first, else by value.
pub fn compare_label_sets(a: &LabelSet, b: &LabelSet) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let by_length = a.len().cmp(&b.len());
    if by_length.is_ne() {
        return by_length;
    }
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        match (a.get(name), b.get(name)) {
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    Ordering::Equal
}

struct GroupTask {
    group: Arc<AggregationGroup>,
    task: JoinHandle<()>,
}

/// Routes alerts into aggregation groups and runs them; dropping it (on a
/// configuration reload) stops every group.
pub struct Dispatcher {
    route: Arc<Route>,
    pipeline: Arc<Pipeline>,
    groups: Mutex<HashMap<String, GroupTask>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Dispatcher {
    /// Starts dispatching the alerts of `alerts`, the store's subscription.
    pub fn start(
        route: Arc<Route>,
        pipeline: Arc<Pipeline>,
        mut alerts: mpsc::UnboundedReceiver<Alert>,
    ) -> Arc<Dispatcher> {
        let dispatcher = Arc::new(Dispatcher { route, pipeline, groups: Mutex::default(), tasks: Mutex::default() });
        let weak = Arc::downgrade(&dispatcher);
        let intake = tokio::spawn(async move {
            while let Some(alert) = alerts.recv().await {
                let Some(dispatcher) = weak.upgrade() else { return };
                dispatcher.dispatch(alert);
            }
        });
        let weak = Arc::downgrade(&dispatcher);
        let maintenance = tokio::spawn(async move {
            loop {
                tokio::time::sleep(MAINTENANCE_INTERVAL).await;
                let Some(dispatcher) = weak.upgrade() else { return };
                dispatcher.drop_empty_groups();
            }
        });
        dispatcher.tasks.lock().extend([intake, maintenance]);
        dispatcher
    }

    fn dispatch(&self, alert: Alert) {
        let now = now_nanos();
        for route in self.route.matching(&alert.labels) {
            let labels = route.group_labels(&alert.labels);
            let key = route.group_key(&alert.labels);
            let mut groups = self.groups.lock();
            let entry = groups.entry(format!("{}\u{0}{key}", route.id())).or_insert_with(|| {
                let group = Arc::new(AggregationGroup::new(key, labels, route.options.clone()));
                let task = tokio::spawn(Arc::clone(&group).run(Arc::clone(&self.pipeline)));
                GroupTask { group, task }
            });
            entry.group.insert(alert.clone(), now);
        }
    }

    fn drop_empty_groups(&self) {
        self.groups.lock().retain(|_, entry| {
            let keep = !entry.group.is_empty();
            if !keep {
                entry.task.abort();
            }
            keep
        });
    }

    /// The groups with their alerts, in upstream's order for the API: by
    /// group labels, then receiver.
    pub fn groups(&self) -> Vec<Arc<AggregationGroup>> {
        let mut groups: Vec<Arc<AggregationGroup>> =
            self.groups.lock().values().map(|entry| Arc::clone(&entry.group)).collect();
        groups.sort_by(|a, b| {
            compare_label_sets(&a.labels, &b.labels).then_with(|| a.route.receiver.cmp(&b.route.receiver))
        });
        groups
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        for task in self.tasks.lock().drain(..) {
            task.abort();
        }
        for (_, entry) in self.groups.lock().drain() {
            entry.task.abort();
        }
    }
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
