//! A hasher for maps keyed by integers that are already well spread (label
//! set hashes) or dense (series and symbol ids): one multiplication instead
//! of SipHash, which is most of a lookup's cost on the ingest path. Keys here
//! come from our own hashing or counters, never straight from clients, so
//! hash flooding is not a concern.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(byte as u64);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(value as u64);
    }

    fn write_u64(&mut self, value: u64) {
        // Fibonacci hashing spreads dense ids into the high bits the table uses.
        self.0 = (self.0 ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(26);
    }
}

pub type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_ids_spread_over_the_high_bits() {
        let hashes: std::collections::HashSet<u64> = (0u32..1000)
            .map(|id| {
                let mut hasher = IntHasher::default();
                hasher.write_u32(id);
                hasher.finish() >> 57
            })
            .collect();
        assert!(hashes.len() > 100, "top 7 bits take {} values", hashes.len());
    }
}
