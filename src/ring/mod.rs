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

mod shard;

pub use shard::Shard;

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

    /// Up to `count` distinct nodes clockwise from `key_hash`: the owner
    /// and the nodes after it. Where `zone_of` names zones, nodes of zones
    /// not chosen yet come first, so replicas spread over zones as far as
    /// there are zones (a node without a zone is a zone of its own).
    pub fn replicas<'z>(&self, key_hash: u64, count: usize, zone_of: impl Fn(u64) -> Option<&'z str>) -> Vec<u64> {
        if self.tokens.is_empty() {
            return Vec::new();
        }
        let start = self.tokens.partition_point(|&(token, _)| token < key_hash);
        self.replicas_from(start, count, zone_of)
    }

    /// The replica set of the keys that fall on the token at `index`.
    fn replicas_from<'z>(&self, start: usize, count: usize, zone_of: impl Fn(u64) -> Option<&'z str>) -> Vec<u64> {
        let count = count.min(self.nodes.len());
        let mut chosen: Vec<u64> = Vec::with_capacity(count);
        let mut zones: Vec<&str> = Vec::with_capacity(count);
        let walk = || (0..self.tokens.len()).map(|step| self.tokens[(start + step) % self.tokens.len()].1);
        for node in walk() {
            if chosen.len() == count {
                break;
            }
            if chosen.contains(&node) {
                continue;
            }
            match zone_of(node) {
                Some(zone) if zones.contains(&zone) => continue,
                Some(zone) => zones.push(zone),
                None => {}
            }
            chosen.push(node);
        }
        // Fewer zones than replicas: fill up with distinct nodes.
        for node in walk() {
            if chosen.len() == count {
                break;
            }
            if !chosen.contains(&node) {
                chosen.push(node);
            }
        }
        chosen
    }

    /// The replica set of every token range of the ring (adjacent ranges
    /// often share a set), for checking that a read covered every range.
    pub fn replica_sets<'z>(&self, count: usize, zone_of: impl Fn(u64) -> Option<&'z str> + Copy) -> Vec<Vec<u64>> {
        let mut sets: Vec<Vec<u64>> = (0..self.tokens.len())
            .map(|index| {
                let mut set = self.replicas_from(index, count, zone_of);
                set.sort_unstable();
                set
            })
            .collect();
        sets.sort();
        sets.dedup();
        sets
    }

    /// The share of the hash circle each node owns as primary (the ranges
    /// ending at its tokens), as fractions summing to 1.
    pub fn ownership(&self) -> Vec<(u64, f64)> {
        let mut shares: std::collections::BTreeMap<u64, u128> = self.nodes.iter().map(|&node| (node, 0)).collect();
        for (index, &(token, node)) in self.tokens.iter().enumerate() {
            let previous = if index == 0 { self.tokens[self.tokens.len() - 1].0 } else { self.tokens[index - 1].0 };
            // One token alone owns the whole circle (2^64), not zero.
            let span = if self.tokens.len() == 1 { 1u128 << 64 } else { token.wrapping_sub(previous) as u128 };
            *shares.entry(node).or_default() += span;
        }
        shares.into_iter().map(|(node, span)| (node, span as f64 / 18_446_744_073_709_551_616.0)).collect()
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
    fn ownership_shares_sum_to_one_and_match_the_keys_each_node_owns() {
        let ring = TokenRing::new([1, 2, 3], DEFAULT_TOKENS_PER_NODE);
        let shares = ring.ownership();
        assert_eq!(shares.len(), 3);
        assert!((shares.iter().map(|(_, share)| share).sum::<f64>() - 1.0).abs() < 1e-9);
        let total = keys().count() as f64;
        for (node, share) in shares {
            let owned = keys().filter(|&key| ring.owner(key) == Some(node)).count() as f64 / total;
            assert!((owned - share).abs() < 0.02, "node {node}: share {share}, owns {owned} of the keys");
        }
        assert_eq!(TokenRing::new([7], 1).ownership(), vec![(7, 1.0)]);
        assert!(TokenRing::default().ownership().is_empty());
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
        assert!(
            keys().all(|key| three.owner(key) == four.owner(key) || four.owner(key) == Some(44)),
            "keys only move to the new node"
        );
    }

    #[test]
    fn replicas_are_distinct_start_at_the_owner_and_spread_over_zones() {
        let ring = TokenRing::new([1, 2, 3, 4, 5], 32);
        let no_zones = |_: u64| None;
        for key in keys().take(1000) {
            let replicas = ring.replicas(key, 3, no_zones);
            assert_eq!(replicas.len(), 3);
            assert_eq!(replicas[0], ring.owner(key).unwrap());
            let mut unique = replicas.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), 3, "{replicas:?}");
        }
        assert_eq!(ring.replicas(7, 9, no_zones).len(), 5, "never more replicas than nodes");
        // Nodes 1 and 2 in zone a, 3 and 4 in b, 5 in c: one replica per zone.
        let zone = |node: u64| Some(["a", "a", "b", "b", "c"][node as usize - 1]);
        for key in keys().take(1000) {
            let mut zones: Vec<&str> = ring.replicas(key, 3, zone).into_iter().map(|n| zone(n).unwrap()).collect();
            zones.sort_unstable();
            assert_eq!(zones, ["a", "b", "c"]);
        }
        // Two zones for three replicas: both zones, then any other node.
        let two = |node: u64| Some(if node <= 2 { "a" } else { "b" });
        let replicas = ring.replicas(99, 3, two);
        assert_eq!(replicas.len(), 3);
        assert_ne!(two(replicas[0]), two(replicas[1]));
    }

    #[test]
    fn every_key_falls_in_one_of_the_replica_sets() {
        let ring = TokenRing::new([1, 2, 3, 4, 5], 16);
        let sets = ring.replica_sets(3, |_| None);
        for key in keys().take(2000) {
            let mut replicas = ring.replicas(key, 3, |_| None);
            replicas.sort_unstable();
            assert!(sets.contains(&replicas));
        }
    }

    #[test]
    fn the_ring_does_not_depend_on_the_order_members_are_seen_in() {
        assert_eq!(TokenRing::new([3, 1, 2], 8), TokenRing::new([2, 3, 1], 8));
    }
}
