//! The alerts an Alertmanager holds (upstream's in-memory alert provider):
//! a new version of an alert merges into the stored one when their activity
//! ranges overlap; subscribers (the dispatcher, the inhibitor) first get
//! every stored alert, then each one put; resolved alerts are collected
//! periodically.

use std::collections::HashMap;

use parking_lot::{Mutex, RwLock};
use tokio::sync::mpsc;

use super::alert::{Alert, Fingerprint, Nanos};

#[derive(Default)]
pub struct AlertStore {
    alerts: RwLock<HashMap<Fingerprint, Alert>>,
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Alert>>>,
}

impl AlertStore {
    pub fn new() -> AlertStore {
        AlertStore::default()
    }

    /// Stores the alerts, merging each with the stored version of the same
    /// fingerprint when their ranges overlap, and tells the subscribers.
    pub fn put(&self, alerts: Vec<Alert>, now: Nanos) {
        let mut stored = Vec::with_capacity(alerts.len());
        {
            let mut map = self.alerts.write();
            for alert in alerts {
                let fingerprint = alert.fingerprint();
                let alert = match map.get(&fingerprint) {
                    Some(old) if old.overlaps(&alert) => old.merge(&alert, now),
                    _ => alert,
                };
                map.insert(fingerprint, alert.clone());
                stored.push(alert);
            }
        }
        let mut subscribers = self.subscribers.lock();
        subscribers.retain(|subscriber| stored.iter().all(|alert| subscriber.send(alert.clone()).is_ok()));
    }

    /// A stream of alerts: every stored one, then each one put.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Alert> {
        let (sender, receiver) = mpsc::unbounded_channel();
        // Holding the subscriber lock keeps a concurrent put from slipping
        // between the snapshot and the registration.
        let mut subscribers = self.subscribers.lock();
        for alert in self.alerts.read().values() {
            let _ = sender.send(alert.clone());
        }
        subscribers.push(sender);
        receiver
    }

    pub fn get(&self, fingerprint: Fingerprint) -> Option<Alert> {
        self.alerts.read().get(&fingerprint).cloned()
    }

    pub fn list(&self) -> Vec<Alert> {
        self.alerts.read().values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.alerts.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the alerts resolved by `now`; returns how many.
    pub fn collect_garbage(&self, now: Nanos) -> usize {
        let mut alerts = self.alerts.write();
        let before = alerts.len();
        alerts.retain(|_, alert| !alert.resolved_at(now));
        before - alerts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str, starts_at: Nanos, ends_at: Option<Nanos>, updated_at: Nanos) -> Alert {
        let labels = [("alertname".to_string(), name.to_string())].into();
        Alert { labels, starts_at, ends_at, updated_at, ..Alert::default() }
    }

    #[test]
    fn overlapping_versions_merge_and_subscribers_see_both_past_and_new() {
        let store = AlertStore::new();
        store.put(vec![alert("A", 100, Some(1_000), 1)], 50);
        let mut early = store.subscribe();
        // A resend with a later start overlaps: the first start is kept.
        store.put(vec![alert("A", 200, Some(2_000), 2)], 150);
        let merged = store.get(alert("A", 0, None, 0).fingerprint()).unwrap();
        assert_eq!((merged.starts_at, merged.ends_at), (100, Some(2_000)));
        // A new activity range after the old one ended replaces it.
        store.put(vec![alert("A", 5_000, None, 3)], 5_000);
        assert_eq!(store.get(merged.fingerprint()).unwrap().starts_at, 5_000);

        let seen: Vec<Nanos> = std::iter::from_fn(|| early.try_recv().ok()).map(|a| a.starts_at).collect();
        assert_eq!(seen, [100, 100, 5_000]);
        let mut late = store.subscribe();
        assert_eq!(late.try_recv().unwrap().starts_at, 5_000);

        store.put(vec![alert("B", 10, Some(20), 4)], 30);
        assert_eq!(store.collect_garbage(30), 1);
        assert_eq!(store.len(), 1);
    }
}
