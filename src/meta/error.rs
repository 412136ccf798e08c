//! Errors of the meta store. Inside openraft's storage traits they are
//! wrapped into `StorageError`, which stops the Raft node: a store that cannot
//! read or write its sled trees must not keep voting.

use openraft::StorageIOError;

use super::types::{NodeId, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("cannot open meta store at {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("cannot {action} in meta store: {source}")]
    Sled { action: &'static str, source: sled::Error },
    #[error("cannot encode {what}: {source}")]
    Encode { what: &'static str, source: serde_json::Error },
    #[error("cannot decode {what}: {source}")]
    Decode { what: &'static str, source: serde_json::Error },
    #[error("corrupt log key {key:?}: expected 8 bytes")]
    LogKey { key: Vec<u8> },
}

/// Names the sled operation that failed.
pub(crate) trait SledResultExt<T> {
    fn context(self, action: &'static str) -> Result<T, MetaError>;
}

impl<T> SledResultExt<T> for sled::Result<T> {
    fn context(self, action: &'static str) -> Result<T, MetaError> {
        self.map_err(|source| MetaError::Sled { action, source })
    }
}

impl MetaError {
    pub(crate) fn read_logs(&self) -> StorageError {
        StorageIOError::read_logs(self).into()
    }

    pub(crate) fn write_logs(&self) -> StorageError {
        StorageIOError::write_logs(self).into()
    }

    pub(crate) fn read_vote(&self) -> StorageError {
        StorageIOError::read_vote(self).into()
    }

    pub(crate) fn write_vote(&self) -> StorageError {
        StorageIOError::write_vote(self).into()
    }

    pub(crate) fn write_state_machine(&self) -> StorageError {
        StorageIOError::write_state_machine(self).into()
    }

    pub(crate) fn read_snapshot(&self) -> StorageError {
        StorageIOError::<NodeId>::read_snapshot(None, self).into()
    }

    pub(crate) fn write_snapshot(&self) -> StorageError {
        StorageIOError::<NodeId>::write_snapshot(None, self).into()
    }
}
