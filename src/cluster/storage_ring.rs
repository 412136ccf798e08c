//! The storage ring derived from the membership: every registered storage
//! node, whatever its state, with its address and zone.
//!
//! Dead and Leaving nodes stay in the ring (as Mimir keeps unhealthy
//! ingesters until they are forgotten), so that every series keeps the same
//! replicas while nodes fail and return: writes need W = RF/2+1 replicas
//! and reads R = RF-W+1, so every read meets a replica that took each
//! acknowledged write. Rerouting writes away from a dead node would move
//! series to replicas that never saw their older samples, and a later read
//! could then look complete and miss them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

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
    /// Nodes the meta group declared dead (missed heartbeats): readers do
    /// not wait for them.
    dead: HashSet<u64>,
    /// The distinct replica sets of the token ranges, for one replication
    /// factor, computed on first use: every read checks them.
    sets: OnceLock<(usize, Vec<Vec<u64>>)>,
}

impl StorageRing {
    pub fn new(membership: &Membership) -> Self {
        let nodes: Vec<_> = membership.state.nodes().filter(|n| n.roles.contains(&Role::Storage)).collect();
        StorageRing {
            ring: TokenRing::new(nodes.iter().map(|n| n.id), DEFAULT_TOKENS_PER_NODE),
            addresses: nodes.iter().map(|n| (n.id, n.address.clone())).collect(),
            zones: nodes.iter().filter_map(|n| Some((n.id, n.zone.clone()?))).collect(),
            dead: nodes.iter().filter(|n| n.state == NodeState::Dead).map(|n| n.id).collect(),
            sets: OnceLock::new(),
        }
    }

    /// The distinct replica sets of the ring's token ranges.
    pub fn replica_sets(&self, replication: usize) -> Cow<'_, [Vec<u64>]> {
        let compute = || self.ring.replica_sets(replication, |node| self.zone(node));
        let (cached_for, sets) = self.sets.get_or_init(|| (replication, compute()));
        if *cached_for == replication { Cow::Borrowed(sets) } else { Cow::Owned(compute()) }
    }

    pub fn is_dead(&self, node: u64) -> bool {
        self.dead.contains(&node)
    }

    /// Replicas a write needs.
    pub fn write_quorum(replication: usize) -> usize {
        replication / 2 + 1
    }

    /// Replicas of every token range a read needs for a complete answer.
    pub fn read_quorum(replication: usize) -> usize {
        replication - Self::write_quorum(replication) + 1
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
