//! The notification log (prometheus/alertmanager nflog): per aggregation
//! group and receiver integration, which alerts the last notification
//! carried and when. The pipeline's dedup stage reads it; a delivered
//! notification writes it, durably, before the next one is considered, and
//! peers' entries merge by timestamp.

use std::collections::{BTreeSet, HashMap};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::alert::Nanos;
use super::persist::{PersistError, Table};

/// Which integration of which receiver was notified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReceiverKey {
    /// The receiver's name.
    pub group_name: String,
    /// The integration's name, "webhook", "telegram", ...
    pub integration: String,
    /// Its position among the receiver's integrations of that name.
    pub index: usize,
}

impl std::fmt::Display for ReceiverKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.group_name, self.integration, self.index)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub group_key: String,
    pub receiver: ReceiverKey,
    /// When the notification was sent.
    pub timestamp: Nanos,
    /// Hashes of the alerts that were firing, and resolved, in it.
    pub firing: BTreeSet<u64>,
    pub resolved: BTreeSet<u64>,
    pub expires_at: Nanos,
    /// The peer that sent the notification ("" alone).
    #[serde(default)]
    pub origin: String,
    /// The timestamp of the entry the notification was decided against.
    #[serde(default)]
    pub previous: Option<Nanos>,
}

impl Entry {
    /// Whether this entry and `other` record the same notification sent by
    /// two peers that had each not seen the other's: a duplicate.
    pub fn duplicates(&self, other: &Entry) -> bool {
        self.origin != other.origin
            && self.previous == other.previous
            && self.firing == other.firing
            && self.resolved == other.resolved
    }

    pub fn key(&self) -> String {
        state_key(&self.group_key, &self.receiver)
    }

    /// Whether every alert of `alerts` was firing in this notification.
    pub fn is_firing_subset(&self, alerts: &BTreeSet<u64>) -> bool {
        alerts.is_subset(&self.firing)
    }

    /// Whether every alert of `alerts` was resolved in this notification.
    pub fn is_resolved_subset(&self, alerts: &BTreeSet<u64>) -> bool {
        alerts.is_subset(&self.resolved)
    }
}

/// What merging a peer's entry did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// The entry was newer than ours and replaced it.
    pub taken: bool,
    /// Our entry records the same notification: we sent it second.
    pub duplicate: bool,
}

fn state_key(group_key: &str, receiver: &ReceiverKey) -> String {
    format!("{group_key}:{receiver}")
}

pub struct NotificationLog {
    /// Entries by key, with the local change sequence number of each.
    entries: RwLock<HashMap<String, (Entry, u64)>>,
    sequence: std::sync::atomic::AtomicU64,
    table: Table,
    /// How long an entry is kept after its notification.
    retention: Nanos,
}

impl NotificationLog {
    pub fn open(table: Table, retention: Nanos) -> Result<NotificationLog, PersistError> {
        let entries = table.load::<Entry>()?.into_iter().map(|entry| (entry.key(), (entry, 1))).collect();
        let sequence = std::sync::atomic::AtomicU64::new(1);
        Ok(NotificationLog { entries: RwLock::new(entries), sequence, table, retention })
    }

    /// The last notification of this group to this integration.
    pub fn query(&self, group_key: &str, receiver: &ReceiverKey) -> Option<Entry> {
        self.entries.read().get(&state_key(group_key, receiver)).map(|(entry, _)| entry.clone())
    }

    /// Records a notification sent by `origin` after deciding against the
    /// entry of timestamp `previous`; returns the entry for peers.
    #[allow(clippy::too_many_arguments)]
    pub async fn log(
        &self,
        group_key: &str,
        receiver: &ReceiverKey,
        firing: BTreeSet<u64>,
        resolved: BTreeSet<u64>,
        now: Nanos,
        origin: &str,
        previous: Option<Nanos>,
    ) -> Result<Entry, PersistError> {
        let entry = Entry {
            group_key: group_key.to_string(),
            receiver: receiver.clone(),
            timestamp: now,
            firing,
            resolved,
            expires_at: now + self.retention,
            origin: origin.to_string(),
            previous,
        };
        self.store(entry.clone()).await?;
        Ok(entry)
    }

    /// Takes a peer's entry if it is newer than ours.
    pub fn merge(&self, entry: Entry, now: Nanos) -> Result<Merged, PersistError> {
        if entry.expires_at <= now {
            return Ok(Merged::default());
        }
        let ours = self.entries.read().get(&entry.key()).map(|(ours, _)| ours.clone());
        // Both peers see the pair; the one that sent second counts it.
        let duplicate = ours.as_ref().is_some_and(|ours| ours.duplicates(&entry) && ours.timestamp > entry.timestamp);
        let taken = ours.is_none_or(|ours| ours.timestamp < entry.timestamp);
        if taken {
            self.table.insert(&entry.key(), &entry)?;
            self.remember(entry);
        }
        Ok(Merged { taken, duplicate })
    }

    /// Entries changed after change `sequence` (0: all), and the latest
    /// change's sequence number, for peers catching up.
    pub fn changed_since(&self, sequence: u64) -> (Vec<Entry>, u64) {
        let entries = self.entries.read();
        let latest = self.sequence.load(std::sync::atomic::Ordering::Relaxed);
        (entries.values().filter(|(_, changed)| *changed > sequence).map(|(entry, _)| entry.clone()).collect(), latest)
    }

    pub fn len(&self) -> usize {
        self.entries.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops expired entries.
    pub async fn collect_garbage(&self, now: Nanos) -> Result<usize, PersistError> {
        let expired: Vec<String> = {
            let entries = self.entries.read();
            entries.iter().filter(|(_, (entry, _))| entry.expires_at <= now).map(|(key, _)| key.clone()).collect()
        };
        for key in &expired {
            self.table.remove(key).await?;
            self.entries.write().remove(key);
        }
        Ok(expired.len())
    }

    async fn store(&self, entry: Entry) -> Result<(), PersistError> {
        self.table.put(&entry.key(), &entry).await?;
        self.remember(entry);
        Ok(())
    }

    fn remember(&self, entry: Entry) {
        let mut entries = self.entries.write();
        let sequence = self.sequence.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        entries.insert(entry.key(), (entry, sequence));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alertmanager::persist::StateDb;

    fn receiver() -> ReceiverKey {
        ReceiverKey { group_name: "team".into(), integration: "webhook".into(), index: 0 }
    }

    #[tokio::test]
    async fn entries_survive_reopening_and_merge_by_timestamp() {
        let directory = tempfile::tempdir().unwrap();
        {
            let db = StateDb::open(directory.path()).unwrap();
            let log = NotificationLog::open(db.table("nflog").unwrap(), 1_000).unwrap();
            log.log("{}:{a=\"b\"}", &receiver(), [1, 2].into(), [3].into(), 100, "p1", None).await.unwrap();
        }
        let db = StateDb::open(directory.path()).unwrap();
        let log = NotificationLog::open(db.table("nflog").unwrap(), 1_000).unwrap();
        let entry = log.query("{}:{a=\"b\"}", &receiver()).unwrap();
        assert_eq!((entry.timestamp, entry.expires_at), (100, 1_100));
        assert!(entry.is_firing_subset(&[1].into()) && !entry.is_firing_subset(&[1, 4].into()));
        assert!(entry.is_resolved_subset(&[3].into()));

        // The same notification sent earlier by another peer: we were second.
        let older = Entry { timestamp: 50, origin: "p2".into(), ..entry.clone() };
        assert_eq!(log.merge(older, 200).unwrap(), Merged { taken: false, duplicate: true });
        let newer = Entry { timestamp: 150, firing: [9].into(), origin: "p2".into(), ..entry.clone() };
        assert_eq!(log.merge(newer, 200).unwrap(), Merged { taken: true, duplicate: false });
        assert_eq!(log.query("{}:{a=\"b\"}", &receiver()).unwrap().firing, [9].into());
        let (all, latest) = log.changed_since(0);
        assert_eq!((all.len(), latest), (1, 2));
        assert!(log.changed_since(latest).0.is_empty());

        assert_eq!(log.collect_garbage(2_000).await.unwrap(), 1);
        assert!(log.is_empty());
    }
}
