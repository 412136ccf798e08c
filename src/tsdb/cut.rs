//! Cutting the head: its oldest block range is written as a block (and
//! out-of-order samples as blocks of their own ranges), dropped from memory,
//! and the WAL is replaced by a checkpoint of what the head still holds —
//! Prometheus' head compaction and WAL truncation.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::series::chunk::Chunk;
use crate::series::{Labels, Sample};

use super::block::{self, Block, BlockMeta, CompactionMeta};
use super::db::Tsdb;
use super::error::Error;
use super::head::series::SAMPLES_PER_CHUNK;
use super::wal::Checkpoint;
use super::wal::record;

/// One series' data below a cut.
struct CutSeries {
    id: u32,
    labels: Labels,
    chunks: Vec<Chunk>,
    ooo: Vec<Sample>,
}

impl Tsdb {
    /// Whether the head spans more than one and a half block ranges, the
    /// point at which Prometheus persists its oldest range.
    pub fn head_compactable(&self) -> bool {
        let head = &self.head;
        !head.is_empty() && head.max_time().saturating_sub(head.min_time()) > self.options.block_duration_ms / 2 * 3
    }

    /// Persists the head's oldest block range; returns the blocks written.
    pub fn cut_head(&self) -> Result<Vec<BlockMeta>, Error> {
        let range = self.options.block_duration_ms;
        let low = self.head.min_time().div_euclid(range) * range;
        let high = low + range;
        {
            // Under the commit lock no append is half done.
            let _commit = self.commit.lock();
            self.head.set_min_valid_time(high);
        }
        self.persist_below(high)
    }

    /// Writes everything the head holds below `before` to blocks and drops
    /// it from the head, then checkpoints the WAL.
    pub(super) fn persist_below(&self, before: i64) -> Result<Vec<BlockMeta>, Error> {
        let cut = self.collect_below(before);
        let metas = write_range_blocks(&self.dir, &cut, self.options.block_duration_ms)?;
        let opened: Vec<Arc<Block>> =
            metas.iter().map(|m| Block::open(&self.dir.join(&m.ulid)).map(Arc::new)).collect::<Result<_, _>>()?;
        {
            let mut blocks = self.blocks.write();
            blocks.extend(opened);
            blocks.sort_by_key(|b| (b.meta().min_time, b.meta().max_time));
            for series in &cut {
                let persisted: Vec<i64> = series.ooo.iter().map(|s| s.t).collect();
                self.head.with_series(series.id, |s| s.drop_persisted(before, &persisted));
            }
        }
        {
            let _commit = self.commit.lock();
            let removed = self.head.collect_empty_series();
            tracing::debug!(removed, "collected head series without samples");
        }
        self.checkpoint()?;
        super::metrics::HEAD_CUTS.inc();
        for meta in &metas {
            tracing::info!(ulid = %meta.ulid, mint = meta.min_time, maxt = meta.max_time, "head block written");
        }
        Ok(metas)
    }

    fn collect_below(&self, before: i64) -> Vec<CutSeries> {
        let mut raw = Vec::new();
        self.head.for_each_series(|id, series| {
            let (chunks, ooo) = series.data_before(before);
            if !chunks.is_empty() || !ooo.is_empty() {
                raw.push((id, chunks, ooo));
            }
        });
        raw.into_iter()
            .filter_map(|(id, chunks, ooo)| Some(CutSeries { id, labels: self.head.series_labels(id)?, chunks, ooo }))
            .collect()
    }

    /// Replaces the WAL up to now with a checkpoint holding the head's
    /// series, chunks and out-of-order samples.
    pub fn checkpoint(&self) -> Result<(), Error> {
        let segment = self.commit.lock().wal.next_segment()?;
        let wal_dir = self.dir.join("wal");
        let mut writer = Checkpoint::create(&wal_dir, segment.saturating_sub(1))?;
        let mut failure = None;
        let (mut series_record, mut chunks_record, mut samples_record) = (Vec::new(), Vec::new(), Vec::new());
        let mut snapshot = Vec::new();
        self.head
            .for_each_series(|id, series| snapshot.push((id, series.in_order_chunks(), series.ooo_samples().to_vec())));
        for (id, chunks, ooo) in snapshot {
            let Some(labels) = self.head.series_labels(id) else { continue };
            let mut encoder = record::SeriesEncoder::new(&mut series_record);
            encoder.add(id as u64, labels.iter().map(|l| (l.name.as_str(), l.value.as_str())));
            let mut payloads: Vec<&[u8]> = vec![&series_record];
            if !chunks.is_empty() {
                record::encode_chunks(id as u64, &chunks, &mut chunks_record);
                payloads.push(&chunks_record);
            }
            if !ooo.is_empty() {
                let samples: Vec<record::RefSample> =
                    ooo.iter().map(|s| record::RefSample { series_ref: id as u64, t: s.t, v: s.v }).collect();
                record::encode_samples(&samples, &mut samples_record);
                payloads.push(&samples_record);
            }
            if let Err(e) = writer.write(&payloads) {
                failure = Some(e);
                break;
            }
        }
        if let Some(e) = failure {
            return Err(e.into());
        }
        writer.finish()?;
        self.commit.lock().wal.truncate_before(segment)?;
        super::metrics::CHECKPOINTS.inc();
        Ok(())
    }
}

/// Groups the cut data by aligned block range and writes one block per range.
fn write_range_blocks(dir: &std::path::Path, cut: &[CutSeries], range: i64) -> Result<Vec<BlockMeta>, Error> {
    let mut by_range: BTreeMap<i64, BTreeMap<&Labels, Vec<Chunk>>> = BTreeMap::new();
    for series in cut {
        for chunk in &series.chunks {
            let start = chunk.mint.div_euclid(range) * range;
            by_range.entry(start).or_default().entry(&series.labels).or_default().push(chunk.clone());
        }
        let mut ooo = series.ooo.as_slice();
        while let Some(first) = ooo.first() {
            let start = first.t.div_euclid(range) * range;
            let in_range = ooo.partition_point(|s| s.t < start + range);
            let target = by_range.entry(start).or_default().entry(&series.labels).or_default();
            target.extend(ooo[..in_range].chunks(SAMPLES_PER_CHUNK).map(Chunk::encode_xor));
            ooo = &ooo[in_range..];
        }
    }
    let mut metas = Vec::new();
    for (start, series) in by_range {
        let iter = series.into_iter().map(|(labels, mut chunks)| {
            chunks.sort_by_key(|c| c.mint);
            (labels.clone(), chunks)
        });
        let meta =
            block::write_block(dir, start, start + range, iter, CompactionMeta { level: 1, sources: Vec::new() })?;
        metas.push(meta);
    }
    Ok(metas)
}

impl Tsdb {
    /// Writes everything in the head to blocks under `target`, leaving the
    /// head as it is (for snapshots).
    pub(super) fn write_head_blocks(&self, target: &std::path::Path) -> Result<Vec<BlockMeta>, Error> {
        let mut raw = Vec::new();
        self.head.for_each_series(|id, series| raw.push((id, series.in_order_chunks(), series.ooo_samples().to_vec())));
        let cut: Vec<CutSeries> = raw
            .into_iter()
            .filter(|(_, chunks, ooo)| !chunks.is_empty() || !ooo.is_empty())
            .filter_map(|(id, chunks, ooo)| Some(CutSeries { id, labels: self.head.series_labels(id)?, chunks, ooo }))
            .collect();
        write_range_blocks(target, &cut, self.options.block_duration_ms)
    }
}
