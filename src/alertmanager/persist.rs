//! Durable state of an Alertmanager (silences, the notification log) in
//! sled under `--storage.path`: one tree per kind, JSON values, and a
//! flush before a change is acknowledged, so a `kill -9` loses nothing
//! that was acknowledged or notified.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("opening state in {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("writing state: {0}")]
    Write(#[from] sled::Error),
    #[error("encoding state: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The state database: silences and the notification log.
#[derive(Clone)]
pub struct StateDb {
    db: sled::Db,
}

impl StateDb {
    pub fn open(directory: &Path) -> Result<StateDb, PersistError> {
        let path = directory.join("state");
        let db = sled::Config::new()
            .path(&path)
            .open()
            .map_err(|source| PersistError::Open { path: path.display().to_string(), source })?;
        Ok(StateDb { db })
    }

    /// A database that lives only in memory, for tests.
    pub fn temporary() -> Result<StateDb, PersistError> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(|source| PersistError::Open { path: "<temporary>".into(), source })?;
        Ok(StateDb { db })
    }

    pub fn table(&self, name: &str) -> Result<Table, PersistError> {
        Ok(Table { tree: self.db.open_tree(name)? })
    }
}

/// One kind of record, keyed by a string.
#[derive(Clone)]
pub struct Table {
    tree: sled::Tree,
}

impl Table {
    /// Every record that decodes; a record that does not (written by a
    /// newer version, say) is skipped rather than failing the start.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Vec<T>, PersistError> {
        let mut records = Vec::new();
        for item in self.tree.iter() {
            let (key, value) = item?;
            match serde_json::from_slice(&value) {
                Ok(record) => records.push(record),
                Err(error) => {
                    tracing::warn!(key = %String::from_utf8_lossy(&key), %error, "skipping unreadable state record")
                }
            }
        }
        Ok(records)
    }

    /// Writes a record and waits until it is on disk: for changes made
    /// here, which are acknowledged or acted on next.
    pub async fn put<T: Serialize>(&self, key: &str, record: &T) -> Result<(), PersistError> {
        self.tree.insert(key.as_bytes(), serde_json::to_vec(record)?)?;
        self.flush().await
    }

    /// sled's flush blocks on fsync; it must not stall the runtime's
    /// workers, which also answer the peers.
    async fn flush(&self) -> Result<(), PersistError> {
        let tree = self.tree.clone();
        match tokio::task::spawn_blocking(move || tree.flush()).await {
            Ok(result) => result.map(drop).map_err(PersistError::from),
            Err(join) => Err(PersistError::Write(sled::Error::Unsupported(format!("flush task failed: {join}")))),
        }
    }

    /// Writes a record that sled flushes within half a second: for peers'
    /// records, which a peer that crashed first gets again from them.
    pub fn insert<T: Serialize>(&self, key: &str, record: &T) -> Result<(), PersistError> {
        self.tree.insert(key.as_bytes(), serde_json::to_vec(record)?)?;
        Ok(())
    }

    pub async fn remove(&self, key: &str) -> Result<(), PersistError> {
        self.tree.remove(key.as_bytes())?;
        self.flush().await
    }
}
