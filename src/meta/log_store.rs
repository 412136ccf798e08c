//! The Raft log and vote in sled, for openraft's storage-v2 `RaftLogStorage`.
//!
//! Tree `raft_log`: entry JSON keyed by the big-endian log index. Tree
//! `raft_state`: `vote`, `committed`, `last_purged`. Every write that Raft's
//! safety rests on (appended entries, the vote, truncation, the purge mark)
//! is reported done only after `flush_async`, i.e. after fsync.

use std::fmt::Debug;
use std::ops::RangeBounds;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{LogState, OptionalSend, RaftLogReader};

use super::codec::{self, index_key, index_range, parse_index_key};
use super::error::{MetaError, SledResultExt};
use super::types::{Entry, LogId, StorageError, TypeConfig, Vote};

const LOG_TREE: &str = "raft_log";
const STATE_TREE: &str = "raft_state";
const VOTE: &[u8] = b"vote";
const COMMITTED: &[u8] = b"committed";
const LAST_PURGED: &[u8] = b"last_purged";

/// Cheap to clone: clones share the sled trees, so a clone is also the log
/// reader that openraft's replication tasks use.
#[derive(Debug, Clone)]
pub struct LogStore {
    db: sled::Db,
    log: sled::Tree,
    state: sled::Tree,
    /// The last committed index openraft saved (0: none), for status pages:
    /// openraft 0.9 does not publish it in its metrics.
    committed_index: Arc<AtomicU64>,
}

impl LogStore {
    pub fn open(db: &sled::Db) -> Result<Self, MetaError> {
        let store = LogStore {
            db: db.clone(),
            log: db.open_tree(LOG_TREE).context("open the raft log")?,
            state: db.open_tree(STATE_TREE).context("open the raft state")?,
            committed_index: Arc::default(),
        };
        store.remove_purged_leftovers()?;
        let committed: Option<LogId> = codec::get(&store.state, COMMITTED, "committed log id")?;
        store.committed_index.store(committed.map_or(0, |id| id.index), Ordering::Relaxed);
        Ok(store)
    }

    /// A purge persists its mark before it deletes entries; a crash in
    /// between leaves entries at or below the mark, which are dropped here.
    fn remove_purged_leftovers(&self) -> Result<(), MetaError> {
        if let Some(purged) = self.last_purged()? {
            self.remove_range(..=purged.index)?;
        }
        Ok(())
    }

    /// Follows the committed index as openraft saves it.
    pub fn committed_index(&self) -> Arc<AtomicU64> {
        self.committed_index.clone()
    }

    fn last_purged(&self) -> Result<Option<LogId>, MetaError> {
        codec::get(&self.state, LAST_PURGED, "last purged log id")
    }

    fn last_entry_log_id(&self) -> Result<Option<LogId>, MetaError> {
        let last = self.log.last().context("read the last log entry")?;
        let Some((_, value)) = last else { return Ok(None) };
        let entry: Entry = codec::decode("log entry", &value)?;
        Ok(Some(entry.log_id))
    }

    fn entries(&self, range: impl RangeBounds<u64>) -> Result<Vec<Entry>, MetaError> {
        let mut entries = Vec::new();
        for item in self.log.range(index_range(&range)) {
            let (key, value) = item.context("read log entries")?;
            let entry: Entry = codec::decode("log entry", &value)?;
            debug_assert_eq!(parse_index_key(&key).ok(), Some(entry.log_id.index));
            entries.push(entry);
        }
        Ok(entries)
    }

    fn remove_range(&self, range: impl RangeBounds<u64>) -> Result<(), MetaError> {
        let mut batch = sled::Batch::default();
        for key in self.log.range(index_range(&range)).keys() {
            batch.remove(key.context("list log entries")?);
        }
        self.log.apply_batch(batch).context("remove log entries")
    }

    fn append_batch(&self, entries: impl IntoIterator<Item = Entry>) -> Result<(), MetaError> {
        let mut batch = sled::Batch::default();
        for entry in entries {
            batch.insert(&index_key(entry.log_id.index), codec::encode("log entry", &entry)?);
        }
        self.log.apply_batch(batch).context("append log entries")
    }

    async fn flush(&self) -> Result<(), MetaError> {
        self.db.flush_async().await.context("flush")?;
        Ok(())
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.entries(range).map_err(|e| e.read_logs())
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged_log_id = self.last_purged().map_err(|e| e.read_logs())?;
        let last_entry = self.last_entry_log_id().map_err(|e| e.read_logs())?;
        Ok(LogState { last_log_id: last_entry.or(last_purged_log_id), last_purged_log_id })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let value = codec::encode("vote", vote).map_err(|e| e.write_vote())?;
        self.state.insert(VOTE, value).context("save the vote").map_err(|e| e.write_vote())?;
        self.flush().await.map_err(|e| e.write_vote())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        codec::get(&self.state, VOTE, "vote").map_err(|e| e.read_vote())
    }

    /// Not flushed: the committed id only saves re-applying entries after a
    /// restart (the state machine is durable on its own), and a stale value
    /// is safe.
    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        self.committed_index.store(committed.map_or(0, |id| id.index), Ordering::Relaxed);
        let result = match committed {
            Some(log_id) => {
                let value = codec::encode("committed log id", &log_id).map_err(|e| e.write_logs())?;
                self.state.insert(COMMITTED, value)
            }
            None => self.state.remove(COMMITTED),
        };
        result.map(drop).context("save the committed log id").map_err(|e| e.write_logs())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        codec::get(&self.state, COMMITTED, "committed log id").map_err(|e| e.read_logs())
    }

    /// Entries are readable when this returns; `callback` fires only after
    /// the fsync, as openraft counts them as persisted from then on.
    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        self.append_batch(entries).map_err(|e| e.write_logs())?;
        match self.flush().await {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(error) => {
                callback.log_io_completed(Err(std::io::Error::other(error.to_string())));
                Err(error.write_logs())
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.remove_range(log_id.index..).map_err(|e| e.write_logs())?;
        self.flush().await.map_err(|e| e.write_logs())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let value = codec::encode("last purged log id", &log_id).map_err(|e| e.write_logs())?;
        self.state.insert(LAST_PURGED, value).context("save the purge mark").map_err(|e| e.write_logs())?;
        // The mark must be durable before any entry goes, or a crash could
        // leave a log that starts after a gap nobody knows about.
        self.flush().await.map_err(|e| e.write_logs())?;
        self.remove_range(..=log_id.index).map_err(|e| e.write_logs())
    }
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload};

    use super::*;

    fn entry(term: u64, index: u64) -> Entry {
        Entry { log_id: LogId::new(CommittedLeaderId::new(term, 1), index), payload: EntryPayload::Blank }
    }

    fn open(dir: &std::path::Path) -> LogStore {
        LogStore::open(&crate::meta::reopen_for_test(dir)).unwrap()
    }

    #[tokio::test]
    async fn log_vote_and_purge_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut store = open(dir.path());
            store.append_batch((1..=5).map(|i| entry(1, i))).unwrap();
            store.save_vote(&Vote::new(3, 2)).await.unwrap();
            store.save_committed(Some(entry(1, 4).log_id)).await.unwrap();
            store.purge(entry(1, 2).log_id).await.unwrap();
            store.flush().await.unwrap();
        }
        let mut store = open(dir.path());
        assert_eq!(store.read_vote().await.unwrap(), Some(Vote::new(3, 2)));
        assert_eq!(store.read_committed().await.unwrap(), Some(entry(1, 4).log_id));
        let state = store.get_log_state().await.unwrap();
        assert_eq!(state.last_purged_log_id, Some(entry(1, 2).log_id));
        assert_eq!(state.last_log_id, Some(entry(1, 5).log_id));
        let indexes: Vec<u64> = store.entries(..).unwrap().iter().map(|e| e.log_id.index).collect();
        assert_eq!(indexes, vec![3, 4, 5]);
    }

    #[tokio::test]
    async fn entries_below_the_purge_mark_are_dropped_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path());
            store.append_batch((1..=4).map(|i| entry(1, i))).unwrap();
            // As if a crash hit between the mark and the deletion.
            store.state.insert(LAST_PURGED, codec::encode("", &entry(1, 2).log_id).unwrap()).unwrap();
            store.flush().await.unwrap();
        }
        let store = open(dir.path());
        let indexes: Vec<u64> = store.entries(..).unwrap().iter().map(|e| e.log_id.index).collect();
        assert_eq!(indexes, vec![3, 4]);
    }

    #[test]
    fn empty_and_inverted_ranges_read_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        store.append_batch((1..=4).map(|i| entry(1, i))).unwrap();
        assert!(store.entries(3..3).unwrap().is_empty());
        #[allow(clippy::reversed_empty_ranges)]
        let inverted = store.entries(4..2).unwrap();
        assert!(inverted.is_empty());
        assert_eq!(store.entries(4..).unwrap().len(), 1);
    }
}
