//! ULIDs (github.com/ulid/spec) naming block directories: a 48-bit
//! millisecond timestamp and 80 random bits in Crockford base32, 26
//! characters that sort by creation time.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const ULID_LENGTH: usize = 26;

/// A new ULID for the current time.
pub fn new_ulid() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let millis = now.as_millis() as u64 & ((1 << 48) - 1);
    encode(millis, random_bits())
}

/// 80 bits that differ between processes (the std hasher's per-process random
/// keys) and between calls (time and a counter): enough to keep two blocks
/// written in one millisecond apart, without a random number crate.
fn random_bits() -> u128 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::hash::RandomState::new();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
    let mut words = [0u64; 2];
    for (salt, word) in words.iter_mut().enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(count);
        hasher.write_usize(salt);
        *word = hasher.finish();
    }
    ((u128::from(words[0]) << 64) | u128::from(words[1])) & ((1u128 << 80) - 1)
}

/// The 26-character form of a 48-bit time and 80 random bits: 128 bits,
/// most significant first, in 5-bit groups (the first group holds 3 bits).
fn encode(millis: u64, random: u128) -> String {
    let value = (u128::from(millis) << 80) | random;
    (0..ULID_LENGTH)
        .map(|i| {
            let shift = 5 * (ULID_LENGTH - 1 - i);
            ALPHABET[((value >> shift) & 31) as usize] as char
        })
        .collect()
}

/// Whether `name` is a ULID in canonical (upper-case) form.
pub fn is_ulid(name: &str) -> bool {
    name.len() == ULID_LENGTH && name.as_bytes()[0] <= b'7' && name.bytes().all(|b| ALPHABET.contains(&b))
}

/// The millisecond timestamp of a ULID.
pub fn ulid_time(ulid: &str) -> Option<u64> {
    if !is_ulid(ulid) {
        return None;
    }
    let mut value = 0u64;
    for byte in ulid.bytes().take(10) {
        value = (value << 5) | ALPHABET.iter().position(|&a| a == byte)? as u64;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_spec_example_layout() {
        // Time 1469918176385 is "01ARYZ6S41" in the spec's example.
        let ulid = encode(1_469_918_176_385, 0);
        assert_eq!(&ulid[..10], "01ARYZ6S41");
        assert_eq!(&ulid[10..], "0000000000000000");
        assert_eq!(encode((1 << 48) - 1, (1 << 80) - 1), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn new_ulids_are_valid_unique_and_time_sorted() {
        let first = new_ulid();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let many: Vec<String> = (0..1000).map(|_| new_ulid()).collect();
        assert!(many.iter().all(|u| is_ulid(u) && u > &first));
        let mut unique = many.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), many.len());
        let time = ulid_time(&first).unwrap();
        assert!(time > 1_600_000_000_000);
    }

    #[test]
    fn rejects_non_ulids() {
        assert!(!is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp"));
        assert!(!is_ulid("01arz3ndektsv4rrffq69g5fav"));
        assert!(!is_ulid("81ARZ3NDEKTSV4RRFFQ69G5FAV"));
        assert!(is_ulid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    }
}
