//! openraft's network over tonic: each peer is a lazily connected channel to
//! the other voter's gRPC address, and each Raft RPC carries openraft's own
//! request and reply as JSON (`RaftPayload`, `RaftReply`).

use openraft::BasicNode;
use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tonic::transport::Channel;

use crate::grpc::lazy_channel;

use super::proto::raft_client::RaftClient;
use super::proto::{RaftPayload, RaftReply};
use super::types::{NodeId, TypeConfig};

/// Creates a [`Peer`] for each voter openraft replicates to.
#[derive(Debug, Clone, Default)]
pub struct Network;

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> Peer {
        Peer { target, address: node.addr.clone(), client: None }
    }
}

pub struct Peer {
    target: NodeId,
    address: String,
    client: Option<RaftClient<Channel>>,
}

#[derive(Clone, Copy)]
enum Rpc {
    AppendEntries,
    Vote,
    InstallSnapshot,
}

type RpcError<E = openraft::error::Infallible> = RPCError<NodeId, BasicNode, RaftError<NodeId, E>>;

impl Peer {
    fn client(&mut self) -> Result<&mut RaftClient<Channel>, Unreachable> {
        if self.client.is_none() {
            let channel = lazy_channel(&self.address).map_err(|e| Unreachable::new(&std::io::Error::other(e)))?;
            self.client = Some(RaftClient::new(channel));
        }
        Ok(self.client.as_mut().expect("client was just set"))
    }

    async fn call<Req, Resp, E>(&mut self, rpc: Rpc, request: &Req, option: &RPCOption) -> Result<Resp, RpcError<E>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let json = serde_json::to_vec(request).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        let mut request = tonic::Request::new(RaftPayload { json });
        request.set_timeout(option.hard_ttl());
        let client = self.client()?;
        let reply = match rpc {
            Rpc::AppendEntries => client.append_entries(request).await,
            Rpc::Vote => client.vote(request).await,
            Rpc::InstallSnapshot => client.install_snapshot(request).await,
        };
        let reply: RaftReply = reply.map_err(status_error)?.into_inner();
        if !reply.error_json.is_empty() {
            let error: RaftError<NodeId, E> =
                serde_json::from_slice(&reply.error_json).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
            return Err(RPCError::RemoteError(RemoteError::new(self.target, error)));
        }
        serde_json::from_slice(&reply.json).map_err(|e| RPCError::Network(NetworkError::new(&e)))
    }
}

/// A peer that is down or slow is unreachable (openraft backs off); anything
/// else is a network error (openraft retries at once).
fn status_error<E: std::error::Error>(status: tonic::Status) -> RpcError<E> {
    use tonic::Code;
    match status.code() {
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown => {
            RPCError::Unreachable(Unreachable::new(&status))
        }
        _ => RPCError::Network(NetworkError::new(&status)),
    }
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        request: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RpcError> {
        self.call(Rpc::AppendEntries, &request, &option).await
    }

    async fn install_snapshot(
        &mut self,
        request: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<NodeId>, RpcError<InstallSnapshotError>> {
        self.call(Rpc::InstallSnapshot, &request, &option).await
    }

    async fn vote(
        &mut self,
        request: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RpcError> {
        self.call(Rpc::Vote, &request, &option).await
    }
}
