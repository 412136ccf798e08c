//! Block compaction, after Prometheus' `tsdb/compact.go`: merges blocks
//! (adjacent, or overlapping when out-of-order data made them so) into one
//! block over the union of their ranges, streaming series in label order; the
//! planner choosing which blocks to merge is in `compact/plan.rs`.

mod plan;

pub use plan::plan_compaction;

use std::path::Path;

use crate::series::Labels;
use crate::series::chunk::{Chunk, merge_chunks};
use crate::tsdb::block::{Block, BlockMeta, ChunkWriteOptions, CompactionMeta, Error, write_block_with};

/// Samples per chunk when overlapping chunks are re-encoded, as the head cuts them.
pub const SAMPLES_PER_CHUNK: usize = 120;

/// Merges `blocks` into a new block in `parent_dir` and returns its meta.
/// Series with the same labels are merged; overlapping chunks are merged
/// sample by sample and re-encoded, other chunks are copied as they are. At a
/// timestamp present in several blocks the sample of the block listed first
/// wins. The inputs are left in place for the caller to delete.
pub fn compact(parent_dir: &Path, blocks: &[&Block]) -> Result<BlockMeta, Error> {
    let metas: Vec<&BlockMeta> = blocks.iter().map(|b| b.meta()).collect();
    let Some(compaction) = merged_compaction(&metas) else {
        return Err(Error::InvalidInput("no blocks to compact".into()));
    };
    let min_time = metas.iter().map(|m| m.min_time).min().expect("at least one block");
    let max_time = metas.iter().map(|m| m.max_time).max().expect("at least one block");
    let series = MergedSeries::new(blocks);
    let meta = write_block_with(parent_dir, min_time, max_time, series, compaction, ChunkWriteOptions::default())?;
    tracing::info!(ulid = %meta.ulid, inputs = blocks.len(), sources = meta.compaction.sources.len(), "compacted blocks");
    Ok(meta)
}

/// Level one above the highest input; sources the sorted union.
fn merged_compaction(metas: &[&BlockMeta]) -> Option<CompactionMeta> {
    let level = metas.iter().map(|m| m.compaction.level).max()? + 1;
    let mut sources: Vec<String> = metas.iter().flat_map(|m| m.compaction.sources.iter().cloned()).collect();
    sources.sort();
    sources.dedup();
    Some(CompactionMeta { level, sources })
}

/// A k-way merge of the blocks' series by labels: each block's series are
/// sorted, so the smallest current label set is the next output series.
struct MergedSeries<'a> {
    blocks: &'a [&'a Block],
    /// Per block: the next series id and its labels (none when exhausted).
    cursors: Vec<(u32, Option<Labels>)>,
    failed: bool,
}

impl<'a> MergedSeries<'a> {
    fn new(blocks: &'a [&'a Block]) -> Self {
        MergedSeries { blocks, cursors: vec![(0, None); blocks.len()], failed: false }
    }

    /// Moves every cursor without labels to its next series' labels.
    fn fill_cursors(&mut self) -> Result<(), Error> {
        for (block, (id, labels)) in self.blocks.iter().zip(&mut self.cursors) {
            if labels.is_none() && *id < block.num_series() {
                *labels = Some(block.try_series_labels(*id)?);
            }
        }
        Ok(())
    }

    fn next_series(&mut self) -> Result<Option<(Labels, Vec<Chunk>)>, Error> {
        self.fill_cursors()?;
        let Some(smallest) = self.cursors.iter().filter_map(|(_, l)| l.as_ref()).min().cloned() else {
            return Ok(None);
        };
        let mut per_block = Vec::new();
        for (block, (id, labels)) in self.blocks.iter().zip(&mut self.cursors) {
            if labels.as_ref() == Some(&smallest) {
                per_block.push(block.series_chunks(*id, i64::MIN, i64::MAX)?);
                *id += 1;
                *labels = None;
            }
        }
        Ok(Some((smallest, merge_series_chunks(per_block))))
    }
}

impl Iterator for MergedSeries<'_> {
    type Item = Result<(Labels, Vec<Chunk>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let result = self.next_series().transpose();
        self.failed = matches!(result, Some(Err(_)));
        result
    }
}

/// One series' chunks from several blocks (in block order) as one sorted
/// list: chunks that overlap no other are kept, each cluster of overlapping
/// chunks is merged (earlier block wins a tie) and re-encoded.
fn merge_series_chunks(per_block: Vec<Vec<Chunk>>) -> Vec<Chunk> {
    let mut tagged: Vec<(usize, Chunk)> =
        per_block.into_iter().enumerate().flat_map(|(b, chunks)| chunks.into_iter().map(move |c| (b, c))).collect();
    if tagged.len() == 1 {
        return tagged.into_iter().map(|(_, c)| c).collect();
    }
    tagged.sort_by_key(|(block, chunk)| (chunk.mint, *block));
    let mut out = Vec::with_capacity(tagged.len());
    let mut cluster: Vec<(usize, Chunk)> = Vec::new();
    let mut cluster_maxt = i64::MIN;
    for (block, chunk) in tagged {
        if !cluster.is_empty() && chunk.mint > cluster_maxt {
            flush_cluster(&mut cluster, &mut out);
        }
        cluster_maxt = if cluster.is_empty() { chunk.maxt } else { cluster_maxt.max(chunk.maxt) };
        cluster.push((block, chunk));
    }
    flush_cluster(&mut cluster, &mut out);
    out
}

fn flush_cluster(cluster: &mut Vec<(usize, Chunk)>, out: &mut Vec<Chunk>) {
    if cluster.len() == 1 {
        out.push(cluster.pop().expect("one chunk").1);
        return;
    }
    // merge_chunks keeps the first of equal timestamps in slice order, so
    // order by block (stable, keeping time order within a block).
    cluster.sort_by_key(|(block, _)| *block);
    let chunks: Vec<Chunk> = cluster.drain(..).map(|(_, c)| c).collect();
    let samples = merge_chunks(&chunks, i64::MIN, i64::MAX);
    out.extend(samples.chunks(SAMPLES_PER_CHUNK).map(Chunk::encode_xor));
}

#[cfg(test)]
mod tests;
