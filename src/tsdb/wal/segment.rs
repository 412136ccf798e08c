//! Segment files: their 8-digit names, listing them in a directory, and the
//! append handle that never leaves a torn frame for later appends to build on
//! (Prometheus' `wlog.Segment`, plus the cut-back on a failed write).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::Error;

/// The file name of segment `number`: eight zero-padded digits.
pub fn segment_name(number: u32) -> String {
    format!("{number:08}")
}

pub(crate) fn segment_path(dir: &Path, number: u32) -> PathBuf {
    dir.join(segment_name(number))
}

/// Parses a segment name: eight digits, or up to ten once numbers outgrow
/// the padding.
pub(crate) fn parse_number(name: &str) -> Option<u32> {
    if !(8..=10).contains(&name.len()) || !name.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// The segment numbers in `dir`, ascending; other entries (checkpoints,
/// temporary directories, stray files) are ignored, and a directory that
/// does not exist holds none.
pub fn list_segments(dir: &Path) -> Result<Vec<u32>, Error> {
    let entries = match fs::read_dir(dir) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other.map_err(Error::io("list wal directory", dir))?,
    };
    let mut numbers = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io("list wal directory", dir))?;
        let is_file = entry.file_type().map(|kind| kind.is_file()).unwrap_or(false);
        if let Some(number) = entry.file_name().to_str().and_then(parse_number).filter(|_| is_file) {
            numbers.push(number);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}

/// Makes created and removed directory entries durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir).and_then(|handle| handle.sync_all()).map_err(Error::io("sync directory", dir))
}

/// What a segment is written through; a trait so tests can make writes fail.
pub(crate) trait SegmentIo: Write + Seek {
    fn set_len(&self, length: u64) -> io::Result<()>;
    fn sync_data(&self) -> io::Result<()>;
}

impl SegmentIo for File {
    fn set_len(&self, length: u64) -> io::Result<()> {
        File::set_len(self, length)
    }

    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
}

/// A segment open for appending. `length` counts only complete frames: after
/// a failed write the file is cut back to it before anything else is written.
pub(crate) struct SegmentFile<F: SegmentIo = File> {
    number: u32,
    path: PathBuf,
    file: F,
    length: u64,
    torn: bool,
}

impl SegmentFile<File> {
    /// Creates segment `number`, which must not exist yet.
    pub(crate) fn create(dir: &Path, number: u32) -> Result<Self, Error> {
        let path = segment_path(dir, number);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Error::io("create wal segment", &path))?;
        Ok(SegmentFile { number, path, file, length: 0, torn: false })
    }

    /// Opens segment `number` to append after its first `length` bytes,
    /// dropping whatever follows them (zero padding or a torn tail).
    pub(crate) fn open_at(dir: &Path, number: u32, length: u64) -> Result<Self, Error> {
        let path = segment_path(dir, number);
        let file = OpenOptions::new().write(true).open(&path).map_err(Error::io("open wal segment", &path))?;
        let mut segment = SegmentFile { number, path, file, length, torn: true };
        segment.cut_back().map_err(Error::io("truncate wal segment", &segment.path))?;
        Ok(segment)
    }
}

impl<F: SegmentIo> SegmentFile<F> {
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    pub(crate) fn length(&self) -> u64 {
        self.length
    }

    /// Writes `bytes` (whole frames) at the end. On failure the segment is
    /// cut back to its last complete frame; if even that fails, every later
    /// append retries the cut first and fails until it succeeds.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.ensure_whole()?;
        if let Err(source) = self.file.write_all(bytes) {
            self.torn = true;
            // Best effort now; the next append retries and reports it.
            let _ = self.cut_back();
            return Err(Error::io("write wal segment", &self.path)(source));
        }
        self.length += bytes.len() as u64;
        Ok(())
    }

    /// Retries the cut-back a failed write left pending; a segment must end
    /// in a whole frame before anything is appended to it or after it.
    pub(crate) fn ensure_whole(&mut self) -> Result<(), Error> {
        if self.torn {
            self.cut_back().map_err(|source| Error::TornTail { path: self.path.clone(), source })?;
        }
        Ok(())
    }

    pub(crate) fn sync(&self) -> Result<(), Error> {
        self.file.sync_data().map_err(Error::io("sync wal segment", &self.path))
    }

    fn cut_back(&mut self) -> io::Result<()> {
        self.file.set_len(self.length)?;
        self.file.seek(SeekFrom::Start(self.length))?;
        self.torn = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::io::Cursor;

    #[test]
    fn names_are_eight_digits() {
        assert_eq!(segment_name(0), "00000000");
        assert_eq!(segment_name(42), "00000042");
        assert_eq!(parse_number("00000042"), Some(42));
        assert_eq!(parse_number("0000042"), None);
        assert_eq!(parse_number(&segment_name(u32::MAX)), Some(u32::MAX));
        assert_eq!(parse_number("99999999999"), None);
        assert_eq!(parse_number("checkpoint.00000001"), None);
        assert_eq!(parse_number("0000004a"), None);
    }

    #[test]
    fn listing_skips_other_entries_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["00000002", "00000000", "00000010", "notes.txt", "0000001"] {
            fs::write(dir.path().join(name), b"").unwrap();
        }
        fs::create_dir(dir.path().join("00000005")).unwrap();
        fs::create_dir(dir.path().join("checkpoint.00000001")).unwrap();
        assert_eq!(list_segments(dir.path()).unwrap(), [0, 2, 10]);
        assert!(list_segments(&dir.path().join("missing")).unwrap().is_empty());
    }

    /// A file in memory whose writes fail once `capacity` bytes are stored,
    /// after storing as much as fits (a partial write, as on a full disk).
    struct FullDisk {
        data: RefCell<Cursor<Vec<u8>>>,
        capacity: usize,
        fail_set_len: bool,
    }

    impl FullDisk {
        fn bytes(&self) -> Vec<u8> {
            self.data.borrow().get_ref().clone()
        }
    }

    impl Write for FullDisk {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let data = self.data.get_mut();
            let room = self.capacity.saturating_sub(data.position() as usize);
            if room == 0 {
                return Err(io::Error::other("no space left on device"));
            }
            data.write(&bytes[..bytes.len().min(room)])
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Seek for FullDisk {
        fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
            self.data.get_mut().seek(position)
        }
    }

    impl SegmentIo for FullDisk {
        fn set_len(&self, length: u64) -> io::Result<()> {
            if self.fail_set_len {
                return Err(io::Error::other("read-only file system"));
            }
            self.data.borrow_mut().get_mut().resize(length as usize, 0);
            Ok(())
        }

        fn sync_data(&self) -> io::Result<()> {
            Ok(())
        }
    }

    fn full_disk(capacity: usize, fail_set_len: bool) -> SegmentFile<FullDisk> {
        let data = RefCell::new(Cursor::new(Vec::new()));
        let file = FullDisk { data, capacity, fail_set_len };
        SegmentFile { number: 0, path: PathBuf::from("00000000"), file, length: 0, torn: false }
    }

    #[test]
    fn failed_write_cuts_back_so_the_next_append_starts_at_the_good_length() {
        let mut segment = full_disk(10, false);
        segment.append(b"12345678").unwrap();
        assert!(segment.append(b"abcdef").is_err());
        assert_eq!(segment.length(), 8);
        assert_eq!(segment.file.bytes(), b"12345678", "the partial write was cut off");
        segment.file.capacity = 100;
        segment.append(b"XY").unwrap();
        assert_eq!(segment.file.bytes(), b"12345678XY");
        assert_eq!(segment.length(), 10);
    }

    #[test]
    fn failed_cut_back_blocks_appends_until_it_succeeds() {
        let mut segment = full_disk(4, true);
        assert!(segment.append(b"abcdef").is_err());
        segment.file.capacity = 100;
        let error = segment.append(b"xyz").unwrap_err();
        assert!(matches!(error, Error::TornTail { .. }), "{error}");
        assert_eq!(segment.file.bytes(), b"abcd", "nothing appended after the torn frame");
        segment.file.fail_set_len = false;
        segment.append(b"xyz").unwrap();
        assert_eq!(segment.file.bytes(), b"xyz");
        assert_eq!(segment.length(), 3);
    }
}
