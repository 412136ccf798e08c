//! Background upkeep of a TSDB: head cuts, block compaction and retention,
//! plus loading blocks on start and snapshots (Prometheus' `db.reload`,
//! `Compact`, `deletableBlocks` and the admin snapshot).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::block::Block;
use super::compact;
use super::db::Tsdb;
use super::error::Error;

/// Opens the blocks in `dir`, removing leftovers of interrupted writes and
/// blocks that a finished compaction already merged into another.
pub fn open_blocks(dir: &Path) -> Result<Vec<Arc<Block>>, Error> {
    let mut blocks = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(Error::io("read", dir))? {
        let path = entry.map_err(Error::io("read", dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if name.ends_with(".tmp") && path.is_dir() {
            tracing::warn!(dir = %path.display(), "removing a block left unfinished by a crash");
            std::fs::remove_dir_all(&path).map_err(Error::io("remove", &path))?;
        } else if is_block_name(&name) && path.is_dir() {
            blocks.push(Arc::new(Block::open(&path)?));
        }
    }
    let superseded = superseded_blocks(&blocks);
    for block in blocks.iter().filter(|b| superseded.contains(&b.meta().ulid)) {
        tracing::info!(ulid = %block.meta().ulid, "removing a block already compacted into another");
        std::fs::remove_dir_all(block.dir()).map_err(Error::io("remove", block.dir()))?;
    }
    blocks.retain(|b| !superseded.contains(&b.meta().ulid));
    blocks.sort_by_key(|b| (b.meta().min_time, b.meta().max_time));
    Ok(blocks)
}

fn is_block_name(name: &str) -> bool {
    name.len() == 26 && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Blocks whose sources are all covered by a block of a higher level.
fn superseded_blocks(blocks: &[Arc<Block>]) -> HashSet<String> {
    let mut out = HashSet::new();
    for block in blocks {
        let meta = block.meta();
        let own: Vec<&String> = if meta.compaction.sources.is_empty() {
            vec![&meta.ulid]
        } else {
            meta.compaction.sources.iter().collect()
        };
        let covered = blocks.iter().any(|other| {
            other.meta().ulid != meta.ulid
                && other.meta().compaction.level > meta.compaction.level
                && own.iter().all(|s| other.meta().compaction.sources.contains(s))
        });
        if covered {
            out.insert(meta.ulid.clone());
        }
    }
    out
}

impl Tsdb {
    /// One pass of upkeep: cut the head while it is due, compact blocks, and
    /// apply retention.
    pub fn maintain(&self) -> Result<(), Error> {
        let _running = self.maintenance.lock();
        while self.head_compactable() {
            self.cut_head()?;
        }
        while self.compact_once()? {}
        self.apply_retention()?;
        Ok(())
    }

    /// Compacts one planned group of blocks; false when nothing is planned.
    fn compact_once(&self) -> Result<bool, Error> {
        let blocks = self.blocks();
        let metas: Vec<_> = blocks.iter().map(|b| b.meta().clone()).collect();
        let Some(group) = compact::plan_compaction(&metas, &self.options.compaction_ranges()).into_iter().next() else {
            return Ok(false);
        };
        let sources: Vec<&Block> =
            blocks.iter().filter(|b| group.contains(&b.meta().ulid)).map(|b| b.as_ref()).collect();
        let meta = compact::compact(&self.dir, &sources)?;
        let merged = Arc::new(Block::open(&self.dir.join(&meta.ulid))?);
        tracing::info!(ulid = %meta.ulid, sources = group.len(), "blocks compacted");
        super::metrics::COMPACTIONS.inc();
        self.replace_blocks(&group, Some(merged))?;
        Ok(true)
    }

    /// Swaps blocks in the live list, then deletes the old directories.
    fn replace_blocks(&self, remove: &[String], add: Option<Arc<Block>>) -> Result<(), Error> {
        let removed: Vec<PathBuf> = {
            let mut blocks = self.blocks.write();
            let removed =
                blocks.iter().filter(|b| remove.contains(&b.meta().ulid)).map(|b| b.dir().to_path_buf()).collect();
            blocks.retain(|b| !remove.contains(&b.meta().ulid));
            blocks.extend(add);
            blocks.sort_by_key(|b| (b.meta().min_time, b.meta().max_time));
            removed
        };
        for dir in removed {
            // Readers still holding the block keep its memory maps; the files go with the last one.
            std::fs::remove_dir_all(&dir).map_err(Error::io("remove", &dir))?;
        }
        Ok(())
    }

    /// Deletes blocks beyond the retention time (measured from the newest
    /// block's end, as Prometheus does) and, oldest first, while the data on
    /// disk exceeds the retention size.
    pub fn apply_retention(&self) -> Result<(), Error> {
        let blocks = self.blocks();
        let mut doomed: Vec<String> = Vec::new();
        if self.options.retention_ms > 0 {
            if let Some(newest) = blocks.iter().map(|b| b.meta().max_time).max() {
                let horizon = newest - self.options.retention_ms;
                doomed.extend(blocks.iter().filter(|b| b.meta().max_time <= horizon).map(|b| b.meta().ulid.clone()));
            }
        }
        if self.options.retention_bytes > 0 {
            let mut total = self.size_bytes();
            for block in &blocks {
                if total <= self.options.retention_bytes {
                    break;
                }
                total = total.saturating_sub(block.size_bytes());
                if !doomed.contains(&block.meta().ulid) {
                    doomed.push(block.meta().ulid.clone());
                }
            }
        }
        if !doomed.is_empty() {
            tracing::info!(blocks = doomed.len(), "deleting blocks beyond retention");
            super::metrics::RETENTION_DELETED_BLOCKS.inc_by(doomed.len() as u64);
            self.replace_blocks(&doomed, None)?;
        }
        Ok(())
    }

    /// Writes the TSDB's data to `target`: links of every block and the head
    /// as blocks of its own (Prometheus' snapshot API).
    pub fn snapshot(&self, target: &Path, with_head: bool) -> Result<(), Error> {
        std::fs::create_dir_all(target).map_err(Error::io("create", target))?;
        for block in self.blocks() {
            link_dir(block.dir(), &target.join(&block.meta().ulid))?;
        }
        if with_head {
            self.write_head_blocks(target)?;
        }
        Ok(())
    }
}

/// Hard-links a block directory's files into a new directory.
fn link_dir(source: &Path, target: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(target).map_err(Error::io("create", target))?;
    for entry in std::fs::read_dir(source).map_err(Error::io("read", source))? {
        let entry = entry.map_err(Error::io("read", source))?;
        let to = target.join(entry.file_name());
        if entry.path().is_dir() {
            link_dir(&entry.path(), &to)?;
        } else {
            std::fs::hard_link(entry.path(), &to).map_err(Error::io("link", &to))?;
        }
    }
    Ok(())
}
