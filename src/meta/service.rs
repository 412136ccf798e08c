//! The gRPC servers of a meta node: `Raft` (between voters) and `Meta` (for
//! every member). Writes are served by the leader; a follower refuses them
//! with `FAILED_PRECONDITION` and names the leader in the
//! `x-sonde-meta-leader` metadata, and the client follows it.

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use openraft::error::{ClientWriteError, RaftError};
use openraft::{BasicNode, ChangeMembers, ServerState};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tonic::{Request, Response, Status};

use super::cluster_state::{ClusterState, NodeState, Role};
use super::node::{MetaHandle, Raft};
use super::proto::{self, meta_server, raft_server};
use super::types::{MetaRequest, MetaResponse, NodeId};

/// Metadata key that carries the leader's address on a redirect.
pub const LEADER_HEADER: &str = "x-sonde-meta-leader";

pub struct RaftService {
    raft: Raft,
}

impl RaftService {
    pub fn new(raft: Raft) -> Self {
        RaftService { raft }
    }
}

fn decode<T: DeserializeOwned>(payload: &proto::RaftPayload) -> Result<T, Status> {
    serde_json::from_slice(&payload.json).map_err(|e| Status::invalid_argument(format!("bad raft payload: {e}")))
}

fn reply<T: Serialize, E: Serialize>(result: Result<T, E>) -> Result<Response<proto::RaftReply>, Status> {
    let encoded = match result {
        Ok(value) => serde_json::to_vec(&value).map(|json| proto::RaftReply { json, error_json: Vec::new() }),
        Err(error) => serde_json::to_vec(&error).map(|error_json| proto::RaftReply { json: Vec::new(), error_json }),
    };
    encoded.map(Response::new).map_err(|e| Status::internal(format!("cannot encode raft reply: {e}")))
}

#[tonic::async_trait]
impl raft_server::Raft for RaftService {
    async fn append_entries(&self, request: Request<proto::RaftPayload>) -> Result<Response<proto::RaftReply>, Status> {
        let request = decode(request.get_ref())?;
        reply(self.raft.append_entries(request).await)
    }

    async fn vote(&self, request: Request<proto::RaftPayload>) -> Result<Response<proto::RaftReply>, Status> {
        let request = decode(request.get_ref())?;
        reply(self.raft.vote(request).await)
    }

    async fn install_snapshot(
        &self,
        request: Request<proto::RaftPayload>,
    ) -> Result<Response<proto::RaftReply>, Status> {
        let request = decode(request.get_ref())?;
        reply(self.raft.install_snapshot(request).await)
    }
}

pub struct MetaService {
    handle: Arc<MetaHandle>,
}

impl MetaService {
    pub fn new(handle: Arc<MetaHandle>) -> Self {
        MetaService { handle }
    }

    /// `FAILED_PRECONDITION` naming the leader's address when one is known.
    fn not_leader(&self, leader: Option<NodeId>) -> Status {
        let address = leader.and_then(|id| self.handle.member_address(id));
        let mut status = Status::failed_precondition(match &address {
            Some(address) => format!("this meta node is not the leader; the leader is at {address}"),
            None => "this meta node is not the leader and no leader is known".to_string(),
        });
        // Always present on a redirect, so clients can tell it from a refusal.
        let leader =
            address.and_then(|a| a.parse().ok()).unwrap_or_else(|| tonic::metadata::MetadataValue::from_static(""));
        status.metadata_mut().insert(LEADER_HEADER, leader);
        status
    }

    fn write_error(&self, error: RaftError<NodeId, ClientWriteError<NodeId, BasicNode>>) -> Status {
        match error {
            RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => self.not_leader(forward.leader_id),
            RaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
                Status::failed_precondition(e.to_string())
            }
            RaftError::Fatal(fatal) => Status::unavailable(format!("meta node stopped: {fatal}")),
        }
    }

    async fn propose(&self, request: MetaRequest) -> Result<Response<proto::NodeReply>, Status> {
        let written = self.handle.raft.client_write(request).await.map_err(|e| self.write_error(e))?;
        node_reply(written.data)
    }

    fn ensure_leader(&self) -> Result<(), Status> {
        let metrics = self.handle.raft.metrics().borrow().clone();
        if metrics.state == ServerState::Leader {
            return Ok(());
        }
        Err(self.not_leader(metrics.current_leader))
    }

    fn raft_members(&self) -> Vec<proto::MetaVoter> {
        let metrics = self.handle.raft.metrics().borrow().clone();
        let membership = metrics.membership_config.membership();
        let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
        membership
            .nodes()
            .map(|(id, node)| proto::MetaVoter { id: *id, address: node.addr.clone(), voter: voters.contains(id) })
            .collect()
    }
}

fn node_reply(response: MetaResponse) -> Result<Response<proto::NodeReply>, Status> {
    let reply = match response {
        MetaResponse::Node { record, changed } => proto::NodeReply { node: Some((&record).into()), changed },
        MetaResponse::Removed { record } => {
            let changed = record.is_some();
            proto::NodeReply { node: record.as_ref().map(Into::into), changed }
        }
        MetaResponse::Rejected(rejection) => {
            return Err(match rejection {
                super::Rejection::UnknownNode { .. } => Status::not_found(rejection.to_string()),
                _ => Status::failed_precondition(rejection.to_string()),
            });
        }
        MetaResponse::Empty => proto::NodeReply { node: None, changed: false },
    };
    Ok(Response::new(reply))
}

fn parse_roles(roles: &[String]) -> Result<Vec<Role>, Status> {
    roles.iter().map(|role| role.parse().map_err(Status::invalid_argument)).collect()
}

/// The wire form of a membership, stamped with the applied index.
pub fn cluster_view(state: &ClusterState, applied_index: u64) -> proto::ClusterView {
    proto::ClusterView { applied_index, nodes: state.nodes().map(proto::Node::from).collect() }
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<proto::ClusterView, Status>> + Send>>;

#[tonic::async_trait]
impl meta_server::Meta for MetaService {
    async fn register(&self, request: Request<proto::RegisterRequest>) -> Result<Response<proto::NodeReply>, Status> {
        let request = request.into_inner();
        let zone = Some(request.zone).filter(|zone| !zone.is_empty());
        let roles = parse_roles(&request.roles)?;
        let at_unix_ms = crate::api::time::now_millis().max(0) as u64;
        let id = request.id;
        let reply =
            self.propose(MetaRequest::Register { id, roles, address: request.address, zone, at_unix_ms }).await?;
        // A node's clock starts when it registers, not when this leader took over.
        self.handle.liveness.heard(id, 0);
        Ok(reply)
    }

    async fn set_state(&self, request: Request<proto::SetStateRequest>) -> Result<Response<proto::NodeReply>, Status> {
        let request = request.into_inner();
        let state: NodeState = request.state.parse().map_err(Status::invalid_argument)?;
        self.propose(MetaRequest::SetState { id: request.id, state }).await
    }

    async fn remove(&self, request: Request<proto::RemoveRequest>) -> Result<Response<proto::NodeReply>, Status> {
        self.propose(MetaRequest::Remove { id: request.into_inner().id }).await
    }

    async fn heartbeat(
        &self,
        request: Request<proto::HeartbeatRequest>,
    ) -> Result<Response<proto::HeartbeatReply>, Status> {
        self.ensure_leader()?;
        let request = request.into_inner();
        self.handle.liveness.heard(request.id, request.owned_targets);
        let state = self.handle.cluster().node(request.id).map(|node| node.state.to_string()).unwrap_or_default();
        Ok(Response::new(proto::HeartbeatReply { state }))
    }

    type WatchStream = WatchStream;

    async fn watch(&self, _: Request<proto::WatchRequest>) -> Result<Response<WatchStream>, Status> {
        let handle = self.handle.clone();
        let receiver = handle.subscribe();
        let stream = futures::stream::unfold((receiver, handle, true), |(mut receiver, handle, first)| async move {
            if !first {
                tokio::select! {
                    changed = receiver.changed() => changed.ok()?,
                    // The server is stopping: end the stream; the client
                    // follows another meta node.
                    () = handle.closed() => return None,
                }
            }
            let state = receiver.borrow_and_update().clone();
            let view = cluster_view(&state, handle.applied_index());
            Some((Ok(view), (receiver, handle, false)))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn status(&self, _: Request<proto::StatusRequest>) -> Result<Response<proto::StatusReply>, Status> {
        let metrics = self.handle.raft.metrics().borrow().clone();
        let leader_address = metrics.current_leader.and_then(|id| self.handle.member_address(id)).unwrap_or_default();
        let liveness = self
            .handle
            .liveness
            .snapshot()
            .into_iter()
            .map(|(id, heard)| proto::Liveness {
                id,
                silent_ms: heard.at.elapsed().as_millis() as u64,
                owned_targets: heard.owned_targets,
            })
            .collect();
        Ok(Response::new(proto::StatusReply {
            node_id: metrics.id,
            leader_id: metrics.current_leader.unwrap_or(0),
            leader_address,
            term: metrics.current_term,
            commit_index: self.handle.committed_index(),
            applied_index: metrics.last_applied.map_or(0, |id| id.index),
            last_log_index: metrics.last_log_index.unwrap_or(0),
            raft_members: self.raft_members(),
            nodes: self.handle.cluster().nodes().map(proto::Node::from).collect(),
            liveness,
            raft_state: format!("{:?}", metrics.state),
            snapshot_index: metrics.snapshot.map_or(0, |id| id.index),
            purged_index: metrics.purged.map_or(0, |id| id.index),
        }))
    }

    async fn add_meta(
        &self,
        request: Request<proto::AddMetaRequest>,
    ) -> Result<Response<proto::MembershipReply>, Status> {
        self.ensure_leader()?;
        let request = request.into_inner();
        let raft = &self.handle.raft;
        raft.add_learner(request.id, BasicNode { addr: request.address }, true)
            .await
            .map_err(|e| self.write_error(e))?;
        if request.voter {
            raft.change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([request.id])), false)
                .await
                .map_err(|e| self.write_error(e))?;
        }
        Ok(Response::new(proto::MembershipReply { raft_members: self.raft_members() }))
    }

    async fn remove_meta(
        &self,
        request: Request<proto::RemoveMetaRequest>,
    ) -> Result<Response<proto::MembershipReply>, Status> {
        self.ensure_leader()?;
        let id = request.into_inner().id;
        let raft = &self.handle.raft;
        let is_voter = self.raft_members().iter().any(|member| member.id == id && member.voter);
        let change = if is_voter {
            ChangeMembers::RemoveVoters(BTreeSet::from([id]))
        } else {
            ChangeMembers::RemoveNodes(BTreeSet::from([id]))
        };
        raft.change_membership(change, false).await.map_err(|e| self.write_error(e))?;
        Ok(Response::new(proto::MembershipReply { raft_members: self.raft_members() }))
    }
}
