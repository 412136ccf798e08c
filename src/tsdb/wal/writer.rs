//! The append side of the WAL: frames batches of records into the current
//! segment with one write each, rolls segments at the size limit and deletes
//! old ones after a checkpoint, as Prometheus' `wlog.WL`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{debug, warn};

use super::checkpoint::{Checkpoint, remove_stale_temporaries};
use super::error::Error;
use super::frame::{FRAME_HEADER_SIZE, Frame, FrameReader, MAX_RECORD_SIZE, put_frame};
use super::segment::{SegmentFile, list_segments, segment_path, sync_dir};

/// Segment size when none is configured, as upstream.
pub const DEFAULT_SEGMENT_SIZE: u64 = 128 * 1024 * 1024;

/// A frame buffer grown past this by one huge batch is shrunk back after it.
const RETAINED_BUFFER_CAPACITY: usize = 8 * 1024 * 1024;

/// When the WAL asks the kernel to put written bytes on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SyncPolicy {
    /// Never: bytes written survive `kill -9` of the process (they are in the
    /// page cache) but not a machine crash.
    #[default]
    Never,
    /// fdatasync after every `log` call.
    Always,
    /// The caller calls [`Wal::sync`] at this interval; segments are also
    /// synced when they are closed.
    Interval(Duration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalOptions {
    /// A segment holds at most this many bytes, unless a single record is
    /// larger, which then gets a segment of its own.
    pub segment_size: u64,
    pub sync: SyncPolicy,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions { segment_size: DEFAULT_SEGMENT_SIZE, sync: SyncPolicy::Never }
    }
}

/// What a truncation or a repair deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    pub segments: u32,
    pub bytes: u64,
}

/// An open write-ahead log. Not shared: callers hold it behind their lock.
pub struct Wal {
    dir: PathBuf,
    options: WalOptions,
    segment: SegmentFile,
    /// Bytes in the segment files before the current one.
    closed_bytes: u64,
    /// Frames of the batch being logged, reused across calls.
    buffer: Vec<u8>,
}

impl Wal {
    /// Opens the WAL in `dir`, creating it if needed, and appends to its last
    /// segment after the last complete record. Replay and `Wal::repair` come
    /// first: a corrupt tail of the last segment is cut off here too, but
    /// corruption in an earlier segment is only found by replay.
    pub fn open(dir: &Path, options: WalOptions) -> Result<Wal, Error> {
        fs::create_dir_all(dir).map_err(Error::io("create wal directory", dir))?;
        remove_stale_temporaries(dir)?;
        let segments = list_segments(dir)?;
        let checkpoint = Checkpoint::latest(dir)?.map(|(number, _)| number);
        let segment = match segments.last() {
            // Segments a checkpoint covers are skipped on replay: never append there.
            Some(&last) if checkpoint.is_none_or(|checkpoint| last > checkpoint) => reopen(dir, last)?,
            _ => SegmentFile::create(dir, checkpoint.map_or(0, |number| number.saturating_add(1)))?,
        };
        let closed = segments.iter().filter(|&&number| number != segment.number());
        let closed_bytes = closed.map(|&number| file_size(&segment_path(dir, number))).sum();
        let buffer = Vec::new();
        Ok(Wal { dir: dir.to_path_buf(), options, segment, closed_bytes, buffer })
    }

    /// The segment numbers in `dir`, ascending.
    pub fn segments(dir: &Path) -> Result<Vec<u32>, Error> {
        list_segments(dir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn options(&self) -> WalOptions {
        self.options
    }

    pub fn current_segment(&self) -> u32 {
        self.segment.number()
    }

    /// Total bytes of the segment files (checkpoints not included).
    pub fn size_bytes(&self) -> u64 {
        self.closed_bytes + self.segment.length()
    }

    /// Appends record payloads; returns the bytes written. On `Ok` the bytes
    /// are in the kernel (and on disk with `SyncPolicy::Always`). A batch in
    /// one segment costs one write(2); a failed write leaves no torn frame.
    pub fn log(&mut self, payloads: &[&[u8]]) -> Result<u64, Error> {
        // Check every payload first so that a bad one writes nothing.
        for payload in payloads {
            check_payload(payload)?;
        }
        let mut written = 0;
        for payload in payloads {
            let frame_length = (FRAME_HEADER_SIZE + payload.len()) as u64;
            let used = self.segment.length() + self.buffer.len() as u64;
            if used > 0 && used + frame_length > self.options.segment_size {
                written += self.flush()?;
                self.roll()?;
            }
            put_frame(&mut self.buffer, payload)?;
        }
        written += self.flush()?;
        if self.options.sync == SyncPolicy::Always {
            self.segment.sync()?;
        }
        Ok(written)
    }

    /// Closes the current segment and starts the next; returns its number.
    /// Every record logged before this call is in a lower segment.
    pub fn next_segment(&mut self) -> Result<u32, Error> {
        self.roll()
    }

    /// fdatasyncs the current segment (closed ones are synced when closed,
    /// unless the policy is `Never`).
    pub fn sync(&self) -> Result<(), Error> {
        self.segment.sync()
    }

    /// Deletes the segments numbered below `number`, never the current one.
    pub fn truncate_before(&mut self, number: u32) -> Result<Removed, Error> {
        let limit = number.min(self.segment.number());
        let mut removed = Removed::default();
        for segment in list_segments(&self.dir)?.into_iter().take_while(|&segment| segment < limit) {
            let path = segment_path(&self.dir, segment);
            let bytes = file_size(&path);
            fs::remove_file(&path).map_err(Error::io("remove wal segment", &path))?;
            removed.segments += 1;
            removed.bytes += bytes;
        }
        self.closed_bytes = self.closed_bytes.saturating_sub(removed.bytes);
        debug!(before = limit, segments = removed.segments, bytes = removed.bytes, "truncated wal");
        Ok(removed)
    }

    fn flush(&mut self) -> Result<u64, Error> {
        if self.buffer.is_empty() {
            return Ok(0);
        }
        let result = self.segment.append(&self.buffer);
        let written = self.buffer.len() as u64;
        self.buffer.clear();
        if self.buffer.capacity() > RETAINED_BUFFER_CAPACITY {
            self.buffer.shrink_to(RETAINED_BUFFER_CAPACITY / 8);
        }
        result.map(|()| written)
    }

    fn roll(&mut self) -> Result<u32, Error> {
        // A torn frame in a closed segment would read as corruption.
        self.segment.ensure_whole()?;
        if self.options.sync != SyncPolicy::Never {
            self.segment.sync()?;
        }
        let number = self.segment.number().saturating_add(1);
        let next = SegmentFile::create(&self.dir, number)?;
        let closed = std::mem::replace(&mut self.segment, next);
        self.closed_bytes += closed.length();
        if self.options.sync != SyncPolicy::Never {
            sync_dir(&self.dir)?;
        }
        Ok(number)
    }
}

fn check_payload(payload: &[u8]) -> Result<(), Error> {
    if payload.is_empty() {
        return Err(Error::EmptyRecord);
    }
    if payload.len() > MAX_RECORD_SIZE {
        return Err(Error::RecordTooLarge { length: payload.len(), max: MAX_RECORD_SIZE });
    }
    Ok(())
}

/// Opens segment `number` after its last complete record. Zero padding is
/// dropped quietly; a torn or corrupt tail is cut off with a warning, which
/// is what `Wal::repair` would do for a corruption in the last segment.
fn reopen(dir: &Path, number: u32) -> Result<SegmentFile, Error> {
    let path = segment_path(dir, number);
    let mut reader = FrameReader::open(&path)?;
    loop {
        match reader.next().map_err(Error::io("read wal segment", &path))? {
            Frame::Record => continue,
            Frame::End => break,
            Frame::Corrupt { offset, reason } => {
                let dropped_bytes = reader.length() - offset;
                warn!(
                    segment = number,
                    offset, reason, dropped_bytes, "cutting a corrupt tail off the last wal segment"
                );
                break;
            }
        }
    }
    SegmentFile::open_at(dir, number, reader.offset())
}

/// The size of a file that may have vanished meanwhile (then 0).
fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map(|metadata| metadata.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(segment_size: u64) -> WalOptions {
        WalOptions { segment_size, sync: SyncPolicy::Never }
    }

    #[test]
    fn open_starts_segment_zero_and_creates_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let wal_dir = dir.path().join("data").join("wal");
        let wal = Wal::open(&wal_dir, WalOptions::default()).unwrap();
        assert_eq!(wal.current_segment(), 0);
        assert_eq!(Wal::segments(&wal_dir).unwrap(), [0]);
        assert_eq!(wal.size_bytes(), 0);
    }

    #[test]
    fn one_log_call_frames_every_payload() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalOptions::default()).unwrap();
        let written = wal.log(&[b"abc", b"de"]).unwrap();
        assert_eq!(written, 8 + 3 + 8 + 2);
        assert_eq!(wal.size_bytes(), written);
        let bytes = fs::read(segment_path(dir.path(), 0)).unwrap();
        assert_eq!(bytes.len() as u64, written);
        assert_eq!(&bytes[8..11], b"abc");
    }

    #[test]
    fn bad_payload_writes_nothing_of_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalOptions::default()).unwrap();
        assert!(matches!(wal.log(&[b"ok", b""]), Err(Error::EmptyRecord)));
        assert_eq!(wal.size_bytes(), 0);
    }

    #[test]
    fn segments_roll_at_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), tiny(40)).unwrap();
        // Each frame is 8 + 10 = 18 bytes: two fit in 40, the third rolls.
        for _ in 0..5 {
            wal.log(&[&[7u8; 10]]).unwrap();
        }
        assert_eq!(Wal::segments(dir.path()).unwrap(), [0, 1, 2]);
        assert_eq!(file_size(&segment_path(dir.path(), 0)), 36);
        assert_eq!(wal.size_bytes(), 5 * 18);
    }

    #[test]
    fn oversized_record_gets_a_segment_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), tiny(40)).unwrap();
        wal.log(&[b"small", &[1u8; 100], b"after"]).unwrap();
        assert_eq!(Wal::segments(dir.path()).unwrap(), [0, 1, 2]);
        assert_eq!(file_size(&segment_path(dir.path(), 1)), 108);
    }

    #[test]
    fn reopen_appends_to_the_last_segment_after_zero_padding() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalOptions::default()).unwrap();
        wal.log(&[b"first"]).unwrap();
        drop(wal);
        let path = segment_path(dir.path(), 0);
        let mut bytes = fs::read(&path).unwrap();
        bytes.resize(bytes.len() + 4096, 0);
        fs::write(&path, &bytes).unwrap();
        let mut wal = Wal::open(dir.path(), WalOptions::default()).unwrap();
        assert_eq!((wal.current_segment(), wal.size_bytes()), (0, 13));
        wal.log(&[b"second"]).unwrap();
        assert_eq!(file_size(&path), 13 + 14);
    }

    #[test]
    fn next_segment_and_truncate_before() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalOptions::default()).unwrap();
        wal.log(&[b"a"]).unwrap();
        assert_eq!(wal.next_segment().unwrap(), 1);
        wal.log(&[b"b"]).unwrap();
        assert_eq!(wal.next_segment().unwrap(), 2);
        let removed = wal.truncate_before(2).unwrap();
        assert_eq!(removed, Removed { segments: 2, bytes: 18 });
        assert_eq!(Wal::segments(dir.path()).unwrap(), [2]);
        // The current segment survives a too-large bound.
        wal.truncate_before(10).unwrap();
        assert_eq!(Wal::segments(dir.path()).unwrap(), [2]);
        assert_eq!(wal.size_bytes(), 0);
    }

    #[test]
    fn sync_policies_write_the_same_bytes() {
        for sync in [SyncPolicy::Always, SyncPolicy::Interval(Duration::from_secs(1))] {
            let dir = tempfile::tempdir().unwrap();
            let mut wal = Wal::open(dir.path(), WalOptions { segment_size: 20, sync }).unwrap();
            wal.log(&[b"0123456789", b"0123456789"]).unwrap();
            wal.sync().unwrap();
            assert_eq!(Wal::segments(dir.path()).unwrap(), [0, 1]);
            assert_eq!(wal.size_bytes(), 36);
        }
    }
}
