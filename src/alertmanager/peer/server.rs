//! The peer service: takes a peer's changes, answers with ours, and keeps
//! note of who called, so that either side of an exchange knows the other
//! is alive.

use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status};

use super::Gossip;
use super::proto::peer_server::{Peer, PeerServer};
use super::proto::{ExchangeRequest, ExchangeResponse, LeaveRequest, LeaveResponse};

/// Peers' states are small, but a full exchange carries every silence and
/// log entry.
const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

struct PeerService {
    gossip: Arc<Gossip>,
}

#[tonic::async_trait]
impl Peer for PeerService {
    async fn exchange(&self, request: Request<ExchangeRequest>) -> Result<Response<ExchangeResponse>, Status> {
        let request = request.into_inner();
        let gossip = &self.gossip;
        let Some(am) = gossip.alertmanager() else {
            return Err(Status::unavailable("not started"));
        };
        let from = request.from.ok_or_else(|| Status::invalid_argument("missing sender"))?;
        if from.name != gossip.name {
            if let Some(changes) = request.changes {
                gossip.merge(am, changes);
            }
            let now = Instant::now();
            let mut membership = gossip.membership.lock();
            membership.seen(&from.name, &from.address, now);
            for known in request.known {
                membership.heard_of(&known.name, &known.address, now);
            }
        }
        let (changes, _) = gossip.changes_since(am, &request.have.unwrap_or_default());
        Ok(Response::new(ExchangeResponse { peer: Some(gossip.info()), changes: Some(changes), known: gossip.known() }))
    }

    async fn leave(&self, request: Request<LeaveRequest>) -> Result<Response<LeaveResponse>, Status> {
        if let Some(from) = request.into_inner().from {
            tracing::info!(peer = %from.name, address = %from.address, "peer left the cluster");
            self.gossip.membership.lock().left(&from.name);
        }
        Ok(Response::new(LeaveResponse {}))
    }
}

pub(super) async fn serve(gossip: Arc<Gossip>, listener: tokio::net::TcpListener) {
    let service = PeerServer::new(PeerService { gossip })
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    if let Err(error) = tonic::transport::Server::builder().add_service(service).serve_with_incoming(incoming).await {
        tracing::error!(%error, "the peer service stopped");
    }
}
