//! Which targets this scraper scrapes: all of them on a single node, or the
//! share the scraper ring gives it in a cluster.

use std::sync::Arc;

use crate::ring::TokenRing;

#[derive(Debug, Clone, Default)]
pub enum Shard {
    /// A single node scrapes every target.
    #[default]
    All,
    /// The targets whose hash the ring gives to `me`. An empty ring (the
    /// node has not joined yet) owns nothing.
    Ring { ring: Arc<TokenRing>, me: u64 },
}

impl Shard {
    /// No targets at all: a scraper before it joins, or after it gave up.
    pub fn nothing() -> Self {
        Shard::Ring { ring: Arc::new(TokenRing::default()), me: 0 }
    }

    pub fn owns(&self, target_hash: u64) -> bool {
        match self {
            Shard::All => true,
            Shard::Ring { ring, me } => ring.owner(target_hash) == Some(*me),
        }
    }
}
