//! Replay: record payloads in order across segments (optionally starting with
//! the latest checkpoint), stopping at the first torn or corrupt frame and
//! reporting where it is, as Prometheus' `wlog.Reader` with `CorruptionErr`.

use std::fmt;
use std::path::{Path, PathBuf};

use super::checkpoint::Checkpoint;
use super::error::Error;
use super::frame::{Frame, FrameReader};
use super::segment::{list_segments, segment_name, segment_path};

/// Where replay found data it cannot trust; everything from here on (in replay
/// order) is dropped by `Wal::repair`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corruption {
    /// `Some(n)` when the segment is inside the directory `checkpoint.n`.
    pub checkpoint: Option<u32>,
    pub segment: u32,
    /// Byte offset in the segment of the first bad frame.
    pub offset: u64,
    pub reason: String,
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(checkpoint) = self.checkpoint {
            write!(f, "checkpoint {} ", segment_name(checkpoint))?;
        }
        write!(f, "wal segment {} corrupt at offset {}: {}", segment_name(self.segment), self.offset, self.reason)
    }
}

/// Where a record starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub checkpoint: Option<u32>,
    pub segment: u32,
    pub offset: u64,
}

/// One segment file to replay.
#[derive(Debug)]
struct Source {
    checkpoint: Option<u32>,
    segment: u32,
    path: PathBuf,
}

/// Reads record payloads in order. Corruption ends the stream without an
/// error (see [`WalReader::corruption`]); errors are I/O failures.
pub struct WalReader {
    pending: std::vec::IntoIter<Source>,
    current: Option<(Source, FrameReader)>,
    /// The last finished source and the end of its data, to spot gaps.
    previous: Option<(Source, u64)>,
    checkpoint: Option<u32>,
    corruption: Option<Corruption>,
}

impl WalReader {
    /// Replays the segments of `dir` numbered `from_segment` and up.
    pub fn open(dir: &Path, from_segment: u32) -> Result<WalReader, Error> {
        let sources = wal_sources(dir, |number| number >= from_segment)?;
        Ok(WalReader::new(sources, None))
    }

    /// What the TSDB replays on start: the latest checkpoint's records, then
    /// the segments numbered after it.
    pub fn open_with_checkpoint(dir: &Path) -> Result<WalReader, Error> {
        WalReader::checkpoint_then_segments(dir, u32::MAX)
    }

    /// The same sequence, stopping after segment `last_segment`: the input of
    /// a new checkpoint up to `last_segment`.
    pub fn open_with_checkpoint_until(dir: &Path, last_segment: u32) -> Result<WalReader, Error> {
        WalReader::checkpoint_then_segments(dir, last_segment)
    }

    fn checkpoint_then_segments(dir: &Path, last_segment: u32) -> Result<WalReader, Error> {
        let latest = Checkpoint::latest(dir)?;
        let mut sources = Vec::new();
        if let Some((number, checkpoint_dir)) = &latest {
            for segment in list_segments(checkpoint_dir)? {
                sources.push(Source {
                    checkpoint: Some(*number),
                    segment,
                    path: segment_path(checkpoint_dir, segment),
                });
            }
        }
        let after = latest.as_ref().map(|(number, _)| *number);
        let in_range = |number: u32| after.is_none_or(|after| number > after) && number <= last_segment;
        sources.extend(wal_sources(dir, in_range)?);
        Ok(WalReader::new(sources, after))
    }

    fn new(sources: Vec<Source>, checkpoint: Option<u32>) -> WalReader {
        WalReader { pending: sources.into_iter(), current: None, previous: None, checkpoint, corruption: None }
    }

    /// The checkpoint this replay starts from, if any.
    pub fn checkpoint(&self) -> Option<u32> {
        self.checkpoint
    }

    /// The next record's payload, or `None` at the end of the data or at the
    /// first corruption.
    pub fn next_record(&mut self) -> Result<Option<&[u8]>, Error> {
        if !self.advance()? {
            return Ok(None);
        }
        Ok(self.current.as_ref().map(|(_, reader)| reader.payload()))
    }

    /// Where the record last returned by [`WalReader::next_record`] starts.
    pub fn position(&self) -> Option<Position> {
        let (source, reader) = self.current.as_ref()?;
        Some(Position { checkpoint: source.checkpoint, segment: source.segment, offset: reader.record_offset() })
    }

    /// The corruption that ended the replay, if one did.
    pub fn corruption(&self) -> Option<&Corruption> {
        self.corruption.as_ref()
    }

    /// Declares the record last returned corrupt — its checksum matched but
    /// it does not decode — and ends the replay there, so that `Wal::repair`
    /// drops it and everything after it, as upstream does.
    pub fn mark_corrupt(&mut self, reason: impl Into<String>) -> Option<Corruption> {
        let position = self.position()?;
        let corruption = Corruption {
            checkpoint: position.checkpoint,
            segment: position.segment,
            offset: position.offset,
            reason: reason.into(),
        };
        self.stop(corruption.clone());
        Some(corruption)
    }

    fn advance(&mut self) -> Result<bool, Error> {
        while self.corruption.is_none() {
            let Some((source, reader)) = self.current.as_mut() else {
                if !self.open_next()? {
                    return Ok(false);
                }
                continue;
            };
            match reader.next().map_err(Error::io("read wal segment", &source.path))? {
                Frame::Record => return Ok(true),
                Frame::End => self.previous = self.current.take().map(|(source, reader)| (source, reader.offset())),
                Frame::Corrupt { offset, reason } => {
                    let corruption =
                        Corruption { checkpoint: source.checkpoint, segment: source.segment, offset, reason };
                    self.stop(corruption);
                }
            }
        }
        Ok(false)
    }

    /// Opens the next source; false when none is left or a segment between
    /// the previous one and it is missing.
    fn open_next(&mut self) -> Result<bool, Error> {
        let Some(source) = self.pending.next() else {
            return Ok(false);
        };
        if let Some(corruption) = self.gap_before(&source) {
            self.stop(corruption);
            return Ok(false);
        }
        let reader = FrameReader::open(&source.path)?;
        self.current = Some((source, reader));
        Ok(true)
    }

    /// A missing segment loses records that later ones may depend on (series
    /// definitions), so replay ends at the end of the one before the gap.
    fn gap_before(&self, next: &Source) -> Option<Corruption> {
        let (previous, end) = self.previous.as_ref()?;
        let expected = previous.segment.checked_add(1)?;
        if previous.checkpoint != next.checkpoint || next.segment == expected {
            return None;
        }
        Some(Corruption {
            checkpoint: previous.checkpoint,
            segment: previous.segment,
            offset: *end,
            reason: format!("segment {} is missing", segment_name(expected)),
        })
    }

    fn stop(&mut self, corruption: Corruption) {
        self.corruption = Some(corruption);
        self.current = None;
        self.pending = Vec::new().into_iter();
    }
}

/// The segments of `dir` whose numbers pass `keep`, in order.
fn wal_sources(dir: &Path, keep: impl Fn(u32) -> bool) -> Result<Vec<Source>, Error> {
    let numbers = list_segments(dir)?;
    let sources = numbers.into_iter().filter(|&number| keep(number));
    Ok(sources.map(|segment| Source { checkpoint: None, segment, path: segment_path(dir, segment) }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsdb::wal::{Checkpoint, SyncPolicy, Wal, WalOptions};

    fn payload(index: usize) -> Vec<u8> {
        format!("record {index}").into_bytes()
    }

    /// Logs `count` records one per call into segments of `segment_size`.
    fn write_wal(dir: &Path, count: usize, segment_size: u64) -> Wal {
        let mut wal = Wal::open(dir, WalOptions { segment_size, sync: SyncPolicy::Never }).unwrap();
        for index in 0..count {
            wal.log(&[&payload(index)]).unwrap();
        }
        wal
    }

    fn read_all(reader: &mut WalReader) -> Vec<Vec<u8>> {
        let mut records = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            records.push(record.to_vec());
        }
        records
    }

    #[test]
    fn replays_across_segments_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write_wal(dir.path(), 100, 64);
        assert!(Wal::segments(dir.path()).unwrap().len() > 30);
        let mut reader = WalReader::open(dir.path(), 0).unwrap();
        assert_eq!(read_all(&mut reader), (0..100).map(payload).collect::<Vec<_>>());
        assert_eq!(reader.corruption(), None);
    }

    #[test]
    fn from_segment_skips_earlier_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = write_wal(dir.path(), 2, 1024);
        wal.next_segment().unwrap();
        wal.log(&[b"later"]).unwrap();
        let mut reader = WalReader::open(dir.path(), 1).unwrap();
        assert_eq!(read_all(&mut reader), [b"later".to_vec()]);
    }

    #[test]
    fn positions_name_segment_and_offset() {
        let dir = tempfile::tempdir().unwrap();
        write_wal(dir.path(), 3, 40);
        let mut reader = WalReader::open(dir.path(), 0).unwrap();
        let mut positions = Vec::new();
        while reader.next_record().unwrap().is_some() {
            positions.push(reader.position().unwrap());
        }
        let at = |segment, offset| Position { checkpoint: None, segment, offset };
        // Frames are 8 + 8 bytes: two fit in a 40-byte segment.
        assert_eq!(positions, [at(0, 0), at(0, 16), at(1, 0)]);
    }

    #[test]
    fn zero_filled_tail_is_not_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let wal = write_wal(dir.path(), 5, 1024);
        let path = segment_path(dir.path(), wal.current_segment());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.resize(bytes.len() + 10_000, 0);
        std::fs::write(&path, bytes).unwrap();
        let mut reader = WalReader::open(dir.path(), 0).unwrap();
        assert_eq!(read_all(&mut reader).len(), 5);
        assert_eq!(reader.corruption(), None);
    }

    #[test]
    fn missing_segment_ends_replay_before_the_gap() {
        let dir = tempfile::tempdir().unwrap();
        write_wal(dir.path(), 6, 40);
        std::fs::remove_file(segment_path(dir.path(), 1)).unwrap();
        let mut reader = WalReader::open(dir.path(), 0).unwrap();
        assert_eq!(read_all(&mut reader), [payload(0), payload(1)]);
        let corruption = reader.corruption().unwrap();
        assert_eq!((corruption.segment, corruption.offset), (0, 32));
        assert_eq!(corruption.to_string(), "wal segment 00000000 corrupt at offset 32: segment 00000001 is missing");
    }

    #[test]
    fn mark_corrupt_ends_replay_at_that_record() {
        let dir = tempfile::tempdir().unwrap();
        write_wal(dir.path(), 4, 1024);
        let mut reader = WalReader::open(dir.path(), 0).unwrap();
        reader.next_record().unwrap();
        reader.next_record().unwrap();
        let corruption = reader.mark_corrupt("unknown wal record type 9").unwrap();
        assert_eq!((corruption.segment, corruption.offset), (0, 16));
        assert_eq!(reader.next_record().unwrap(), None);
        assert_eq!(reader.corruption(), Some(&corruption));
    }

    #[test]
    fn missing_directory_replays_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut reader = WalReader::open_with_checkpoint(&dir.path().join("wal")).unwrap();
        assert_eq!(reader.next_record().unwrap(), None);
        assert_eq!(reader.checkpoint(), None);
    }

    #[test]
    fn checkpoint_then_later_segments() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = write_wal(dir.path(), 6, 40); // segments 0, 1, 2
        let last = wal.next_segment().unwrap() - 1;
        wal.log(&[b"after checkpoint"]).unwrap();
        let mut writer = Checkpoint::create(dir.path(), last).unwrap();
        writer.write(&[b"kept series"]).unwrap();
        writer.finish().unwrap();
        // Segments the checkpoint covers are skipped even before truncation.
        let mut reader = WalReader::open_with_checkpoint(dir.path()).unwrap();
        assert_eq!(reader.checkpoint(), Some(2));
        assert_eq!(read_all(&mut reader), [b"kept series".to_vec(), b"after checkpoint".to_vec()]);
        wal.truncate_before(last + 1).unwrap();
        let mut reader = WalReader::open_with_checkpoint(dir.path()).unwrap();
        assert_eq!(read_all(&mut reader).len(), 2);
    }

    #[test]
    fn checkpoint_input_stops_at_the_last_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = write_wal(dir.path(), 4, 40); // segments 0, 1
        wal.next_segment().unwrap();
        wal.log(&[b"not yet"]).unwrap();
        let mut reader = WalReader::open_with_checkpoint_until(dir.path(), 1).unwrap();
        assert_eq!(read_all(&mut reader), (0..4).map(payload).collect::<Vec<_>>());
    }
}
