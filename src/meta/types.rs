//! The Raft type config of the meta group and the requests its log carries.
//!
//! Only state transitions go through the log (register, state change,
//! remove); liveness heartbeats stay in the leader's memory (DESIGN-meta.md).

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use super::cluster_state::{NodeRecord, NodeState, Rejection, Role};

/// Ids are chosen by the nodes themselves and kept in their data dirs, so a
/// restarted node re-registers under the id it had.
pub type NodeId = u64;

openraft::declare_raft_types!(
    /// Types of the meta Raft group. `Node` is the address of a meta voter's
    /// Raft gRPC endpoint; the cluster's members (scrapers, storage, …) are
    /// application data in the state machine, not Raft members.
    pub TypeConfig:
        D = MetaRequest,
        R = MetaResponse,
        NodeId = NodeId,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, openraft::BasicNode>;
pub type Snapshot = openraft::Snapshot<TypeConfig>;
pub type StorageError = openraft::StorageError<NodeId>;

/// A state transition of the cluster membership, proposed through Raft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaRequest {
    /// Join, or re-join under the same id after a restart. `at_unix_ms` is
    /// the proposer's clock: apply must be deterministic, so it cannot read
    /// its own.
    Register { id: NodeId, roles: Vec<Role>, address: String, zone: Option<String>, at_unix_ms: u64 },
    /// Move a node along Joining → Active → Leaving, or to Dead (the
    /// leader's liveness tracker proposes that after missed heartbeats).
    SetState { id: NodeId, state: NodeState },
    /// Forget a node that has left or died.
    Remove { id: NodeId },
}

impl MetaRequest {
    /// The one node a request touches: the store rewrites only its record.
    pub fn node_id(&self) -> NodeId {
        match self {
            MetaRequest::Register { id, .. } | MetaRequest::SetState { id, .. } | MetaRequest::Remove { id } => *id,
        }
    }
}

/// What applying an entry answered. Refusals are answers, not errors: a
/// `StorageError` would stop the Raft node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaResponse {
    /// Blank and Raft-membership entries carry no request.
    Empty,
    /// The node's record after the request; `changed` is false for a no-op
    /// (a repeated Register or SetState).
    Node {
        record: NodeRecord,
        changed: bool,
    },
    /// The removed record, or None when the id was unknown.
    Removed {
        record: Option<NodeRecord>,
    },
    Rejected(Rejection),
}

#[cfg(test)]
mod tests {
    use openraft::{CommittedLeaderId, EntryPayload};

    use super::*;

    /// These bytes are on disk and in snapshots: renaming a variant or a
    /// field breaks existing stores.
    #[test]
    fn on_disk_format_is_stable() {
        let entry = Entry {
            log_id: LogId::new(CommittedLeaderId::new(2, 1), 17),
            payload: EntryPayload::Normal(MetaRequest::Register {
                id: 7,
                roles: vec![Role::Storage],
                address: "10.0.0.7:7070".into(),
                zone: Some("eu-1a".into()),
                at_unix_ms: 1_700_000_000_000,
            }),
        };
        assert_eq!(
            serde_json::to_string(&entry).unwrap(),
            r#"{"log_id":{"leader_id":{"term":2,"node_id":1},"index":17},"payload":{"Normal":{"register":{"id":7,"roles":["storage"],"address":"10.0.0.7:7070","zone":"eu-1a","at_unix_ms":1700000000000}}}}"#
        );
        let entry = Entry {
            log_id: entry.log_id,
            payload: EntryPayload::Normal(MetaRequest::SetState { id: 7, state: NodeState::Active }),
        };
        assert!(serde_json::to_string(&entry).unwrap().contains(r#"{"set_state":{"id":7,"state":"active"}}"#));
        assert_eq!(
            serde_json::to_string(&Vote::new_committed(2, 1)).unwrap(),
            r#"{"leader_id":{"term":2,"node_id":1},"committed":true}"#
        );
    }
}
