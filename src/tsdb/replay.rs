//! Rebuilding the head from the WAL on start: the latest checkpoint, then
//! later segments. A torn or corrupt tail is cut off and reported, never
//! fatal, as Prometheus does.

use std::collections::HashMap;
use std::path::Path;

use crate::series::{AppendOutcome, Sample, hash_pairs};

use super::error::Error;
use super::head::Head;
use super::wal::record::{self, RecordType, RefSample, RefSeries};
use super::wal::{Wal, WalReader};

/// What a replay found, for logs and metrics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayStats {
    pub series: u64,
    pub samples: u64,
    pub samples_rejected: u64,
    pub unknown_series_refs: u64,
    pub corruption: Option<String>,
}

pub fn replay(wal_dir: &Path, head: &Head) -> Result<ReplayStats, Error> {
    let mut stats = ReplayStats::default();
    if !wal_dir.exists() {
        return Ok(stats);
    }
    let mut reader = WalReader::open_with_checkpoint(wal_dir)?;
    let mut replayer = Replayer { head, remapped: HashMap::new(), series: Vec::new(), samples: Vec::new() };
    while let Some(payload) = reader.next_record()? {
        if let Err(e) = replayer.apply(payload, &mut stats) {
            reader.mark_corrupt(e.to_string());
            break;
        }
    }
    if let Some(corruption) = reader.corruption().cloned() {
        tracing::warn!(%corruption, "wal is corrupt; dropping everything after the last good record");
        let removed = Wal::repair(wal_dir, &corruption)?;
        tracing::warn!(segments = removed.segments, bytes = removed.bytes, "wal repaired");
        stats.corruption = Some(corruption.to_string());
        super::metrics::WAL_CORRUPTIONS.inc();
    }
    tracing::info!(series = stats.series, samples = stats.samples, "wal replayed");
    Ok(stats)
}

struct Replayer<'a> {
    head: &'a Head,
    /// WAL refs that could not be kept as head ids (written with another
    /// shard count).
    remapped: HashMap<u64, u32>,
    series: Vec<RefSeries>,
    samples: Vec<RefSample>,
}

impl Replayer<'_> {
    fn apply(&mut self, payload: &[u8], stats: &mut ReplayStats) -> Result<(), super::wal::Error> {
        match RecordType::of(payload)? {
            RecordType::Series => {
                record::decode_series(payload, &mut self.series)?;
                for entry in &self.series {
                    let labels: Vec<(&str, &str)> =
                        entry.labels.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                    let hash = hash_pairs(labels.iter().copied());
                    let fits =
                        u32::try_from(entry.series_ref).is_ok_and(|id| self.head.create_with_id(id, hash, &labels));
                    if !fits {
                        let (id, _) = self.head.get_or_create(hash, &labels);
                        self.remapped.insert(entry.series_ref, id);
                    }
                    stats.series += 1;
                }
            }
            RecordType::Samples => {
                record::decode_samples(payload, &mut self.samples)?;
                let mut resolved = Vec::with_capacity(self.samples.len());
                for s in &self.samples {
                    match self.resolve(s.series_ref) {
                        Some(id) => resolved.push((id, Sample::new(s.t, s.v))),
                        None => stats.unknown_series_refs += 1,
                    }
                }
                let mut outcome = AppendOutcome::default();
                self.head.apply(&resolved, &mut outcome);
                stats.samples += outcome.samples_appended;
                stats.samples_rejected += outcome.samples_rejected;
            }
            RecordType::Chunks => {
                let (series_ref, chunks) = record::decode_chunks(payload)?;
                let Some(id) = self.resolve(series_ref) else {
                    stats.unknown_series_refs += 1;
                    return Ok(());
                };
                stats.samples += chunks.iter().map(|c| c.num_samples() as u64).sum::<u64>();
                self.head.restore_chunks(id, chunks);
            }
        }
        Ok(())
    }

    fn resolve(&self, series_ref: u64) -> Option<u32> {
        if let Some(&id) = self.remapped.get(&series_ref) {
            return Some(id);
        }
        let id = u32::try_from(series_ref).ok()?;
        self.head.with_series(id, |_| ()).map(|_| id)
    }
}
