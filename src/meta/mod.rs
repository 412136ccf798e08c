//! `sonde meta`: the Raft group that holds cluster membership. openraft 0.9
//! (storage-v2) with the log and the state machine in sled; see
//! `docs/meta.md` for the key layout, heartbeats and snapshot policy.

mod codec;
#[cfg(test)]
mod conformance;
mod error;
mod liveness;

pub mod cluster_state;
pub mod log_store;
pub mod network;
pub mod node;
pub mod proto;
pub mod service;
pub mod state_machine;
pub mod types;

pub use cluster_state::{ClusterState, NodeRecord, NodeState, Rejection, Role};
pub use error::MetaError;
pub use log_store::LogStore;
pub use node::{MetaHandle, MetaNodeError, MetaOptions};
pub use state_machine::{SnapshotBuilder, StateMachineStore};
pub use types::{MetaRequest, MetaResponse, NodeId, TypeConfig};

/// sled's default page cache may grow to 1 GiB; the membership of even a
/// large cluster is a few MiB.
const CACHE_CAPACITY_BYTES: u64 = 64 << 20;

/// Opens (or creates) the meta store in `dir`: one sled database holding the
/// log's trees and the state machine's tree, so one fsync covers both.
pub fn open(dir: &std::path::Path) -> Result<(LogStore, StateMachineStore), MetaError> {
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(CACHE_CAPACITY_BYTES)
        .open()
        .map_err(|source| MetaError::Open { path: dir.display().to_string(), source })?;
    Ok((LogStore::open(&db)?, StateMachineStore::open(&db)?))
}

/// sled releases its file lock from a background thread after the last
/// handle is dropped, so a test that reopens a store at once may find it
/// still locked for a moment.
#[cfg(test)]
pub(crate) fn reopen_for_test(dir: &std::path::Path) -> sled::Db {
    let mut attempts = 0;
    loop {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(_) if attempts < 100 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("cannot reopen the sled store in {}: {e}", dir.display()),
        }
    }
}
