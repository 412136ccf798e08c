//! `meta.json`: what a block covers and where it came from, with the field
//! names of Prometheus' `tsdb/block.go` `BlockMeta` (camelCase) so tools that
//! read those recognise ours; `version` is Sonde's block format version.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::Error;

pub const META_FILE: &str = "meta.json";

/// The block format this build writes and reads; bumped on any change to
/// `meta.json`, `index` or `chunks` that older readers cannot follow.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockMeta {
    pub ulid: String,
    /// First millisecond the block covers (inclusive).
    pub min_time: i64,
    /// End of the block's range (exclusive), as upstream.
    pub max_time: i64,
    pub stats: BlockStats,
    pub compaction: CompactionMeta,
    pub version: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockStats {
    pub num_samples: u64,
    pub num_series: u64,
    pub num_chunks: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactionMeta {
    /// 1 for a block cut from the head, one more than its highest input after
    /// each compaction.
    pub level: u32,
    /// ULIDs of the level-1 blocks whose data this block holds.
    pub sources: Vec<String>,
}

impl BlockMeta {
    /// Whether the block's range `[min_time, max_time)` shares a millisecond
    /// with `other`'s.
    pub fn overlaps(&self, other: &BlockMeta) -> bool {
        self.min_time < other.max_time && other.min_time < self.max_time
    }
}

/// Reads and checks `dir/meta.json`.
pub fn read_meta(dir: &Path) -> Result<BlockMeta, Error> {
    let path = dir.join(META_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingFile { block: dir.to_path_buf(), file: META_FILE });
        }
        Err(e) => return Err(Error::io("read", &path)(e)),
    };
    let meta: BlockMeta =
        serde_json::from_slice(&bytes).map_err(|e| Error::corrupt(dir, META_FILE, format!("cannot parse: {e}")))?;
    if meta.version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            block: dir.to_path_buf(),
            file: META_FILE,
            version: meta.version,
            supported: FORMAT_VERSION,
        });
    }
    if meta.min_time > meta.max_time {
        let problem = format!("minTime {} is after maxTime {}", meta.min_time, meta.max_time);
        return Err(Error::corrupt(dir, META_FILE, problem));
    }
    Ok(meta)
}

/// Writes `dir/meta.json` and flushes it to disk.
pub fn write_meta(dir: &Path, meta: &BlockMeta) -> Result<(), Error> {
    let path = dir.join(META_FILE);
    let json = serde_json::to_vec_pretty(meta).expect("block meta serializes");
    let mut file = fs::File::create(&path).map_err(Error::io("create", &path))?;
    file.write_all(&json).map_err(Error::io("write", &path))?;
    file.sync_all().map_err(Error::io("sync", &path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> BlockMeta {
        BlockMeta {
            ulid: "01ARZ3NDEKTSV4RRFFQ69G5FAV".into(),
            min_time: 0,
            max_time: 7_200_000,
            stats: BlockStats { num_samples: 10, num_series: 2, num_chunks: 3 },
            compaction: CompactionMeta { level: 1, sources: vec!["01ARZ3NDEKTSV4RRFFQ69G5FAV".into()] },
            version: FORMAT_VERSION,
        }
    }

    #[test]
    fn json_uses_prometheus_field_names() {
        let json = serde_json::to_value(meta()).unwrap();
        assert_eq!(json["minTime"], 0);
        assert_eq!(json["maxTime"], 7_200_000);
        assert_eq!(json["stats"]["numSamples"], 10);
        assert_eq!(json["compaction"]["level"], 1);
        assert_eq!(json["version"], FORMAT_VERSION);
    }

    #[test]
    fn round_trips_and_rejects_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        write_meta(dir.path(), &meta()).unwrap();
        assert_eq!(read_meta(dir.path()).unwrap(), meta());
        let mut newer = meta();
        newer.version = FORMAT_VERSION + 1;
        write_meta(dir.path(), &newer).unwrap();
        let error = read_meta(dir.path()).unwrap_err().to_string();
        assert!(error.contains("meta.json") && error.contains("version"), "{error}");
    }

    #[test]
    fn missing_meta_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_meta(dir.path()).unwrap_err().to_string();
        assert!(error.contains("meta.json is missing"), "{error}");
    }

    #[test]
    fn overlap_treats_max_time_as_exclusive() {
        let a = meta();
        let mut b = meta();
        b.min_time = a.max_time;
        b.max_time = a.max_time + 10;
        assert!(!a.overlaps(&b));
        b.min_time -= 1;
        assert!(a.overlaps(&b));
    }
}
