//! Persisted TSDB blocks: immutable directories holding the series of a time
//! range `[min_time, max_time)`, after Prometheus' `tsdb/block.go`, with our
//! own file formats (docs/format/block.md): an index of symbols, series and
//! postings, and a chunks file of zstd-compressed pages.

mod chunk_reader;
mod chunk_writer;
mod decimal;
mod encoding;
mod error;
mod index_reader;
mod index_writer;
mod integers;
mod meta;
mod reader;
mod record;
mod series_pages;
mod ulid;
mod writer;

#[cfg(test)]
mod short_size_tests;
#[cfg(test)]
pub(crate) mod size_tests;
#[cfg(test)]
mod tests;

pub use chunk_writer::ChunkWriteOptions;
pub use error::Error;
pub use meta::{BlockMeta, BlockStats, CompactionMeta, FORMAT_VERSION};
pub use reader::Block;
pub use ulid::{is_ulid, new_ulid, ulid_time};
pub use writer::{block_dirs, remove_tmp_dirs, write_block, write_block_with};

/// The label index interface blocks implement, shared with the head.
pub use crate::tsdb::index::IndexReader;
