//! Writes a new block atomically, as Prometheus' `LeveledCompactor.write`:
//! everything goes into `<ULID>.tmp`, files and directory are synced, then
//! the directory is renamed to `<ULID>`, so a crash never leaves a partial
//! block under a block's name. Also lists block directories and removes
//! crash leftovers.

use std::fs;
use std::path::{Path, PathBuf};

use super::chunk_writer::{ChunkWriteOptions, ChunkWriter};
use super::error::Error;
use super::index_writer::IndexWriter;
use super::meta::{BlockMeta, BlockStats, CompactionMeta, FORMAT_VERSION, write_meta};
use super::ulid::{is_ulid, new_ulid};
use crate::series::Labels;
use crate::series::chunk::Chunk;

const TMP_SUFFIX: &str = ".tmp";

/// Writes a block from series sorted by labels (strictly increasing), each
/// with chunks sorted by mint, all within `[min_time, max_time)`. Series
/// without chunks are left out. Empty `compaction.sources` means the block is
/// its own source (a block cut from the head); level 0 is raised to 1.
pub fn write_block(
    parent_dir: &Path,
    min_time: i64,
    max_time: i64,
    series: impl Iterator<Item = (Labels, Vec<Chunk>)>,
    compaction: CompactionMeta,
) -> Result<BlockMeta, Error> {
    write_block_with(parent_dir, min_time, max_time, series.map(Ok), compaction, ChunkWriteOptions::default())
}

/// [`write_block`] from series that may fail to arrive (read from other
/// blocks), with chunk packing options other than the defaults. The first
/// error abandons the block.
pub fn write_block_with(
    parent_dir: &Path,
    min_time: i64,
    max_time: i64,
    series: impl Iterator<Item = Result<(Labels, Vec<Chunk>), Error>>,
    mut compaction: CompactionMeta,
    options: ChunkWriteOptions,
) -> Result<BlockMeta, Error> {
    if min_time >= max_time {
        return Err(Error::InvalidInput(format!("empty time range [{min_time}, {max_time})")));
    }
    let ulid = new_ulid();
    let tmp = parent_dir.join(format!("{ulid}{TMP_SUFFIX}"));
    fs::create_dir_all(parent_dir).map_err(Error::io("create", parent_dir))?;
    fs::create_dir(&tmp).map_err(Error::io("create", &tmp))?;
    if compaction.sources.is_empty() {
        compaction.sources.push(ulid.clone());
    }
    compaction.level = compaction.level.max(1);
    let result = populate(&tmp, min_time, max_time, series, options).and_then(|stats| {
        let meta = BlockMeta { ulid: ulid.clone(), min_time, max_time, stats, compaction, version: FORMAT_VERSION };
        write_meta(&tmp, &meta)?;
        sync_dir(&tmp)?;
        let dir = parent_dir.join(&ulid);
        fs::rename(&tmp, &dir).map_err(Error::io("rename into place", &tmp))?;
        sync_dir(parent_dir)?;
        Ok(meta)
    });
    if result.is_err() {
        // Best effort: a leftover is harmless (never opened as a block) and
        // removed by `remove_tmp_dirs` on the next start.
        let _ = fs::remove_dir_all(&tmp);
    }
    if let Ok(meta) = &result {
        tracing::info!(ulid = %meta.ulid, min_time, max_time, series = meta.stats.num_series,
            samples = meta.stats.num_samples, level = meta.compaction.level, "wrote block");
    }
    result
}

fn populate(
    dir: &Path,
    min_time: i64,
    max_time: i64,
    series: impl Iterator<Item = Result<(Labels, Vec<Chunk>), Error>>,
    options: ChunkWriteOptions,
) -> Result<BlockStats, Error> {
    let mut chunk_writer = ChunkWriter::create(dir, options)?;
    let mut index = IndexWriter::new(min_time);
    let mut stats = BlockStats::default();
    let mut previous: Option<Labels> = None;
    for item in series {
        let (labels, chunks) = item?;
        check_series(&labels, previous.as_ref(), &chunks, min_time, max_time)?;
        if chunks.is_empty() {
            continue;
        }
        let records = chunk_writer.add_series(&chunks)?;
        stats.num_samples += chunks.iter().map(|c| c.num_samples() as u64).sum::<u64>();
        stats.num_chunks += chunks.len() as u64;
        stats.num_series += 1;
        index.add_series(&labels, &records);
        previous = Some(labels);
    }
    chunk_writer.finish()?;
    index.finish(dir)?;
    Ok(stats)
}

fn check_series(
    labels: &Labels,
    previous: Option<&Labels>,
    chunks: &[Chunk],
    min_time: i64,
    max_time: i64,
) -> Result<(), Error> {
    if labels.is_empty() {
        return Err(Error::InvalidInput("a series has no labels".into()));
    }
    if let Some(previous) = previous.filter(|p| *p >= labels) {
        return Err(Error::InvalidInput(format!("series {labels} does not sort after {previous}")));
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if chunk.mint > chunk.maxt || chunk.mint < min_time || chunk.maxt >= max_time {
            return Err(Error::InvalidInput(format!(
                "series {labels}: chunk [{}, {}] is not within the block range [{min_time}, {max_time})",
                chunk.mint, chunk.maxt
            )));
        }
        if i > 0 && chunks[i - 1].mint > chunk.mint {
            return Err(Error::InvalidInput(format!("series {labels}: chunks are not sorted by mint")));
        }
    }
    Ok(())
}

/// Syncs a directory, so that a rename or new file in it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(Error::io("sync directory", dir))
}

/// The block directories under `parent_dir` (names that are ULIDs), oldest
/// first; `.tmp` leftovers and other entries are skipped.
pub fn block_dirs(parent_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(parent_dir).map_err(Error::io("list", parent_dir))? {
        let entry = entry.map_err(Error::io("list", parent_dir))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && entry.file_name().to_str().is_some_and(is_ulid) {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Removes `<ULID>.tmp` directories left by a crash during a block write, as
/// Prometheus does when it opens its data directory; returns how many.
pub fn remove_tmp_dirs(parent_dir: &Path) -> Result<usize, Error> {
    let mut removed = 0;
    for entry in fs::read_dir(parent_dir).map_err(Error::io("list", parent_dir))? {
        let entry = entry.map_err(Error::io("list", parent_dir))?;
        let name = entry.file_name();
        let leftover = name.to_str().and_then(|n| n.strip_suffix(TMP_SUFFIX)).is_some_and(is_ulid);
        if leftover && entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(entry.path()).map_err(Error::io("remove", &entry.path()))?;
            tracing::info!(dir = %entry.path().display(), "removed leftover of an interrupted block write");
            removed += 1;
        }
    }
    Ok(removed)
}
