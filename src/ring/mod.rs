//! A consistent-hash token ring. Each node owns `tokens_per_node` points on
//! a 64-bit circle, derived from its id, so every process that sees the same
//! members builds the same ring without storing it; a key belongs to the
//! node of the first token at or after the key's hash (wrapping around).
//!
//! Virtual tokens are why this is our own ring rather than the `hashring`
//! crate: with one point per node, three scrapers split targets unevenly
//! and a join moves an arbitrary share. With 128 tokens each, a join moves
//! about 1/N of the keys and shares stay within a few percent. The storage
//! ring (replicas on distinct nodes) will be built on the same type.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Enough tokens that shares of a few nodes stay within about ±10%.
pub const DEFAULT_TOKENS_PER_NODE: u32 = 128;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRing {
    /// Sorted by token; ties (astronomically unlikely) by node id.
    tokens: Vec<(u64, u64)>,
    nodes: Vec<u64>,
}

impl TokenRing {
    /// A ring of `nodes` (any order, duplicates ignored).
    pub fn new(nodes: impl IntoIterator<Item = u64>, tokens_per_node: u32) -> Self {
        let mut nodes: Vec<u64> = nodes.into_iter().collect();
        nodes.sort_unstable();
        nodes.dedup();
        let mut tokens = Vec::with_capacity(nodes.len() * tokens_per_node as usize);
        for &node in &nodes {
            for index in 0..tokens_per_node {
                tokens.push((token(node, index), node));
            }
        }
        tokens.sort_unstable();
        TokenRing { tokens, nodes }
    }

    /// The node that owns `key_hash`; None on an empty ring.
    pub fn owner(&self, key_hash: u64) -> Option<u64> {
        if self.tokens.is_empty() {
            return None;
        }
        let at = self.tokens.partition_point(|&(token, _)| token < key_hash);
        Some(self.tokens[at % self.tokens.len()].1)
    }

    /// The member node ids, sorted.
    pub fn nodes(&self) -> &[u64] {
        &self.nodes
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The position of a node's `index`-th token: a hash of its id, so the same
/// on every process and stable across releases (xxh3 is specified).
fn token(node: u64, index: u32) -> u64 {
    let mut bytes = [0u8; 12];
    bytes[..8].copy_from_slice(&node.to_le_bytes());
    bytes[8..].copy_from_slice(&index.to_le_bytes());
    xxh3_64_with_seed(&bytes, 0x736f_6e64_6572_696e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> impl Iterator<Item = u64> {
        (0..20_000u64).map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
    }

    #[test]
    fn an_empty_ring_owns_nothing_and_one_node_owns_everything() {
        assert_eq!(TokenRing::new([], 16).owner(42), None);
        let ring = TokenRing::new([7, 7], 16);
        assert_eq!(ring.nodes(), [7]);
        assert!(keys().all(|key| ring.owner(key) == Some(7)));
        assert_eq!(ring.owner(u64::MAX), Some(7), "keys past the last token wrap to the first");
    }

    #[test]
    fn shares_are_even_and_a_join_moves_about_one_nth() {
        let three = TokenRing::new([11, 22, 33], DEFAULT_TOKENS_PER_NODE);
        let mut counts = std::collections::HashMap::new();
        for key in keys() {
            *counts.entry(three.owner(key).unwrap()).or_insert(0usize) += 1;
        }
        for (node, count) in &counts {
            let share = *count as f64 / 20_000.0;
            assert!((0.25..0.42).contains(&share), "node {node} owns {share:.3} of the keys");
        }
        let four = TokenRing::new([11, 22, 33, 44], DEFAULT_TOKENS_PER_NODE);
        let moved = keys().filter(|&key| three.owner(key) != four.owner(key)).count() as f64 / 20_000.0;
        assert!((0.15..0.35).contains(&moved), "a fourth node took {moved:.3} of the keys");
        assert!(keys().all(|key| three.owner(key) == four.owner(key) || four.owner(key) == Some(44)),
            "keys only move to the new node");
    }

    #[test]
    fn the_ring_does_not_depend_on_the_order_members_are_seen_in() {
        assert_eq!(TokenRing::new([3, 1, 2], 8), TokenRing::new([2, 3, 1], 8));
    }
}
