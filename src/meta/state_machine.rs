//! The membership state machine in sled, for openraft's storage-v2
//! `RaftStateMachine`.
//!
//! Everything lives in the one tree `state_machine`, so that each apply and
//! each snapshot install is a single atomic sled batch: `applied`,
//! `membership`, `node/<id big-endian>` (one record per node),
//! `snapshot_meta` and `snapshot_data`. The state is durable after every
//! apply (flushed before it returns), which openraft relies on: at start it
//! re-applies only from `applied`, and never reloads a snapshot into the
//! state machine.

use std::io::Cursor;
use std::sync::{Arc, Mutex, PoisonError};

use openraft::storage::{RaftSnapshotBuilder, RaftStateMachine};
use openraft::{EntryPayload, OptionalSend};
use tokio::sync::watch;

use super::cluster_state::{ClusterState, NodeRecord};
use super::codec::{self, encode};
use super::error::{MetaError, SledResultExt};
use super::types::{
    Entry, LogId, MetaResponse, NodeId, Snapshot, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};

const TREE: &str = "state_machine";
const APPLIED: &[u8] = b"applied";
const MEMBERSHIP: &[u8] = b"membership";
const NODE_PREFIX: &[u8] = b"node/";
const SNAPSHOT_META: &[u8] = b"snapshot_meta";
const SNAPSHOT_DATA: &[u8] = b"snapshot_data";

fn node_key(id: NodeId) -> Vec<u8> {
    [NODE_PREFIX, &id.to_be_bytes()].concat()
}

/// The state openraft asks for, kept in memory next to its durable copy.
#[derive(Debug, Clone, Default)]
struct Applied {
    log_id: Option<LogId>,
    membership: StoredMembership,
    cluster: ClusterState,
}

#[derive(Debug)]
pub struct StateMachineStore {
    db: sled::Db,
    tree: sled::Tree,
    applied: Applied,
    watchers: watch::Sender<Arc<ClusterState>>,
    /// Snapshot builds run in their own tasks, concurrently with installs:
    /// this keeps a slow build from replacing a newer snapshot.
    snapshot_lock: Arc<Mutex<()>>,
}

impl StateMachineStore {
    pub fn open(db: &sled::Db) -> Result<Self, MetaError> {
        let tree = db.open_tree(TREE).context("open the state machine")?;
        let applied = load(&tree)?;
        let (watchers, _) = watch::channel(Arc::new(applied.cluster.clone()));
        Ok(StateMachineStore { db: db.clone(), tree, applied, watchers, snapshot_lock: Arc::default() })
    }

    /// The cluster membership as of the last applied entry.
    pub fn cluster(&self) -> &ClusterState {
        &self.applied.cluster
    }

    /// Every change of the membership, for rings and watchers on this node.
    /// Take it before the store is handed to `openraft::Raft`.
    pub fn subscribe(&self) -> watch::Receiver<Arc<ClusterState>> {
        self.watchers.subscribe()
    }

    fn publish(&self) {
        self.watchers.send_replace(Arc::new(self.applied.cluster.clone()));
    }

    async fn flush(&self) -> Result<(), MetaError> {
        self.db.flush_async().await.context("flush")?;
        Ok(())
    }

    /// Applies entries in memory and collects the matching writes.
    fn apply_entries(
        &mut self,
        entries: impl IntoIterator<Item = Entry>,
    ) -> Result<(sled::Batch, Vec<MetaResponse>), MetaError> {
        let mut batch = sled::Batch::default();
        let mut responses = Vec::new();
        for entry in entries {
            let log_id = entry.log_id;
            self.applied.log_id = Some(log_id);
            let response = match entry.payload {
                EntryPayload::Blank => MetaResponse::Empty,
                EntryPayload::Normal(request) => {
                    let response = self.applied.cluster.apply(&request);
                    let node = self.applied.cluster.node(request.node_id());
                    write_node(&mut batch, request.node_id(), node)?;
                    response
                }
                EntryPayload::Membership(membership) => {
                    self.applied.membership = StoredMembership::new(Some(log_id), membership);
                    MetaResponse::Empty
                }
            };
            responses.push(response);
        }
        write_applied(&mut batch, &self.applied)?;
        Ok((batch, responses))
    }
}

fn load(tree: &sled::Tree) -> Result<Applied, MetaError> {
    let mut nodes = Vec::new();
    for item in tree.scan_prefix(NODE_PREFIX).values() {
        let value = item.context("read node records")?;
        nodes.push(codec::decode::<NodeRecord>("node record", &value)?);
    }
    Ok(Applied {
        log_id: codec::get(tree, APPLIED, "applied log id")?,
        membership: codec::get(tree, MEMBERSHIP, "membership")?.unwrap_or_default(),
        cluster: ClusterState::from_nodes(nodes),
    })
}

fn write_node(batch: &mut sled::Batch, id: NodeId, node: Option<&NodeRecord>) -> Result<(), MetaError> {
    match node {
        Some(node) => batch.insert(node_key(id), encode("node record", node)?),
        None => batch.remove(node_key(id)),
    }
    Ok(())
}

fn write_applied(batch: &mut sled::Batch, applied: &Applied) -> Result<(), MetaError> {
    batch.insert(APPLIED, encode("applied log id", &applied.log_id)?);
    batch.insert(MEMBERSHIP, encode("membership", &applied.membership)?);
    Ok(())
}

fn write_snapshot(batch: &mut sled::Batch, meta: &SnapshotMeta, data: &[u8]) -> Result<(), MetaError> {
    batch.insert(SNAPSHOT_META, encode("snapshot meta", meta)?);
    batch.insert(SNAPSHOT_DATA, data);
    Ok(())
}

fn current_snapshot_meta(tree: &sled::Tree) -> Result<Option<SnapshotMeta>, MetaError> {
    codec::get(tree, SNAPSHOT_META, "snapshot meta")
}

impl RaftStateMachine<TypeConfig> for StateMachineStore {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok((self.applied.log_id, self.applied.membership.clone()))
    }

    /// A failed write leaves memory ahead of disk; the `StorageError` stops
    /// the Raft node, and a restart reloads from disk.
    async fn apply<I>(&mut self, entries: I) -> Result<Vec<MetaResponse>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let (batch, responses) = self.apply_entries(entries).map_err(|e| e.write_state_machine())?;
        self.tree.apply_batch(batch).context("apply entries").map_err(|e| e.write_state_machine())?;
        self.flush().await.map_err(|e| e.write_state_machine())?;
        self.publish();
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder {
            db: self.db.clone(),
            tree: self.tree.clone(),
            applied: self.applied.clone(),
            snapshot_lock: self.snapshot_lock.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let data = snapshot.into_inner();
        let cluster: ClusterState = codec::decode("snapshot", &data).map_err(|e| e.read_snapshot())?;
        let installed = Applied { log_id: meta.last_log_id, membership: meta.last_membership.clone(), cluster };
        let batch = self.replacement_batch(&installed, meta, &data).map_err(|e| e.write_snapshot())?;
        {
            let _guard = self.snapshot_lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.tree.apply_batch(batch).context("install a snapshot").map_err(|e| e.write_snapshot())?;
        }
        self.flush().await.map_err(|e| e.write_snapshot())?;
        self.applied = installed;
        self.publish();
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, StorageError> {
        let Some(meta) = current_snapshot_meta(&self.tree).map_err(|e| e.read_snapshot())? else {
            return Ok(None);
        };
        let data = self.tree.get(SNAPSHOT_DATA).context("read the snapshot").map_err(|e| e.read_snapshot())?;
        let data = data.map(|bytes| bytes.to_vec()).unwrap_or_default();
        Ok(Some(Snapshot { meta, snapshot: Box::new(Cursor::new(data)) }))
    }
}

impl StateMachineStore {
    /// One batch that swaps the whole state for `installed` and keeps the
    /// snapshot it came from: after a crash either all of it is there or
    /// none.
    fn replacement_batch(
        &self,
        installed: &Applied,
        meta: &SnapshotMeta,
        data: &[u8],
    ) -> Result<sled::Batch, MetaError> {
        let mut batch = sled::Batch::default();
        for key in self.tree.scan_prefix(NODE_PREFIX).keys() {
            batch.remove(key.context("list node records")?);
        }
        for node in installed.cluster.nodes() {
            write_node(&mut batch, node.id, Some(node))?;
        }
        write_applied(&mut batch, installed)?;
        write_snapshot(&mut batch, meta, data)?;
        Ok(batch)
    }
}

/// A copy of the state taken when openraft asked for a snapshot; builds it
/// while the state machine moves on.
#[derive(Debug)]
pub struct SnapshotBuilder {
    db: sled::Db,
    tree: sled::Tree,
    applied: Applied,
    snapshot_lock: Arc<Mutex<()>>,
}

impl SnapshotBuilder {
    fn snapshot_meta(&self) -> Result<SnapshotMeta, MetaError> {
        let sequence = self.db.generate_id().context("number a snapshot")?;
        let last = self.applied.log_id.map_or_else(|| "none".to_owned(), |log_id| log_id.to_string());
        Ok(SnapshotMeta {
            last_log_id: self.applied.log_id,
            last_membership: self.applied.membership.clone(),
            snapshot_id: format!("{last}-{sequence}"),
        })
    }

    /// Saves the snapshot unless a newer one is stored (an install won the
    /// race). Openraft takes only the meta of a build and ignores one older
    /// than what it has, so the unsaved snapshot is still a fine answer.
    fn store(&self, meta: &SnapshotMeta, data: &[u8]) -> Result<(), MetaError> {
        let _guard = self.snapshot_lock.lock().unwrap_or_else(PoisonError::into_inner);
        let stored = current_snapshot_meta(&self.tree)?;
        if stored.is_some_and(|stored| stored.last_log_id > meta.last_log_id) {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        write_snapshot(&mut batch, meta, data)?;
        self.tree.apply_batch(batch).context("save a snapshot")
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot, StorageError> {
        let data = encode("snapshot", &self.applied.cluster).map_err(|e| e.write_snapshot())?;
        let meta = self.snapshot_meta().map_err(|e| e.write_snapshot())?;
        self.store(&meta, &data).map_err(|e| e.write_snapshot())?;
        self.db.flush_async().await.context("flush").map_err(|e| e.write_snapshot())?;
        Ok(Snapshot { meta, snapshot: Box::new(Cursor::new(data)) })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use openraft::{BasicNode, CommittedLeaderId, Membership};

    use super::*;
    use crate::meta::cluster_state::{NodeState, Role};
    use crate::meta::types::MetaRequest;

    fn log_id(index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(1, 1), index)
    }

    fn normal(index: u64, request: MetaRequest) -> Entry {
        Entry { log_id: log_id(index), payload: EntryPayload::Normal(request) }
    }

    fn register(id: NodeId, at_unix_ms: u64) -> MetaRequest {
        MetaRequest::Register {
            id,
            roles: vec![Role::Storage],
            address: format!("10.0.0.{id}:7070"),
            zone: None,
            at_unix_ms,
        }
    }

    fn voters() -> Membership<NodeId, BasicNode> {
        Membership::new(vec![BTreeSet::from([1])], None)
    }

    fn open(dir: &std::path::Path) -> StateMachineStore {
        StateMachineStore::open(&crate::meta::reopen_for_test(dir)).unwrap()
    }

    fn changed(response: &MetaResponse) -> (NodeId, bool) {
        match response {
            MetaResponse::Node { record, changed } => (record.id, *changed),
            other => panic!("expected a node record, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn applied_state_survives_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut sm = open(dir.path());
            let entries = vec![
                Entry { log_id: log_id(1), payload: EntryPayload::Membership(voters()) },
                normal(2, register(7, 1000)),
                normal(3, MetaRequest::SetState { id: 7, state: NodeState::Active }),
                normal(4, register(8, 2000)),
                normal(5, MetaRequest::SetState { id: 8, state: NodeState::Dead }),
                normal(6, MetaRequest::Remove { id: 8 }),
            ];
            let responses = sm.apply(entries).await.unwrap();
            assert_eq!(responses.len(), 6);
            assert_eq!(responses[0], MetaResponse::Empty);
        }
        let mut sm = open(dir.path());
        let (applied, membership) = sm.applied_state().await.unwrap();
        assert_eq!(applied, Some(log_id(6)));
        assert_eq!(membership, StoredMembership::new(Some(log_id(1)), voters()));
        let nodes: Vec<_> = sm.cluster().nodes().map(|node| (node.id, node.state)).collect();
        assert_eq!(nodes, vec![(7, NodeState::Active)]);
    }

    #[tokio::test]
    async fn reregister_after_restart_keeps_the_id() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut sm = open(dir.path());
            sm.apply([
                normal(1, register(7, 1000)),
                normal(2, MetaRequest::SetState { id: 7, state: NodeState::Active }),
            ])
            .await
            .unwrap();
        }
        let mut sm = open(dir.path());
        let responses = sm.apply([normal(3, register(7, 9000))]).await.unwrap();
        assert_eq!(changed(&responses[0]), (7, false));
        let node = sm.cluster().node(7).unwrap();
        assert_eq!((node.state, node.registered_at_unix_ms), (NodeState::Active, 1000));
        assert_eq!(sm.cluster().len(), 1);
    }

    #[tokio::test]
    async fn snapshot_survives_restart_and_installs_elsewhere() {
        let leader_dir = tempfile::tempdir().unwrap();
        let built = {
            let mut leader = open(leader_dir.path());
            leader.apply([normal(1, register(7, 1000)), normal(2, register(9, 1000))]).await.unwrap();
            leader.get_snapshot_builder().await.build_snapshot().await.unwrap()
        };
        let mut leader = open(leader_dir.path());
        let current = leader.get_current_snapshot().await.unwrap().expect("the snapshot was kept");
        assert_eq!(current.meta, built.meta);
        assert_eq!(current.snapshot.get_ref(), built.snapshot.get_ref());

        // The follower has a node the snapshot does not: installing drops it.
        let follower_dir = tempfile::tempdir().unwrap();
        {
            let mut follower = open(follower_dir.path());
            follower.apply([normal(1, register(3, 500))]).await.unwrap();
            let mut watcher = follower.subscribe();
            follower.install_snapshot(&current.meta, current.snapshot).await.unwrap();
            let seen: Vec<NodeId> = watcher.borrow_and_update().nodes().map(|node| node.id).collect();
            assert_eq!(seen, vec![7, 9]);
        }
        let mut follower = open(follower_dir.path());
        let ids: Vec<NodeId> = follower.cluster().nodes().map(|node| node.id).collect();
        assert_eq!(ids, vec![7, 9]);
        assert_eq!(follower.applied_state().await.unwrap().0, Some(log_id(2)));
        assert_eq!(follower.get_current_snapshot().await.unwrap().unwrap().meta, built.meta);
    }

    #[tokio::test]
    async fn a_stale_build_does_not_replace_a_newer_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let mut sm = open(dir.path());
        sm.apply([normal(1, register(7, 1000))]).await.unwrap();
        let mut stale = sm.get_snapshot_builder().await;

        let newer_state = ClusterState::from_nodes([]);
        let newer = SnapshotMeta {
            last_log_id: Some(log_id(10)),
            last_membership: StoredMembership::default(),
            snapshot_id: "installed".to_owned(),
        };
        let data = encode("snapshot", &newer_state).unwrap();
        sm.install_snapshot(&newer, Box::new(Cursor::new(data))).await.unwrap();

        let built = stale.build_snapshot().await.unwrap();
        assert_eq!(built.meta.last_log_id, Some(log_id(1)));
        assert_eq!(sm.get_current_snapshot().await.unwrap().unwrap().meta, newer);
        assert!(sm.cluster().is_empty());
    }

    #[tokio::test]
    async fn undecodable_snapshot_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut sm = open(dir.path());
        let meta = SnapshotMeta { last_log_id: Some(log_id(3)), ..Default::default() };
        let result = sm.install_snapshot(&meta, Box::new(Cursor::new(b"not json".to_vec()))).await;
        assert!(result.is_err());
        assert_eq!(sm.applied_state().await.unwrap().0, None, "nothing was installed");
    }
}
