//! An open, immutable block: its meta, index and chunks, as Prometheus'
//! `tsdb/block.go` `Block`. Series ids are positions in the block's sorted
//! series list.

use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use super::chunk_reader::ChunkReader;
use super::error::{Error, Malformed};
use super::index_reader::BlockIndex;
use super::index_writer::INDEX_FILE;
use super::meta::{BlockMeta, META_FILE, read_meta};
use super::ulid::is_ulid;
use crate::series::Labels;
use crate::series::chunk::Chunk;
use crate::tsdb::index::IndexReader;

pub struct Block {
    dir: PathBuf,
    meta: BlockMeta,
    index: BlockIndex,
    chunks: ChunkReader,
    meta_bytes: u64,
}

impl Block {
    /// Opens the block in `dir`, whose name must be the block's ULID: a
    /// `<ULID>.tmp` directory left by a crash is never taken for a block.
    pub fn open(dir: &Path) -> Result<Block, Error> {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !is_ulid(name) {
            let reason = "the directory name is not a ULID".to_string();
            return Err(Error::NotABlock { path: dir.to_path_buf(), reason });
        }
        let meta = read_meta(dir)?;
        if meta.ulid != name {
            let problem = format!("ulid {} does not match the directory name", meta.ulid);
            return Err(Error::corrupt(dir, META_FILE, problem));
        }
        let index = BlockIndex::open(dir)?;
        if u64::from(index.num_series()) != meta.stats.num_series {
            let problem = format!("holds {} series, meta.json says {}", index.num_series(), meta.stats.num_series);
            return Err(Error::corrupt(dir, INDEX_FILE, problem));
        }
        let chunks = ChunkReader::open(dir)?;
        let meta_bytes = std::fs::metadata(dir.join(META_FILE)).map(|m| m.len()).unwrap_or(0);
        Ok(Block { dir: dir.to_path_buf(), meta, index, chunks, meta_bytes })
    }

    pub fn meta(&self) -> &BlockMeta {
        &self.meta
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes of the block's files on disk.
    pub fn size_bytes(&self) -> u64 {
        self.index.size_bytes() + self.chunks.size_bytes() + self.meta_bytes
    }

    /// Heap bytes the open block holds for good (symbol offsets, the label
    /// table, the page table); series entries and postings stay in the
    /// mapped files, and the few cached pages come and go.
    pub fn memory_bytes(&self) -> usize {
        self.index.memory_bytes() + self.chunks.memory_bytes()
    }

    pub fn num_series(&self) -> u32 {
        self.index.num_series()
    }

    /// The series' chunks overlapping `[mint, maxt]` (both inclusive), in
    /// their in-memory encoding.
    pub fn series_chunks(&self, id: u32, mint: i64, maxt: i64) -> Result<Vec<Chunk>, Error> {
        let records = self.index.series_records(id).map_err(|m| m.within(&self.dir, INDEX_FILE))?;
        let mut chunks = Vec::new();
        for record in records.iter().filter(|r| r.maxt >= mint && r.mint <= maxt) {
            let read = self.chunks.read(record)?;
            chunks.extend(read.into_iter().filter(|c| c.maxt >= mint && c.mint <= maxt));
        }
        Ok(chunks)
    }

    /// A series' labels, with an error rather than an empty set on corruption.
    pub fn try_series_labels(&self, id: u32) -> Result<Labels, Error> {
        self.index.series_labels(id).map_err(|m| m.within(&self.dir, INDEX_FILE))
    }

    /// `IndexReader` cannot fail: CRCs were checked on open, so a failure
    /// here is a writer bug or a change on disk since; log it and answer empty.
    fn or_log<T: Default>(&self, result: Result<T, Malformed>) -> T {
        result.unwrap_or_else(|problem| {
            tracing::error!(block = %self.dir.display(), file = INDEX_FILE, %problem, "corrupt block index");
            T::default()
        })
    }
}

impl IndexReader for Block {
    fn label_names(&self) -> Vec<String> {
        self.or_log(self.index.label_names())
    }

    fn label_values(&self, name: &str) -> Vec<String> {
        self.or_log(self.index.label_values(name))
    }

    fn postings(&self, name: &str, value: &str) -> RoaringBitmap {
        self.or_log(self.index.postings(name, value))
    }

    fn all_postings(&self) -> RoaringBitmap {
        let mut all = RoaringBitmap::new();
        all.insert_range(0..self.index.num_series());
        all
    }

    fn series_labels(&self, id: u32) -> Labels {
        self.or_log(self.index.series_labels(id))
    }
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block").field("dir", &self.dir).field("meta", &self.meta).finish()
    }
}
