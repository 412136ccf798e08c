//! The storage ring derived from the membership: the nodes that take writes
//! (Active storage nodes) and the nodes that may hold data (every registered
//! storage node, whatever its state), with their addresses and zones.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::meta::{NodeState, Role};
use crate::ring::{DEFAULT_TOKENS_PER_NODE, TokenRing};

use super::member::Membership;

#[derive(Debug, Default)]
pub struct StorageRing {
    pub ring: TokenRing,
    pub addresses: HashMap<u64, String>,
    zones: HashMap<u64, String>,
}

impl StorageRing {
    fn build(membership: &Membership, keep: impl Fn(NodeState) -> bool) -> Self {
        let nodes: Vec<_> =
            membership.state.nodes().filter(|n| n.roles.contains(&Role::Storage) && keep(n.state)).collect();
        StorageRing {
            ring: TokenRing::new(nodes.iter().map(|n| n.id), DEFAULT_TOKENS_PER_NODE),
            addresses: nodes.iter().map(|n| (n.id, n.address.clone())).collect(),
            zones: nodes.iter().filter_map(|n| Some((n.id, n.zone.clone()?))).collect(),
        }
    }

    /// Where new samples go: Active storage nodes.
    pub fn writable(membership: &Membership) -> Self {
        Self::build(membership, |state| state == NodeState::Active)
    }

    /// Where data may be: every storage node still registered.
    pub fn readable(membership: &Membership) -> Self {
        Self::build(membership, |_| true)
    }

    pub fn zone(&self, node: u64) -> Option<&str> {
        self.zones.get(&node).map(String::as_str)
    }

    /// The replicas of a series key.
    pub fn replicas(&self, key: u64, replication_factor: usize) -> Vec<u64> {
        self.ring.replicas(key, replication_factor, |node| self.zone(node))
    }
}

/// Rebuilds a ring only when the membership changed.
pub struct RingCache {
    membership: watch::Receiver<Arc<Membership>>,
    build: fn(&Membership) -> StorageRing,
    cached: Mutex<Option<(Arc<Membership>, Arc<StorageRing>)>>,
}

impl RingCache {
    pub fn new(membership: watch::Receiver<Arc<Membership>>, build: fn(&Membership) -> StorageRing) -> Self {
        RingCache { membership, build, cached: Mutex::new(None) }
    }

    pub fn get(&self) -> Arc<StorageRing> {
        let current = self.membership.borrow().clone();
        let mut cached = self.cached.lock();
        if let Some((seen, ring)) = cached.as_ref() {
            if Arc::ptr_eq(seen, &current) {
                return ring.clone();
            }
        }
        let ring = Arc::new((self.build)(&current));
        *cached = Some((current, ring.clone()));
        ring
    }
}
