//! Repair after replay found corruption: cut the damaged segment at the first
//! bad frame and delete everything after it in replay order, as Prometheus'
//! `wlog.Repair`, so that the WAL is consistent again and appends can resume.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use tracing::warn;

use super::checkpoint::checkpoint_name;
use super::error::Error;
use super::reader::Corruption;
use super::segment::{list_segments, segment_path, sync_dir};
use super::writer::{Removed, Wal};

impl Wal {
    /// Repairs the WAL in `dir` after `WalReader` reported `corruption`;
    /// call it before `Wal::open`. Returns what was dropped. Corruption in a
    /// checkpoint also drops the segments after the checkpoint: replay order
    /// is checkpoint then segments, and later records may need the lost ones.
    pub fn repair(dir: &Path, corruption: &Corruption) -> Result<Removed, Error> {
        let segments_dir = match corruption.checkpoint {
            Some(number) => dir.join(checkpoint_name(number)),
            None => dir.to_path_buf(),
        };
        let cut_bytes = cut_segment(&segments_dir, corruption.segment, corruption.offset)?;
        let mut removed = remove_after(&segments_dir, corruption.segment)?;
        if let Some(number) = corruption.checkpoint {
            let later = remove_after(dir, number)?;
            removed.segments += later.segments;
            removed.bytes += later.bytes;
        }
        warn!(
            %corruption,
            dropped_bytes = cut_bytes + removed.bytes,
            dropped_segments = removed.segments,
            "repaired corrupt wal"
        );
        Ok(Removed { segments: removed.segments, bytes: cut_bytes + removed.bytes })
    }
}

/// Truncates one segment at `offset`; returns the bytes cut.
fn cut_segment(dir: &Path, segment: u32, offset: u64) -> Result<u64, Error> {
    let path = segment_path(dir, segment);
    let file = OpenOptions::new().write(true).open(&path).map_err(Error::io("open wal segment", &path))?;
    let length = file.metadata().map_err(Error::io("stat wal segment", &path))?.len();
    if length <= offset {
        return Ok(0);
    }
    file.set_len(offset).map_err(Error::io("truncate wal segment", &path))?;
    file.sync_all().map_err(Error::io("sync wal segment", &path))?;
    Ok(length - offset)
}

/// Deletes the segments of `dir` numbered above `segment`.
fn remove_after(dir: &Path, segment: u32) -> Result<Removed, Error> {
    let mut removed = Removed::default();
    for number in list_segments(dir)?.into_iter().filter(|&number| number > segment) {
        let path: PathBuf = segment_path(dir, number);
        let bytes = fs::metadata(&path).map(|metadata| metadata.len()).unwrap_or(0);
        fs::remove_file(&path).map_err(Error::io("remove wal segment", &path))?;
        removed.segments += 1;
        removed.bytes += bytes;
    }
    if removed.segments > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsdb::wal::{Checkpoint, SyncPolicy, WalOptions, WalReader};

    const SEGMENT_SIZE: u64 = 40;

    fn options() -> WalOptions {
        WalOptions { segment_size: SEGMENT_SIZE, sync: SyncPolicy::Never }
    }

    fn payload(index: usize) -> Vec<u8> {
        format!("record {index}").into_bytes()
    }

    /// Ten 16-byte frames, two per segment: segments 0 to 4.
    fn write_ten(dir: &Path) {
        let mut wal = Wal::open(dir, options()).unwrap();
        for index in 0..10 {
            wal.log(&[&payload(index)]).unwrap();
        }
    }

    fn replay(dir: &Path) -> (Vec<Vec<u8>>, Option<Corruption>) {
        let mut reader = WalReader::open_with_checkpoint(dir).unwrap();
        let mut records = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            records.push(record.to_vec());
        }
        (records, reader.corruption().cloned())
    }

    fn expected(range: std::ops::Range<usize>) -> Vec<Vec<u8>> {
        range.map(payload).collect()
    }

    #[test]
    fn torn_tail_is_reported_repaired_and_appended_after() {
        let dir = tempfile::tempdir().unwrap();
        write_ten(dir.path());
        // Cut the last segment in the middle of its second frame.
        let last = segment_path(dir.path(), 4);
        let file = OpenOptions::new().write(true).open(&last).unwrap();
        file.set_len(16 + 5).unwrap();

        let (records, corruption) = replay(dir.path());
        assert_eq!(records, expected(0..9));
        let corruption = corruption.expect("torn tail reported");
        assert_eq!((corruption.checkpoint, corruption.segment, corruption.offset), (None, 4, 16));

        let removed = Wal::repair(dir.path(), &corruption).unwrap();
        assert_eq!(removed, Removed { segments: 0, bytes: 5 });
        let mut wal = Wal::open(dir.path(), options()).unwrap();
        assert_eq!(wal.current_segment(), 4);
        wal.log(&[b"new record"]).unwrap();
        let (records, corruption) = replay(dir.path());
        let mut want = expected(0..9);
        want.push(b"new record".to_vec());
        assert_eq!((records, corruption), (want, None));
    }

    #[test]
    fn flipped_byte_drops_the_rest_of_its_segment_and_later_segments() {
        let dir = tempfile::tempdir().unwrap();
        write_ten(dir.path());
        // Flip a payload byte of the second frame of segment 1 (record 3).
        let path = segment_path(dir.path(), 1);
        let mut bytes = fs::read(&path).unwrap();
        bytes[16 + 8 + 2] ^= 0xff;
        fs::write(&path, bytes).unwrap();

        let (records, corruption) = replay(dir.path());
        assert_eq!(records, expected(0..3));
        let corruption = corruption.unwrap();
        assert_eq!((corruption.segment, corruption.offset), (1, 16));
        assert_eq!(corruption.reason, "record checksum mismatch");

        let removed = Wal::repair(dir.path(), &corruption).unwrap();
        assert_eq!(removed, Removed { segments: 3, bytes: 16 + 3 * 32 });
        assert_eq!(Wal::segments(dir.path()).unwrap(), [0, 1]);
        assert_eq!(replay(dir.path()), (expected(0..3), None));
        let mut wal = Wal::open(dir.path(), options()).unwrap();
        assert_eq!((wal.current_segment(), wal.size_bytes()), (1, 48));
        wal.log(&[b"resumed"]).unwrap();
        assert_eq!(replay(dir.path()).0.last().unwrap(), b"resumed");
    }

    #[test]
    fn open_without_repair_still_never_appends_after_a_torn_frame() {
        let dir = tempfile::tempdir().unwrap();
        write_ten(dir.path());
        let last = segment_path(dir.path(), 4);
        OpenOptions::new().write(true).open(&last).unwrap().set_len(16 + 3).unwrap();
        let mut wal = Wal::open(dir.path(), options()).unwrap();
        wal.log(&[b"new record"]).unwrap();
        let (records, corruption) = replay(dir.path());
        assert_eq!((records.len(), corruption), (10, None));
    }

    #[test]
    fn corrupt_checkpoint_drops_its_tail_and_the_segments_after_it() {
        let dir = tempfile::tempdir().unwrap();
        write_ten(dir.path());
        let mut writer = Checkpoint::create_with_segment_size(dir.path(), 2, SEGMENT_SIZE).unwrap();
        writer.write(&[b"series a", b"series b", b"series c"]).unwrap();
        let checkpoint_dir = writer.finish().unwrap();
        // Torn second segment of the checkpoint: "series c" is lost.
        OpenOptions::new().write(true).open(segment_path(&checkpoint_dir, 1)).unwrap().set_len(4).unwrap();

        let (records, corruption) = replay(dir.path());
        assert_eq!(records, [b"series a".to_vec(), b"series b".to_vec()]);
        let corruption = corruption.unwrap();
        assert_eq!((corruption.checkpoint, corruption.segment, corruption.offset), (Some(2), 1, 0));
        assert!(corruption.to_string().starts_with("checkpoint 00000002 wal segment 00000001"), "{corruption}");

        let removed = Wal::repair(dir.path(), &corruption).unwrap();
        assert_eq!(removed, Removed { segments: 2, bytes: 4 + 2 * 32 });
        assert_eq!(Wal::segments(dir.path()).unwrap(), [0, 1, 2]);
        // Appends resume after the checkpoint, where replay will find them.
        let mut wal = Wal::open(dir.path(), options()).unwrap();
        assert_eq!(wal.current_segment(), 3);
        wal.log(&[b"fresh"]).unwrap();
        let (records, corruption) = replay(dir.path());
        assert_eq!(records.last().unwrap(), b"fresh");
        assert_eq!((records.len(), corruption), (3, None));
    }
}
