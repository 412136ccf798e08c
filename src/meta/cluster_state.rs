//! The cluster membership: every registered node with its roles, address,
//! zone and lifecycle state. Pure and deterministic, so every replica that
//! applies the same log reaches the same state; the sled store persists it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::types::{MetaRequest, MetaResponse, NodeId};

/// What a node does; a node may run several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Meta,
    Scraper,
    Storage,
    Query,
    Ruler,
    Alertmanager,
}

/// Lifecycle of a node. Rings place only Active nodes; Joining and Leaving
/// nodes are known but handed no new work (Mimir's ring states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    Joining,
    Active,
    Leaving,
    Dead,
}

impl NodeState {
    /// Forward moves only, plus Dead from anywhere (missed heartbeats) and
    /// Dead → Joining (a node that comes back). Back to Joining from Active
    /// or Leaving goes through Register, which checks the node's fields.
    fn may_become(self, to: NodeState) -> bool {
        use NodeState::*;
        matches!(
            (self, to),
            (Joining, Active) | (Joining | Active, Leaving) | (Joining | Active | Leaving, Dead) | (Dead, Joining)
        )
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            NodeState::Joining => "joining",
            NodeState::Active => "active",
            NodeState::Leaving => "leaving",
            NodeState::Dead => "dead",
        };
        f.write_str(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    pub id: NodeId,
    /// Sorted and without duplicates, so equal role sets compare equal.
    pub roles: Vec<Role>,
    pub address: String,
    pub zone: Option<String>,
    pub state: NodeState,
    /// When the id first registered (the proposer's clock); kept across
    /// re-registrations.
    pub registered_at_unix_ms: u64,
}

/// Why a request changed nothing. Deterministic, so every replica refuses
/// the same requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    #[error("node {id} is not registered")]
    UnknownNode { id: NodeId },
    #[error("node {id} cannot go from {from} to {to}")]
    IllegalTransition { id: NodeId, from: NodeState, to: NodeState },
    #[error("address {address} is already held by live node {holder}")]
    AddressInUse { address: String, holder: NodeId },
    #[error("node {id} is active: it must leave or be dead before it is removed")]
    StillActive { id: NodeId },
    #[error("invalid registration of node {id}: {reason}")]
    Invalid { id: NodeId, reason: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    nodes: BTreeMap<NodeId, NodeRecord>,
}

impl ClusterState {
    pub fn from_nodes(nodes: impl IntoIterator<Item = NodeRecord>) -> Self {
        ClusterState { nodes: nodes.into_iter().map(|node| (node.id, node)).collect() }
    }

    pub fn node(&self, id: NodeId) -> Option<&NodeRecord> {
        self.nodes.get(&id)
    }

    /// All nodes in id order.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeRecord> {
        self.nodes.values()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn apply(&mut self, request: &MetaRequest) -> MetaResponse {
        let outcome = match request {
            MetaRequest::Register { id, roles, address, zone, at_unix_ms } => {
                self.register(*id, roles, address, zone, *at_unix_ms)
            }
            MetaRequest::SetState { id, state } => self.set_state(*id, *state),
            MetaRequest::Remove { id } => self.remove(*id),
        };
        outcome.unwrap_or_else(MetaResponse::Rejected)
    }

    fn register(
        &mut self,
        id: NodeId,
        roles: &[Role],
        address: &str,
        zone: &Option<String>,
        at_unix_ms: u64,
    ) -> Result<MetaResponse, Rejection> {
        let roles = normalized(roles);
        validate_registration(id, &roles, address)?;
        self.check_address_free(id, address)?;
        let zone = zone.clone().filter(|zone| !zone.is_empty());
        let Some(existing) = self.nodes.get_mut(&id) else {
            let record = NodeRecord {
                id,
                roles,
                address: address.to_owned(),
                zone,
                state: NodeState::Joining,
                registered_at_unix_ms: at_unix_ms,
            };
            self.nodes.insert(id, record.clone());
            return Ok(MetaResponse::Node { record, changed: true });
        };
        let same_fields = existing.roles == roles && existing.address == address && existing.zone == zone;
        // A retried or repeated Register of a live node must not knock it
        // back to Joining; changed fields may move it on the rings, so they do.
        if same_fields && matches!(existing.state, NodeState::Joining | NodeState::Active) {
            return Ok(MetaResponse::Node { record: existing.clone(), changed: false });
        }
        existing.roles = roles;
        existing.address = address.to_owned();
        existing.zone = zone;
        existing.state = NodeState::Joining;
        Ok(MetaResponse::Node { record: existing.clone(), changed: true })
    }

    /// Two live records at one address would put one process on a ring
    /// twice; a dead record may keep its old address.
    fn check_address_free(&self, id: NodeId, address: &str) -> Result<(), Rejection> {
        let holder =
            self.nodes.values().find(|node| node.id != id && node.address == address && node.state != NodeState::Dead);
        match holder {
            Some(holder) => Err(Rejection::AddressInUse { address: address.to_owned(), holder: holder.id }),
            None => Ok(()),
        }
    }

    fn set_state(&mut self, id: NodeId, to: NodeState) -> Result<MetaResponse, Rejection> {
        let record = self.nodes.get_mut(&id).ok_or(Rejection::UnknownNode { id })?;
        if record.state == to {
            return Ok(MetaResponse::Node { record: record.clone(), changed: false });
        }
        if !record.state.may_become(to) {
            return Err(Rejection::IllegalTransition { id, from: record.state, to });
        }
        record.state = to;
        Ok(MetaResponse::Node { record: record.clone(), changed: true })
    }

    fn remove(&mut self, id: NodeId) -> Result<MetaResponse, Rejection> {
        match self.nodes.get(&id) {
            Some(record) if record.state == NodeState::Active => Err(Rejection::StillActive { id }),
            _ => Ok(MetaResponse::Removed { record: self.nodes.remove(&id) }),
        }
    }
}

fn normalized(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort_unstable();
    roles.dedup();
    roles
}

fn validate_registration(id: NodeId, roles: &[Role], address: &str) -> Result<(), Rejection> {
    if roles.is_empty() {
        return Err(Rejection::Invalid { id, reason: "no roles".to_owned() });
    }
    if address.trim().is_empty() {
        return Err(Rejection::Invalid { id, reason: "empty address".to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(id: NodeId, address: &str, at: u64) -> MetaRequest {
        MetaRequest::Register {
            id,
            roles: vec![Role::Storage],
            address: address.to_owned(),
            zone: Some("z1".to_owned()),
            at_unix_ms: at,
        }
    }

    fn set(id: NodeId, state: NodeState) -> MetaRequest {
        MetaRequest::SetState { id, state }
    }

    fn record(response: MetaResponse) -> (NodeRecord, bool) {
        match response {
            MetaResponse::Node { record, changed } => (record, changed),
            other => panic!("expected a node record, got {other:?}"),
        }
    }

    fn rejection(response: MetaResponse) -> Rejection {
        match response {
            MetaResponse::Rejected(rejection) => rejection,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn register_creates_joining_record() {
        let mut state = ClusterState::default();
        let (node, changed) = record(state.apply(&MetaRequest::Register {
            id: 7,
            roles: vec![Role::Storage, Role::Scraper, Role::Storage],
            address: "10.0.0.7:7070".to_owned(),
            zone: Some(String::new()),
            at_unix_ms: 1000,
        }));
        assert!(changed);
        assert_eq!(node.id, 7);
        assert_eq!(node.roles, vec![Role::Scraper, Role::Storage]);
        assert_eq!(node.zone, None, "an empty zone means none");
        assert_eq!(node.state, NodeState::Joining);
        assert_eq!(node.registered_at_unix_ms, 1000);
        assert_eq!(state.node(7), Some(&node));
    }

    #[test]
    fn register_is_idempotent_for_live_nodes() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 1000));
        record(state.apply(&set(1, NodeState::Active)));
        let (node, changed) = record(state.apply(&register(1, "a:1", 5000)));
        assert!(!changed);
        assert_eq!(node.state, NodeState::Active, "a repeated register keeps the node active");
        assert_eq!(node.registered_at_unix_ms, 1000);
    }

    #[test]
    fn reregister_with_new_address_keeps_id_and_rejoins() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 1000));
        state.apply(&set(1, NodeState::Active));
        let (node, changed) = record(state.apply(&register(1, "b:1", 5000)));
        assert!(changed);
        assert_eq!((node.id, node.address.as_str(), node.state), (1, "b:1", NodeState::Joining));
        assert_eq!(node.registered_at_unix_ms, 1000);
        assert_eq!(state.len(), 1);
    }

    #[test]
    fn dead_node_rejoins_by_registering() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 1000));
        state.apply(&set(1, NodeState::Dead));
        let (node, changed) = record(state.apply(&register(1, "a:1", 9000)));
        assert!(changed);
        assert_eq!(node.state, NodeState::Joining);
        assert_eq!(node.registered_at_unix_ms, 1000);
    }

    #[test]
    fn state_moves_forward_and_to_dead() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 0));
        for to in [NodeState::Active, NodeState::Leaving, NodeState::Dead, NodeState::Joining] {
            let (node, changed) = record(state.apply(&set(1, to)));
            assert!(changed);
            assert_eq!(node.state, to);
        }
    }

    #[test]
    fn repeated_state_is_a_no_op() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 0));
        state.apply(&set(1, NodeState::Dead));
        let (node, changed) = record(state.apply(&set(1, NodeState::Dead)));
        assert!(!changed);
        assert_eq!(node.state, NodeState::Dead);
    }

    #[test]
    fn backward_transitions_are_rejected() {
        let cases = [
            (NodeState::Active, NodeState::Joining),
            (NodeState::Leaving, NodeState::Active),
            (NodeState::Dead, NodeState::Active),
            (NodeState::Dead, NodeState::Leaving),
        ];
        for (from, to) in cases {
            let mut state = ClusterState::default();
            state.apply(&register(1, "a:1", 0));
            // Every `from` is one step from Joining.
            record(state.apply(&set(1, from)));
            let before = state.clone();
            assert_eq!(rejection(state.apply(&set(1, to))), Rejection::IllegalTransition { id: 1, from, to });
            assert_eq!(state, before, "a rejected request changes nothing");
        }
    }

    #[test]
    fn unknown_node_is_rejected() {
        let mut state = ClusterState::default();
        assert_eq!(rejection(state.apply(&set(9, NodeState::Active))), Rejection::UnknownNode { id: 9 });
    }

    #[test]
    fn remove_forgets_left_or_dead_nodes() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 0));
        state.apply(&set(1, NodeState::Active));
        assert_eq!(rejection(state.apply(&MetaRequest::Remove { id: 1 })), Rejection::StillActive { id: 1 });
        state.apply(&set(1, NodeState::Leaving));
        match state.apply(&MetaRequest::Remove { id: 1 }) {
            MetaResponse::Removed { record: Some(node) } => assert_eq!(node.id, 1),
            other => panic!("unexpected {other:?}"),
        }
        assert!(state.is_empty());
        assert_eq!(state.apply(&MetaRequest::Remove { id: 1 }), MetaResponse::Removed { record: None });
    }

    #[test]
    fn live_address_cannot_be_taken_but_dead_one_can() {
        let mut state = ClusterState::default();
        state.apply(&register(1, "a:1", 0));
        assert_eq!(
            rejection(state.apply(&register(2, "a:1", 0))),
            Rejection::AddressInUse { address: "a:1".to_owned(), holder: 1 }
        );
        state.apply(&set(1, NodeState::Dead));
        let (node, _) = record(state.apply(&register(2, "a:1", 0)));
        assert_eq!(node.id, 2);
    }

    #[test]
    fn invalid_registrations_are_rejected() {
        let mut state = ClusterState::default();
        let no_roles = MetaRequest::Register { id: 1, roles: vec![], address: "a:1".into(), zone: None, at_unix_ms: 0 };
        assert_eq!(rejection(state.apply(&no_roles)), Rejection::Invalid { id: 1, reason: "no roles".into() });
        assert_eq!(
            rejection(state.apply(&register(1, " ", 0))),
            Rejection::Invalid { id: 1, reason: "empty address".into() }
        );
        assert!(state.is_empty());
    }
}
