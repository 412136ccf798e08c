//! openraft's storage conformance suite against the sled stores, each case
//! on a fresh directory.

use openraft::testing::{StoreBuilder, Suite};
use tempfile::TempDir;

use super::types::{StorageError, TypeConfig};
use super::{LogStore, StateMachineStore};

struct SledStoreBuilder;

impl StoreBuilder<TypeConfig, LogStore, StateMachineStore, TempDir> for SledStoreBuilder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachineStore), StorageError> {
        let dir = tempfile::tempdir().expect("a temp dir for the store");
        let (log, state_machine) = super::open(dir.path()).expect("a fresh meta store opens");
        Ok((dir, log, state_machine))
    }
}

#[test]
fn openraft_storage_suite() {
    if let Err(error) = Suite::test_all(SledStoreBuilder) {
        panic!("storage suite failed: {error}");
    }
}
