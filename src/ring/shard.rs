//! A node's share of some work (scrape targets, rule groups): all of it on
//! a single node, or what the ring of its role gives it in a cluster.

use std::sync::Arc;

use super::TokenRing;

#[derive(Debug, Clone, Default)]
pub enum Shard {
    /// A single node does everything.
    #[default]
    All,
    /// The items whose hash the ring gives to `me`. An empty ring (the node
    /// has not joined yet) owns nothing.
    Ring { ring: Arc<TokenRing>, me: u64 },
}

impl Shard {
    /// Nothing at all: a node before it joins, or after it gave up.
    pub fn nothing() -> Self {
        Shard::Ring { ring: Arc::new(TokenRing::default()), me: 0 }
    }

    pub fn owns(&self, hash: u64) -> bool {
        match self {
            Shard::All => true,
            Shard::Ring { ring, me } => ring.owner(hash) == Some(*me),
        }
    }
}
