//! Keys and values in sled. Integer keys are big-endian so that sled's
//! byte order is numeric order; values are JSON (serde_json is already a
//! dependency, and the meta data is small and worth being readable).

use std::ops::{Bound, RangeBounds};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{MetaError, SledResultExt};

pub(crate) fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

pub(crate) fn parse_index_key(key: &[u8]) -> Result<u64, MetaError> {
    let bytes: [u8; 8] = key.try_into().map_err(|_| MetaError::LogKey { key: key.to_vec() })?;
    Ok(u64::from_be_bytes(bytes))
}

/// The sled key range for a range of log indexes.
pub(crate) fn index_range(range: &impl RangeBounds<u64>) -> (Bound<[u8; 8]>, Bound<[u8; 8]>) {
    (range.start_bound().map(|i| index_key(*i)), range.end_bound().map(|i| index_key(*i)))
}

pub(crate) fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, MetaError> {
    serde_json::to_vec(value).map_err(|source| MetaError::Encode { what, source })
}

pub(crate) fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, MetaError> {
    serde_json::from_slice(bytes).map_err(|source| MetaError::Decode { what, source })
}

/// Reads and decodes one key of a tree; None when it is absent.
pub(crate) fn get<T: DeserializeOwned>(
    tree: &sled::Tree,
    key: &[u8],
    what: &'static str,
) -> Result<Option<T>, MetaError> {
    let value = tree.get(key).context("read")?;
    value.map(|bytes| decode(what, &bytes)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_sort_numerically() {
        assert!(index_key(255) < index_key(256));
        assert!(index_key(1) < index_key(u64::MAX));
        assert_eq!(parse_index_key(&index_key(42)).unwrap(), 42);
        assert!(parse_index_key(b"vote").is_err());
    }
}
