//! Alertmanager peers over gRPC (`proto/sonde/alertmanager.proto`): every
//! gossip interval a peer exchanges state changes with every other peer it
//! knows or was told of (`--cluster.peer`, names resolving to several
//! addresses included), which also tells it who is alive. Silences and
//! notification log entries merge by timestamp as upstream's do; a
//! notification is pushed to the peers at once. Unlike upstream's
//! memberlist gossip, the exchanges are direct (clusters are a few peers),
//! and a peer cut off from the majority of its peers holds its
//! notifications back (see `membership`).

mod membership;
mod server;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::sync::Notify;

pub use membership::{MINORITY_HOLD_TIMEOUTS, Membership};

use super::alert::now_nanos;
use super::metrics::METRICS;
use super::nflog::Entry;
use super::persist::{PersistError, StateDb};
use super::pipeline::{ClusterStatus, Peers};
use super::service::Alertmanager;
use super::silence::Silence;
use crate::grpc::ChannelPool;

pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("sonde.alertmanager.v1");
}

use proto::peer_client::PeerClient;
use proto::{ExchangeRequest, LeaveRequest, PeerInfo, State, Version};

#[derive(Debug, Clone)]
pub struct GossipOptions {
    pub listen_address: String,
    pub advertise_address: Option<String>,
    /// `--cluster.peer` values, host:port.
    pub peers: Vec<String>,
    pub peer_timeout: Duration,
    pub gossip_interval: Duration,
    pub pushpull_interval: Duration,
    pub reconnect_timeout: Duration,
}

/// How far each side of an exchange has the other's changes, per address.
#[derive(Debug, Clone, Default)]
struct Sync {
    /// The peer's changes we hold.
    have: Version,
    /// Our changes the peer acknowledged.
    sent: Version,
}

pub struct Gossip {
    name: String,
    address: String,
    epoch: u64,
    options: GossipOptions,
    membership: Mutex<Membership>,
    sync: Mutex<HashMap<String, Sync>>,
    /// Addresses that turned out to be this peer.
    own_addresses: Mutex<HashSet<String>>,
    /// The name of the peer each address reached.
    reached: Mutex<HashMap<String, String>>,
    /// The `--cluster.peer` addresses, resolved.
    resolved: Mutex<Vec<String>>,
    alertmanager: OnceLock<Arc<Alertmanager>>,
    channels: ChannelPool,
    wake: Notify,
    settled: AtomicBool,
    settled_notify: Notify,
}

#[derive(Debug, thiserror::Error)]
pub enum GossipError {
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error("cannot listen for peers on {address}: {source}")]
    Listen { address: String, source: std::io::Error },
}

impl Gossip {
    /// A peer named as it was before in this storage directory; a new one
    /// is named by the time it first started.
    pub async fn new(db: &StateDb, options: GossipOptions) -> Result<Arc<Gossip>, GossipError> {
        let identity = db.table("peer")?;
        let name = match identity.load::<String>()?.into_iter().next() {
            Some(name) => name,
            None => {
                // Time first, like upstream's ULIDs: peers started earlier
                // sort first, so the first peer started is position 0.
                let name = format!("{:016x}{:08x}", now_nanos(), random_u64() as u32);
                identity.put("name", &name).await?;
                name
            }
        };
        let address = options.advertise_address.clone().unwrap_or_else(|| advertise_default(&options.listen_address));
        // Slow answers (a loaded machine) must not look like a death; a dead
        // process is noticed sooner, by its refused connections.
        let dead_after = (options.gossip_interval * 10).max(Duration::from_secs(2));
        let membership = Membership::new(name.clone(), address.clone(), dead_after, options.reconnect_timeout);
        Ok(Arc::new(Gossip {
            name,
            address,
            epoch: random_u64(),
            options,
            membership: Mutex::new(membership),
            sync: Mutex::default(),
            own_addresses: Mutex::default(),
            reached: Mutex::default(),
            resolved: Mutex::default(),
            alertmanager: OnceLock::new(),
            channels: ChannelPool::default(),
            wake: Notify::new(),
            settled: AtomicBool::new(false),
            settled_notify: Notify::new(),
        }))
    }

    /// Serves the peers and starts exchanging with them.
    pub async fn start(self: Arc<Self>, alertmanager: Arc<Alertmanager>) -> Result<(), GossipError> {
        let _ = self.alertmanager.set(alertmanager);
        let listen = &self.options.listen_address;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| GossipError::Listen { address: listen.clone(), source })?;
        tokio::spawn(server::serve(Arc::clone(&self), listener));
        tokio::spawn(Arc::clone(&self).exchange_forever());
        tracing::info!(name = %self.name, address = %self.address, peers = ?self.options.peers, "cluster peer started");
        Ok(())
    }

    fn alertmanager(&self) -> Option<&Arc<Alertmanager>> {
        self.alertmanager.get()
    }

    async fn exchange_forever(self: Arc<Self>) {
        let mut last_resolve: Option<Instant> = None;
        let mut last_full = Instant::now();
        loop {
            if last_resolve.is_none_or(|at| at.elapsed() > Duration::from_secs(5)) {
                self.resolve_peers().await;
                last_resolve = Some(Instant::now());
            }
            if last_full.elapsed() >= self.options.pushpull_interval {
                self.sync.lock().clear();
                last_full = Instant::now();
            }
            self.exchange_round().await;
            if !self.settled.swap(true, Ordering::AcqRel) {
                tracing::info!(peers = self.membership.lock().alive(Instant::now()).len() - 1, "cluster settled");
                self.settled_notify.notify_waiters();
            }
            self.membership.lock().forget_stale(Instant::now());
            tokio::select! {
                _ = tokio::time::sleep(self.options.gossip_interval) => {}
                _ = self.wake.notified() => {}
            }
        }
    }

    async fn resolve_peers(&self) {
        let mut addresses = Vec::new();
        for peer in &self.options.peers {
            match tokio::net::lookup_host(peer.as_str()).await {
                Ok(found) => addresses.extend(found.map(|address| address.to_string())),
                Err(error) => tracing::debug!(peer, %error, "cannot resolve peer"),
            }
        }
        *self.resolved.lock() = addresses;
    }

    /// One exchange with every peer address known, at once.
    async fn exchange_round(&self) {
        let now = Instant::now();
        let own = self.own_addresses.lock().clone();
        let mut targets: Vec<String> = self.resolved.lock().clone();
        targets.extend(self.membership.lock().members(now).into_iter().map(|(_, address, _)| address));
        targets.retain(|address| *address != self.address && !own.contains(address));
        // One address per peer: the first that reached it.
        let reached = self.reached.lock().clone();
        let mut names = HashSet::new();
        let mut seen = HashSet::new();
        targets.retain(|address| {
            seen.insert(address.clone()) && reached.get(address).is_none_or(|name| names.insert(name.clone()))
        });
        futures::future::join_all(targets.iter().map(|address| self.exchange_with(address))).await;
    }

    async fn exchange_with(&self, address: &str) {
        let Some(am) = self.alertmanager() else { return };
        let Ok(channel) = self.channels.get(address) else { return };
        let previous = self.sync.lock().get(address).cloned().unwrap_or_default();
        let (changes, version) = self.changes_since(am, &previous.sent);
        let request = ExchangeRequest {
            from: Some(self.info()),
            changes: Some(changes),
            have: Some(previous.have.clone()),
            known: self.known(),
        };
        let mut client = PeerClient::new(channel);
        let call = client.exchange(request);
        let timeout = (self.options.gossip_interval * 4).max(Duration::from_millis(500));
        let response = match tokio::time::timeout(timeout, call).await {
            Ok(Ok(response)) => response.into_inner(),
            Ok(Err(status)) => {
                tracing::debug!(address, error = %status.message(), "peer exchange failed");
                if is_refused(&status) {
                    let reached = self.reached.lock().get(address).cloned();
                    let mut membership = self.membership.lock();
                    membership.refused(address, Instant::now());
                    if let Some(name) = reached {
                        membership.refused_name(&name, Instant::now());
                    }
                }
                return;
            }
            Err(_) => return,
        };
        let Some(peer) = response.peer else { return };
        if peer.name == self.name {
            self.own_addresses.lock().insert(address.to_string());
            return;
        }
        self.reached.lock().insert(address.to_string(), peer.name.clone());
        let theirs = response.changes.unwrap_or_default();
        let their_version = theirs.version.clone().unwrap_or_default();
        self.merge(am, theirs);
        let restarted = previous.have.epoch != 0 && previous.have.epoch != their_version.epoch;
        let sent = if restarted { Version::default() } else { version };
        self.sync.lock().insert(address.to_string(), Sync { have: their_version, sent });
        let now = Instant::now();
        let mut membership = self.membership.lock();
        membership.seen(&peer.name, address, now);
        for known in response.known {
            membership.heard_of(&known.name, &known.address, now);
        }
    }

    /// This peer's changes after `since` (all of them for another epoch).
    fn changes_since(&self, am: &Alertmanager, since: &Version) -> (State, Version) {
        let same_epoch = since.epoch == self.epoch;
        let (silences, silence_version) = am.silences.changed_since(if same_epoch { since.silences } else { 0 });
        let (entries, log_version) = am.nflog.changed_since(if same_epoch { since.notifications } else { 0 });
        let version = Version { epoch: self.epoch, silences: silence_version, notifications: log_version };
        let state = State {
            silences: silences.iter().filter_map(|silence| serde_json::to_vec(silence).ok()).collect(),
            notifications: entries.iter().filter_map(|entry| serde_json::to_vec(entry).ok()).collect(),
            version: Some(version.clone()),
        };
        (state, version)
    }

    fn merge(&self, am: &Alertmanager, state: State) {
        let now = now_nanos();
        for bytes in state.silences {
            match serde_json::from_slice::<Silence>(&bytes) {
                Ok(silence) => {
                    if let Err(error) = am.silences.merge(silence, now) {
                        tracing::warn!(%error, "cannot merge a peer's silence");
                    }
                }
                Err(error) => tracing::warn!(%error, "undecodable silence from a peer"),
            }
        }
        for bytes in state.notifications {
            match serde_json::from_slice::<Entry>(&bytes) {
                Ok(entry) => match am.nflog.merge(entry, now) {
                    Ok(merged) if merged.duplicate => {
                        METRICS.duplicate_notifications.inc();
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "cannot merge a peer's notification log entry"),
                },
                Err(error) => tracing::warn!(%error, "undecodable notification log entry from a peer"),
            }
        }
    }

    fn info(&self) -> PeerInfo {
        PeerInfo { name: self.name.clone(), address: self.address.clone() }
    }

    fn known(&self) -> Vec<PeerInfo> {
        let members = self.membership.lock().members(Instant::now());
        members.into_iter().map(|(name, address, _)| PeerInfo { name, address }).collect()
    }

    /// Tells every live peer this one is leaving.
    pub async fn leave(&self) {
        let alive = self.membership.lock().alive(Instant::now());
        let calls = alive.into_iter().filter(|(name, _)| *name != self.name).map(|(_, address)| async move {
            let Ok(channel) = self.channels.get(&address) else { return };
            let request = LeaveRequest { from: Some(self.info()) };
            let _ = tokio::time::timeout(Duration::from_secs(1), PeerClient::new(channel).leave(request)).await;
        });
        futures::future::join_all(calls).await;
    }
}

#[async_trait]
impl Peers for Gossip {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn wait_turn(&self) {
        let started = Instant::now();
        loop {
            let now = Instant::now();
            let delay = self.membership.lock().notify_delay(now, self.options.peer_timeout);
            let waited = now.duration_since(started);
            if waited >= delay {
                return;
            }
            tokio::time::sleep((delay - waited).min(Duration::from_millis(50))).await;
        }
    }

    async fn settled(&self) {
        loop {
            let notified = self.settled_notify.notified();
            if self.settled.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    fn share_notification(&self, _entry: &Entry) {
        self.wake.notify_one();
    }

    fn share_silence(&self, _silence: &Silence) {
        self.wake.notify_one();
    }

    fn cluster_status(&self) -> Option<ClusterStatus> {
        let alive = self.membership.lock().alive(Instant::now());
        let status = if self.settled.load(Ordering::Acquire) { "ready" } else { "settling" };
        Some(ClusterStatus { name: self.name.clone(), status: status.into(), peers: alive })
    }
}

/// Whether a call failed because nothing listens at the address.
fn is_refused(status: &tonic::Status) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = error.source();
    }
    false
}

/// The address to give peers: the listen address, with this host's name
/// in place of an unspecified host.
fn advertise_default(listen: &str) -> String {
    let (host, port) = listen.rsplit_once(':').unwrap_or((listen, "9094"));
    if host.is_empty() || host == "0.0.0.0" || host == "[::]" {
        let name = crate::host::name().unwrap_or_else(|| "localhost".to_string());
        format!("{name}:{port}")
    } else {
        listen.to_string()
    }
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_i64(now_nanos());
    hasher.write_u32(std::process::id());
    hasher.finish()
}
