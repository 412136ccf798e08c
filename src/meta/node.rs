//! A running meta node: the openraft instance over the sled store, its
//! bootstrap from the configured initial members, the leader's liveness task,
//! and the gRPC server that carries both services.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use openraft::error::{InitializeError, RaftError};
use openraft::{BasicNode, ServerState, SnapshotPolicy};
use tokio::sync::watch;

use super::cluster_state::{ClusterState, NodeState};
use super::liveness::Liveness;
use super::network::Network;
use super::proto::{meta_server::MetaServer, raft_server::RaftServer};
use super::service::{MetaService, RaftService};
use super::types::{MetaRequest, NodeId, TypeConfig};

pub type Raft = openraft::Raft<TypeConfig>;

/// gRPC messages stay small (membership is a few KiB); this bounds what a
/// bad peer can make a meta node allocate.
const MAX_MESSAGE_BYTES: usize = 16 << 20;

#[derive(Debug, Clone)]
pub struct MetaOptions {
    pub id: NodeId,
    pub data_dir: PathBuf,
    /// The voters to bootstrap with (id → gRPC address), the same on every
    /// initial voter. Ignored once the store holds a membership.
    pub initial_members: BTreeMap<NodeId, String>,
    /// How long the leader waits for a heartbeat before it declares a node
    /// dead.
    pub dead_after: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MetaNodeError {
    #[error(transparent)]
    Store(#[from] super::MetaError),
    #[error("invalid raft configuration: {0}")]
    Config(String),
    #[error("cannot start raft: {0}")]
    Start(String),
    #[error("cannot bootstrap the meta group: {0}")]
    Bootstrap(String),
    #[error("gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// What the gRPC services and the role share.
pub struct MetaHandle {
    pub raft: Raft,
    pub liveness: Liveness,
    state: watch::Receiver<Arc<ClusterState>>,
    committed_index: Arc<AtomicU64>,
    /// Set when the server stops: `Watch` streams end, so that a graceful
    /// shutdown does not wait for them forever.
    closing: watch::Sender<bool>,
}

impl MetaHandle {
    /// The gRPC address of a meta voter or learner.
    pub fn member_address(&self, id: NodeId) -> Option<String> {
        let metrics = self.raft.metrics().borrow().clone();
        metrics.membership_config.membership().get_node(&id).map(|node| node.addr.clone())
    }

    /// The membership as of the last applied entry.
    pub fn cluster(&self) -> Arc<ClusterState> {
        self.state.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<ClusterState>> {
        self.state.clone()
    }

    pub fn applied_index(&self) -> u64 {
        self.raft.metrics().borrow().last_applied.map_or(0, |id| id.index)
    }

    pub fn committed_index(&self) -> u64 {
        self.committed_index.load(Ordering::Relaxed)
    }

    /// Completes once the server is stopping.
    pub async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }
}

/// openraft settings; docs/meta.md says why each differs from the default.
fn raft_config() -> Result<Arc<openraft::Config>, MetaNodeError> {
    let config = openraft::Config {
        cluster_name: "sonde-meta".to_string(),
        heartbeat_interval: 250,
        election_timeout_min: 1000,
        election_timeout_max: 2000,
        install_snapshot_timeout: 3000,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(1000),
        max_in_snapshot_log_to_keep: 100,
        purge_batch_size: 100,
        replication_lag_threshold: 2000,
        ..Default::default()
    };
    Ok(Arc::new(config.validate().map_err(|e| MetaNodeError::Config(e.to_string()))?))
}

/// Opens the store, starts Raft, bootstraps a pristine group and starts the
/// liveness task.
pub async fn start(options: MetaOptions) -> Result<Arc<MetaHandle>, MetaNodeError> {
    let dir = options.data_dir.clone();
    let (log_store, state_machine) = tokio::task::spawn_blocking(move || super::open(&dir))
        .await
        .map_err(|e| MetaNodeError::Start(e.to_string()))??;
    let state = state_machine.subscribe();
    let committed_index = log_store.committed_index();
    let raft = Raft::new(options.id, raft_config()?, Network, log_store, state_machine)
        .await
        .map_err(|e| MetaNodeError::Start(e.to_string()))?;
    bootstrap(&raft, &options.initial_members).await?;
    let closing = watch::channel(false).0;
    let handle = Arc::new(MetaHandle { raft, liveness: Liveness::default(), state, committed_index, closing });
    tokio::spawn(track_liveness(handle.clone(), options.dead_after));
    Ok(handle)
}

/// Every initial voter proposes the same membership; openraft accepts it on
/// a pristine store and refuses it (harmlessly) everywhere else.
async fn bootstrap(raft: &Raft, members: &BTreeMap<NodeId, String>) -> Result<(), MetaNodeError> {
    if members.is_empty() {
        return Ok(());
    }
    let nodes: BTreeMap<NodeId, BasicNode> =
        members.iter().map(|(id, address)| (*id, BasicNode { addr: address.clone() })).collect();
    match raft.initialize(nodes).await {
        Ok(()) => {
            tracing::info!(voters = ?members, "bootstrapped the meta group");
            Ok(())
        }
        Err(RaftError::APIError(InitializeError::NotAllowed(_))) => {
            tracing::info!("meta store already holds a membership; not bootstrapping");
            Ok(())
        }
        Err(e) => Err(MetaNodeError::Bootstrap(e.to_string())),
    }
}

/// While this node leads: declare dead every node silent for `dead_after`.
async fn track_liveness(handle: Arc<MetaHandle>, dead_after: Duration) {
    let tick = (dead_after / 4).clamp(Duration::from_millis(100), Duration::from_secs(1));
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let metrics = handle.raft.metrics().borrow().clone();
        if metrics.running_state.is_err() {
            return;
        }
        let leading = (metrics.state == ServerState::Leader).then_some(metrics.current_term);
        handle.liveness.observe_leadership(leading);
        if leading.is_none() {
            continue;
        }
        let cluster = handle.cluster();
        let candidates = cluster
            .nodes()
            .filter(|node| matches!(node.state, NodeState::Joining | NodeState::Active | NodeState::Leaving))
            .map(|node| node.id);
        for id in handle.liveness.silent(candidates, dead_after) {
            tracing::warn!(node = id, after = ?dead_after, "no heartbeat; declaring the node dead");
            if let Err(e) = handle.raft.client_write(MetaRequest::SetState { id, state: NodeState::Dead }).await {
                tracing::warn!(node = id, error = %e, "cannot declare the node dead");
            }
        }
    }
}

/// Serves `Raft` and `Meta` on `address` until `shutdown` completes, then
/// stops Raft.
pub async fn serve(
    handle: Arc<MetaHandle>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), MetaNodeError> {
    let raft_service =
        RaftServer::new(RaftService::new(handle.raft.clone())).max_decoding_message_size(MAX_MESSAGE_BYTES);
    let meta_service = MetaServer::new(MetaService::new(handle.clone())).max_decoding_message_size(MAX_MESSAGE_BYTES);
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let closing = handle.clone();
    let shutdown = async move {
        shutdown.await;
        closing.closing.send_replace(true);
    };
    let result = tonic::transport::Server::builder()
        .add_service(raft_service)
        .add_service(meta_service)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await;
    if let Err(e) = handle.raft.shutdown().await {
        tracing::warn!(error = %e, "raft did not stop cleanly");
    }
    result.map_err(MetaNodeError::Serve)
}

/// Parses `1=host:port,2=host:port` into voter ids and addresses.
pub fn parse_members(text: &str) -> Result<BTreeMap<NodeId, String>, String> {
    let mut members = BTreeMap::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (id, address) = item.split_once('=').ok_or_else(|| format!("{item:?} is not of the form id=host:port"))?;
        let id: NodeId = id.trim().parse().map_err(|_| format!("{id:?} is not a node id (a positive integer)"))?;
        if id == 0 {
            return Err("node id 0 is reserved".to_string());
        }
        let address = address.trim();
        if address.rsplit_once(':').is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err()) {
            return Err(format!("{address:?} is not a host:port address"));
        }
        if members.insert(id, address.to_string()).is_some() {
            return Err(format!("node id {id} appears twice"));
        }
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_members_parse_and_bad_lists_say_why() {
        let members = parse_members("1=10.0.0.1:7001, 2=meta-2:7001").unwrap();
        assert_eq!(members[&2], "meta-2:7001");
        assert_eq!(parse_members("1=a:1,1=b:2").unwrap_err(), "node id 1 appears twice");
        assert_eq!(parse_members("x=a:1").unwrap_err(), "\"x\" is not a node id (a positive integer)");
        assert_eq!(parse_members("1=nohost").unwrap_err(), "\"nohost\" is not a host:port address");
        assert_eq!(parse_members("1").unwrap_err(), "\"1\" is not of the form id=host:port");
        assert_eq!(parse_members("0=a:1").unwrap_err(), "node id 0 is reserved");
    }
}
