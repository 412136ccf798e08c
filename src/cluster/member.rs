//! A node's membership in the cluster: it registers, turns Active when it is
//! ready, heartbeats the meta leader, follows the membership through a
//! `Watch` stream, and leaves on shutdown. When the meta group cannot be
//! reached the node keeps the last membership it saw and says so: the view
//! is marked frozen, a warning is logged and a metric drops to 0.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::meta::proto::{self, HeartbeatRequest, RegisterRequest, RemoveRequest, SetStateRequest, WatchRequest};
use crate::meta::{ClusterState, NodeRecord, NodeState, Role};

use super::client::MetaClient;
use super::error::ClusterError;
use super::metrics::CLUSTER_METRICS;

/// How long a registration or state change may wait out a meta election.
const WRITE_PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct MemberOptions {
    pub id: u64,
    pub roles: Vec<Role>,
    /// Where other nodes reach this one.
    pub address: String,
    pub zone: Option<String>,
    pub heartbeat_interval: Duration,
    /// After this long without a successful heartbeat the view is frozen.
    pub frozen_after: Duration,
}

/// The membership as this node last saw it.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    pub state: ClusterState,
    pub applied_index: u64,
    /// True while the meta group cannot be reached: `state` is the last
    /// known one and nothing in it changes.
    pub frozen: bool,
}

impl Membership {
    /// Active nodes with `role`, by id.
    pub fn active(&self, role: Role) -> impl Iterator<Item = &NodeRecord> {
        self.state.nodes().filter(move |node| node.state == NodeState::Active && node.roles.contains(&role))
    }
}

pub struct Member {
    client: MetaClient,
    options: MemberOptions,
    view: watch::Sender<Arc<Membership>>,
    owned_targets: AtomicU64,
    reachable: AtomicBool,
    leaving: AtomicBool,
}

impl Member {
    pub fn new(client: MetaClient, options: MemberOptions) -> Arc<Self> {
        Arc::new(Member {
            client,
            options,
            view: watch::channel(Arc::new(Membership::default())).0,
            owned_targets: AtomicU64::new(0),
            reachable: AtomicBool::new(true),
            leaving: AtomicBool::new(false),
        })
    }

    pub fn id(&self) -> u64 {
        self.options.id
    }

    pub fn client(&self) -> &MetaClient {
        &self.client
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Membership>> {
        self.view.subscribe()
    }

    pub fn membership(&self) -> Arc<Membership> {
        self.view.borrow().clone()
    }

    /// Reported with every heartbeat, for the cluster status.
    pub fn set_owned_targets(&self, count: u64) {
        self.owned_targets.store(count, Ordering::Relaxed);
    }

    /// Starts following the membership and heartbeating; registers and
    /// becomes Active in the background (retrying while meta is down).
    pub fn start(self: &Arc<Self>) {
        tokio::spawn(self.clone().follow());
        tokio::spawn(self.clone().heartbeat());
    }

    /// Register, then Active.
    async fn join(&self) -> Result<(), ClusterError> {
        let request = RegisterRequest {
            id: self.options.id,
            roles: self.options.roles.iter().map(Role::to_string).collect(),
            address: self.options.address.clone(),
            zone: self.options.zone.clone().unwrap_or_default(),
        };
        self.client
            .call_leader(WRITE_PATIENCE, |mut c| {
                let request = request.clone();
                async move { c.register(request).await }
            })
            .await?;
        self.set_state(NodeState::Active).await?;
        tracing::info!(id = self.options.id, address = %self.options.address, "joined the cluster");
        Ok(())
    }

    async fn set_state(&self, state: NodeState) -> Result<(), ClusterError> {
        let request = SetStateRequest { id: self.options.id, state: state.to_string() };
        self.client
            .call_leader(WRITE_PATIENCE, |mut c| {
                let request = request.clone();
                async move { c.set_state(request).await }
            })
            .await
            .map(drop)
    }

    /// Leaving, then removed: other nodes take over this node's work at the
    /// first step.
    pub async fn leave(&self) -> Result<(), ClusterError> {
        self.leaving.store(true, Ordering::Relaxed);
        self.set_state(NodeState::Leaving).await?;
        let id = self.options.id;
        self.client.call_leader(WRITE_PATIENCE, |mut c| async move { c.remove(RemoveRequest { id }).await }).await?;
        tracing::info!(id, "left the cluster");
        Ok(())
    }

    /// Leaving without being removed: no new work comes here, the record
    /// (and the node's data) stays, and heartbeats stop, so the leader
    /// declares the node dead until it starts again and re-joins.
    pub async fn pause(&self) -> Result<(), ClusterError> {
        self.leaving.store(true, Ordering::Relaxed);
        self.set_state(NodeState::Leaving).await?;
        tracing::info!(id = self.options.id, "left the ring; staying registered");
        Ok(())
    }

    /// Heartbeats the leader; (re-)joins when the leader does not know this
    /// node or has declared it dead (after a partition or a meta restart).
    async fn heartbeat(self: Arc<Self>) {
        let interval = self.options.heartbeat_interval;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_success = tokio::time::Instant::now();
        loop {
            ticker.tick().await;
            if self.leaving.load(Ordering::Relaxed) {
                return;
            }
            let request =
                HeartbeatRequest { id: self.options.id, owned_targets: self.owned_targets.load(Ordering::Relaxed) };
            let result = self.client.call_leader(interval, |mut c| async move { c.heartbeat(request).await }).await;
            match result {
                Ok(reply) => {
                    last_success = tokio::time::Instant::now();
                    self.set_reachable(true);
                    if matches!(reply.state.as_str(), "" | "dead" | "joining") {
                        if let Err(e) = self.join().await {
                            tracing::warn!(error = %e, "cannot join the cluster; retrying");
                        }
                    }
                }
                Err(e) => {
                    if last_success.elapsed() > self.options.frozen_after && self.reachable.load(Ordering::Relaxed) {
                        tracing::warn!(error = %e, "meta group unreachable: membership frozen at the last known state");
                        self.set_reachable(false);
                    } else {
                        tracing::debug!(error = %e, "heartbeat failed");
                    }
                }
            }
        }
    }

    fn set_reachable(&self, reachable: bool) {
        let was = self.reachable.swap(reachable, Ordering::Relaxed);
        CLUSTER_METRICS.meta_reachable.set(reachable as i64);
        if was != reachable {
            if reachable {
                tracing::info!("meta group reachable again; membership follows it");
            }
            self.view.send_modify(|view| Arc::make_mut(view).frozen = !reachable);
        }
    }

    /// Follows the membership through `Watch` on any meta node.
    async fn follow(self: Arc<Self>) {
        let mut attempt = 0usize;
        loop {
            let addresses = self.client.addresses();
            let address = addresses[attempt % addresses.len()].clone();
            attempt += 1;
            if let Err(e) = self.follow_one(&address).await {
                tracing::debug!(%address, error = %e, "membership watch ended");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn follow_one(&self, address: &str) -> Result<(), ClusterError> {
        let mut client = self.client.client_for(address)?;
        let unreachable = |status: tonic::Status| ClusterError::Unreachable(address.to_string(), status.to_string());
        let mut stream = client.watch(WatchRequest {}).await.map_err(unreachable)?.into_inner();
        while let Some(view) = stream.message().await.map_err(unreachable)? {
            self.apply_view(&view)?;
        }
        Ok(())
    }

    fn apply_view(&self, view: &proto::ClusterView) -> Result<(), ClusterError> {
        // A meta node that lags (or a restarted one) must not move the view back.
        if view.applied_index < self.view.borrow().applied_index {
            return Ok(());
        }
        let records = view
            .nodes
            .iter()
            .map(NodeRecord::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(ClusterError::BadReply)?;
        let state = ClusterState::from_nodes(records);
        CLUSTER_METRICS.applied_index.set(view.applied_index as i64);
        self.view.send_if_modified(|current| {
            if current.state == state && current.applied_index == view.applied_index {
                return false;
            }
            *current = Arc::new(Membership { state, applied_index: view.applied_index, frozen: current.frozen });
            true
        });
        Ok(())
    }
}
