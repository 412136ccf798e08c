//! One tenant's TSDB: the head, its WAL, and the persisted blocks, tied
//! together as Prometheus' `tsdb.DB`. Appends go WAL first, then head, under
//! one commit lock; reads merge blocks and head under the block-list lock,
//! which head cuts and compactions also take to swap data atomically.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::series::chunk::Chunk;
use crate::series::{AppendBatch, AppendOutcome, ChunkedSeries, Labels, Matcher, SelectHints, hash_pairs};

use super::block::Block;
use super::error::Error;
use super::head::{Head, HeadIndex, HeadOptions};
use super::index::{IndexReader, merge_sorted, select_postings};
use super::metrics;
use super::options::TsdbOptions;
use super::wal::{self, SyncPolicy, Wal, WalOptions};

/// State guarded by the commit lock: the WAL and the record buffers reused
/// across appends.
pub(super) struct Commit {
    pub wal: Wal,
    series_record: Vec<u8>,
    samples_record: Vec<u8>,
    /// Series created in the head whose WAL record failed to be written;
    /// written again before any sample of theirs.
    unlogged: HashSet<u32>,
}

pub struct Tsdb {
    pub(super) dir: PathBuf,
    pub(super) options: TsdbOptions,
    pub(super) head: Head,
    pub(super) commit: Mutex<Commit>,
    /// Persisted blocks sorted by min time.
    pub(super) blocks: RwLock<Vec<Arc<Block>>>,
    /// One cut, compaction or retention pass at a time.
    pub(super) maintenance: Mutex<()>,
}

impl Tsdb {
    /// Opens (or creates) the TSDB in `dir`: loads blocks, replays the WAL.
    pub fn open(dir: &Path, options: TsdbOptions) -> Result<Tsdb, Error> {
        std::fs::create_dir_all(dir).map_err(Error::io("create", dir))?;
        let blocks = super::maintain::open_blocks(dir)?;
        let head = Head::new(HeadOptions {
            chunk_range: options.block_duration_ms,
            ooo_window: options.out_of_order_window_ms,
        });
        if let Some(last) = blocks.iter().map(|b| b.meta().max_time).max() {
            head.set_min_valid_time(last);
        }
        let wal_dir = dir.join("wal");
        super::replay::replay(&wal_dir, &head)?;
        let sync = if options.wal_fsync { SyncPolicy::Always } else { SyncPolicy::Never };
        let wal = Wal::open(&wal_dir, WalOptions { segment_size: options.wal_segment_bytes, sync })?;
        Ok(Tsdb {
            dir: dir.to_path_buf(),
            options,
            head,
            commit: Mutex::new(Commit {
                wal,
                series_record: Vec::new(),
                samples_record: Vec::new(),
                unlogged: HashSet::new(),
            }),
            blocks: RwLock::new(blocks),
            maintenance: Mutex::new(()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    pub fn options(&self) -> &TsdbOptions {
        &self.options
    }

    pub fn blocks(&self) -> Vec<Arc<Block>> {
        self.blocks.read().clone()
    }

    /// Stores a batch in the head and writes the new series and stored
    /// samples to the WAL; returns once the WAL write is done. Samples the
    /// head refuses are counted in the outcome.
    pub fn append(&self, batch: &AppendBatch<'_>) -> Result<AppendOutcome, Error> {
        let generation = self.head.generation();
        let mut known = self.head.resolve(batch);
        let mut outcome = AppendOutcome::default();
        let mut commit = self.commit.lock();
        if self.head.generation() != generation {
            // Series were collected meanwhile; ids found before may be gone.
            known = self.head.resolve(batch);
        }
        let commit = &mut *commit;
        let mut ids = Vec::with_capacity(known.len());
        let mut encoder = wal::record::SeriesEncoder::new(&mut commit.series_record);
        let mut new_series = Vec::new();
        for ((labels, _), known) in batch.iter().zip(known) {
            let id = match known {
                Some(id) => id,
                None => {
                    let (id, created) = self.head.get_or_create(hash_pairs(labels.iter().copied()), labels);
                    if created {
                        encoder.add(id as u64, labels.iter().copied());
                        new_series.push(id);
                    }
                    id
                }
            };
            if !commit.unlogged.is_empty() && commit.unlogged.contains(&id) {
                encoder.add(id as u64, labels.iter().copied());
                new_series.push(id);
            }
            ids.push(id);
        }
        let mut gone = Vec::new();
        let mut stored = self.head.append_batch(batch, &ids, &mut outcome, &mut gone);
        if !gone.is_empty() {
            // Hinted series collected since the hint was given: find or
            // recreate them by their labels and append their samples now.
            for &position in &gone {
                let (labels, _) = batch.series_at(position);
                let (id, created) = self.head.get_or_create(hash_pairs(labels.iter().copied()), labels);
                if created {
                    encoder.add(id as u64, labels.iter().copied());
                    new_series.push(id);
                }
                ids[position] = id;
            }
            let retry = std::mem::take(&mut gone);
            self.head.append_series(batch, &ids, retry, &mut outcome, &mut gone, &mut stored);
        }
        if batch.refs_requested() {
            outcome.series_refs = ids.iter().map(|&id| u64::from(id) + 1).collect();
        }
        let samples: Vec<wal::record::RefSample> =
            stored.iter().map(|&(id, s)| wal::record::RefSample { series_ref: id as u64, t: s.t, v: s.v }).collect();
        wal::record::encode_samples(&samples, &mut commit.samples_record);
        let mut payloads: Vec<&[u8]> = Vec::with_capacity(2);
        if !new_series.is_empty() {
            payloads.push(&commit.series_record);
        }
        if !samples.is_empty() {
            payloads.push(&commit.samples_record);
        }
        if !payloads.is_empty() {
            match commit.wal.log(&payloads) {
                Ok(bytes) => {
                    metrics::WAL_WRITES.inc();
                    metrics::WAL_BYTES.inc_by(bytes);
                }
                Err(e) => {
                    metrics::WAL_FAILURES.inc();
                    commit.unlogged.extend(new_series);
                    return Err(e.into());
                }
            }
            for id in &new_series {
                commit.unlogged.remove(id);
            }
        }
        Ok(outcome)
    }

    /// Series matching the matchers with data in range, sorted by labels,
    /// merged across blocks and head.
    pub fn select(&self, hints: &SelectHints, matchers: &[Matcher]) -> Result<Vec<ChunkedSeries>, Error> {
        let mut merged: BTreeMap<Labels, Vec<Chunk>> = BTreeMap::new();
        let blocks = self.blocks.read();
        for block in blocks.iter().filter(|b| overlaps(b, hints)) {
            for id in select_postings(block.as_ref(), matchers).iter() {
                let chunks = match hints.labels_only {
                    true => Vec::new(),
                    false => block.series_chunks(id, hints.mint, hints.maxt)?,
                };
                if hints.labels_only || !chunks.is_empty() {
                    merged.entry(block.series_labels(id)).or_default().extend(chunks);
                }
            }
        }
        for (labels, chunks) in self.head.select(hints, matchers) {
            merged.entry(labels).or_default().extend(chunks);
        }
        drop(blocks);
        let mut out: Vec<ChunkedSeries> = merged
            .into_iter()
            .map(|(labels, mut chunks)| {
                chunks.sort_by_key(|c| c.mint);
                ChunkedSeries { labels, chunks }
            })
            .collect();
        if hints.limit > 0 {
            out.truncate(hints.limit);
        }
        Ok(out)
    }

    /// Label names across blocks and head in range; with matchers, only
    /// those of matching series.
    pub fn label_names(&self, hints: &SelectHints, matchers: &[Matcher]) -> Result<Vec<String>, Error> {
        if !matchers.is_empty() {
            let series = self.select(&SelectHints { labels_only: true, limit: 0, ..hints.clone() }, matchers)?;
            return Ok(merge_sorted(
                series.iter().map(|s| s.labels.iter().map(|l| l.name.clone()).collect()).collect(),
            ));
        }
        let blocks = self.blocks.read();
        let mut lists: Vec<Vec<String>> =
            blocks.iter().filter(|b| overlaps(b, hints)).map(|b| b.label_names()).collect();
        lists.push(HeadIndex(&self.head).label_names());
        Ok(merge_sorted(lists))
    }

    /// Values of one label across blocks and head in range; with matchers,
    /// only those of matching series.
    pub fn label_values(&self, name: &str, hints: &SelectHints, matchers: &[Matcher]) -> Result<Vec<String>, Error> {
        if !matchers.is_empty() {
            let series = self.select(&SelectHints { labels_only: true, limit: 0, ..hints.clone() }, matchers)?;
            return Ok(merge_sorted(vec![
                series.iter().filter_map(|s| s.labels.get(name).map(String::from)).collect(),
            ]));
        }
        let blocks = self.blocks.read();
        let mut lists: Vec<Vec<String>> =
            blocks.iter().filter(|b| overlaps(b, hints)).map(|b| b.label_values(name)).collect();
        lists.push(HeadIndex(&self.head).label_values(name));
        Ok(merge_sorted(lists))
    }

    /// Bytes on disk: blocks and WAL.
    pub fn size_bytes(&self) -> u64 {
        let blocks: u64 = self.blocks.read().iter().map(|b| b.size_bytes()).sum();
        blocks + self.commit.lock().wal.size_bytes()
    }

    /// Flushes the WAL to disk (for the fsync-interval policy and shutdown).
    pub fn sync(&self) -> Result<(), Error> {
        Ok(self.commit.lock().wal.sync()?)
    }
}

fn overlaps(block: &Block, hints: &SelectHints) -> bool {
    // Block max time is exclusive.
    block.meta().min_time <= hints.maxt && block.meta().max_time > hints.mint
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Sample;

    fn append_with_hint(tsdb: &Tsdb, t: i64, hint: u64) -> AppendOutcome {
        let mut batch = AppendBatch::new();
        batch.request_refs();
        batch.push_label("__name__", "a");
        batch.push_sample(Sample::new(t, 1.0));
        batch.finish_series_with_hint(hint);
        tsdb.append(&batch).unwrap()
    }

    #[test]
    fn a_hint_to_a_collected_series_recreates_it() {
        let dir = tempfile::tempdir().unwrap();
        let tsdb = Tsdb::open(dir.path(), TsdbOptions::default()).unwrap();
        let first = append_with_hint(&tsdb, 1_000, 0);
        let hint = first.series_refs[0];
        tsdb.cut_head().unwrap();
        assert_eq!(tsdb.head().num_series(), 0, "the cut collects the emptied series");

        let later = 2 * 3_600_000 + 1_000;
        let outcome = append_with_hint(&tsdb, later, hint);
        assert_eq!(outcome.samples_appended, 1);
        assert_ne!(outcome.series_refs[0], hint, "a collected id is never reused");
        drop(tsdb);

        // The recreated series reached the WAL before its sample.
        let tsdb = Tsdb::open(dir.path(), TsdbOptions::default()).unwrap();
        let hints = SelectHints::range(later, later);
        let found = tsdb.select(&hints, &[Matcher::equal("__name__", "a")]).unwrap();
        let samples: Vec<i64> =
            found.iter().flat_map(|s| s.chunks.iter().flat_map(|c| c.iter().map(|s| s.t))).collect();
        assert_eq!(samples, vec![later]);
    }
}
