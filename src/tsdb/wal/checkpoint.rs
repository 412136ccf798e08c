//! Checkpoints: the records still needed from segments up to some number,
//! rewritten into `checkpoint.NNNNNNNN/` (same segment framing) so those
//! segments can be deleted. Written under a `.tmp` name, synced and renamed
//! into place, as Prometheus' `wlog.Checkpoint`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tracing::{info, warn};

use super::error::Error;
use super::segment::sync_dir;
use super::writer::{DEFAULT_SEGMENT_SIZE, SyncPolicy, Wal, WalOptions};

const PREFIX: &str = "checkpoint.";
const TEMPORARY_SUFFIX: &str = ".tmp";

/// The directory name of the checkpoint covering segments up to `number`.
pub fn checkpoint_name(number: u32) -> String {
    format!("{PREFIX}{number:08}")
}

/// The checkpoint number in a name of the form `checkpoint.NNNNNNNN`.
fn parse_checkpoint(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(PREFIX)?;
    if digits.len() < 8 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Entry points for checkpoints of the WAL in a directory.
pub struct Checkpoint;

impl Checkpoint {
    /// Starts a checkpoint covering segments up to and including
    /// `upto_segment`, with default-sized segments.
    pub fn create(wal_dir: &Path, upto_segment: u32) -> Result<CheckpointWriter, Error> {
        Checkpoint::create_with_segment_size(wal_dir, upto_segment, DEFAULT_SEGMENT_SIZE)
    }

    pub fn create_with_segment_size(
        wal_dir: &Path,
        upto_segment: u32,
        segment_size: u64,
    ) -> Result<CheckpointWriter, Error> {
        let final_dir = wal_dir.join(checkpoint_name(upto_segment));
        let temporary_dir = wal_dir.join(format!("{}{TEMPORARY_SUFFIX}", checkpoint_name(upto_segment)));
        remove_dir_if_present(&temporary_dir)?;
        // Closed segments are synced as they roll; `finish` syncs the last.
        let options = WalOptions { segment_size, sync: SyncPolicy::Interval(Duration::ZERO) };
        let wal = Wal::open(&temporary_dir, options)?;
        Ok(CheckpointWriter { number: upto_segment, wal_dir: wal_dir.to_path_buf(), final_dir, wal, finished: false })
    }

    /// The newest complete checkpoint: its number and directory.
    pub fn latest(wal_dir: &Path) -> Result<Option<(u32, PathBuf)>, Error> {
        let numbers = list_checkpoints(wal_dir)?;
        Ok(numbers.last().map(|&number| (number, wal_dir.join(checkpoint_name(number)))))
    }
}

/// Writes the records of one checkpoint; dropped without `finish`, it
/// removes what it wrote.
pub struct CheckpointWriter {
    number: u32,
    wal_dir: PathBuf,
    final_dir: PathBuf,
    wal: Wal,
    finished: bool,
}

impl CheckpointWriter {
    /// The last segment this checkpoint covers.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// Appends record payloads; returns the bytes written.
    pub fn write(&mut self, payloads: &[&[u8]]) -> Result<u64, Error> {
        self.wal.log(payloads)
    }

    /// Bytes written so far.
    pub fn size_bytes(&self) -> u64 {
        self.wal.size_bytes()
    }

    /// Makes the checkpoint durable and visible, then deletes older ones.
    /// Returns the checkpoint's directory.
    pub fn finish(mut self) -> Result<PathBuf, Error> {
        self.wal.sync()?;
        let temporary_dir = self.wal.dir().to_path_buf();
        sync_dir(&temporary_dir)?;
        // Rewriting the same checkpoint (a retry) replaces it, as upstream.
        remove_dir_if_present(&self.final_dir)?;
        fs::rename(&temporary_dir, &self.final_dir).map_err(Error::io("rename checkpoint", &temporary_dir))?;
        self.finished = true;
        sync_dir(&self.wal_dir)?;
        remove_older(&self.wal_dir, self.number);
        info!(checkpoint = self.number, bytes = self.wal.size_bytes(), "wal checkpoint written");
        Ok(self.final_dir.clone())
    }
}

impl Drop for CheckpointWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort; `Wal::open` removes leftovers anyway.
            let _ = fs::remove_dir_all(self.wal.dir());
        }
    }
}

/// Complete checkpoint numbers in `wal_dir`, ascending.
fn list_checkpoints(wal_dir: &Path) -> Result<Vec<u32>, Error> {
    let mut numbers: Vec<u32> = checkpoint_entries(wal_dir)?
        .into_iter()
        .filter_map(|(name, is_dir)| parse_checkpoint(&name).filter(|_| is_dir))
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

/// Names of the entries in `wal_dir` that start like a checkpoint, and
/// whether each is a directory; none when `wal_dir` does not exist.
fn checkpoint_entries(wal_dir: &Path) -> Result<Vec<(String, bool)>, Error> {
    let entries = match fs::read_dir(wal_dir) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other.map_err(Error::io("list wal directory", wal_dir))?,
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(Error::io("list wal directory", wal_dir))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with(PREFIX) {
            let is_dir = entry.file_type().map(|kind| kind.is_dir()).unwrap_or(false);
            found.push((name, is_dir));
        }
    }
    Ok(found)
}

/// Removes `checkpoint.*.tmp` directories left by a crash mid-checkpoint.
pub(crate) fn remove_stale_temporaries(wal_dir: &Path) -> Result<u32, Error> {
    let mut removed = 0;
    for (name, _) in checkpoint_entries(wal_dir)? {
        let Some(stem) = name.strip_suffix(TEMPORARY_SUFFIX) else {
            continue;
        };
        if parse_checkpoint(stem).is_some() {
            remove_dir_if_present(&wal_dir.join(&name))?;
            removed += 1;
        }
    }
    if removed > 0 {
        info!(removed, "removed unfinished wal checkpoints");
    }
    Ok(removed)
}

/// Deletes checkpoints older than `number`; they are superseded, so a
/// failure only costs disk space and is logged.
fn remove_older(wal_dir: &Path, number: u32) {
    let older = match list_checkpoints(wal_dir) {
        Ok(numbers) => numbers.into_iter().filter(|&other| other < number),
        Err(error) => return warn!(%error, "cannot list old wal checkpoints"),
    };
    for other in older {
        let path = wal_dir.join(checkpoint_name(other));
        if let Err(error) = fs::remove_dir_all(&path) {
            warn!(checkpoint = other, %error, "cannot remove old wal checkpoint");
        }
    }
}

fn remove_dir_if_present(path: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(Error::io("remove directory", path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsdb::wal::reader::WalReader;

    fn read_all(reader: &mut WalReader) -> Vec<Vec<u8>> {
        let mut records = Vec::new();
        while let Some(payload) = reader.next_record().unwrap() {
            records.push(payload.to_vec());
        }
        records
    }

    #[test]
    fn names_parse_back() {
        assert_eq!(checkpoint_name(12), "checkpoint.00000012");
        assert_eq!(parse_checkpoint("checkpoint.00000012"), Some(12));
        assert_eq!(parse_checkpoint("checkpoint.00000012.tmp"), None);
        assert_eq!(parse_checkpoint("checkpoint.12"), None);
    }

    #[test]
    fn finish_makes_it_the_latest_and_removes_older_ones() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Checkpoint::latest(dir.path()).unwrap(), None);
        let mut first = Checkpoint::create(dir.path(), 3).unwrap();
        first.write(&[b"old"]).unwrap();
        first.finish().unwrap();
        let mut second = Checkpoint::create(dir.path(), 7).unwrap();
        // Not visible until finished.
        assert_eq!(Checkpoint::latest(dir.path()).unwrap().map(|(n, _)| n), Some(3));
        second.write(&[b"new", b"records"]).unwrap();
        let path = second.finish().unwrap();
        assert_eq!(Checkpoint::latest(dir.path()).unwrap(), Some((7, path.clone())));
        assert!(!dir.path().join(checkpoint_name(3)).exists());
        assert!(!dir.path().join("checkpoint.00000007.tmp").exists());
        let mut reader = WalReader::open(&path, 0).unwrap();
        assert_eq!(read_all(&mut reader), [b"new".to_vec(), b"records".to_vec()]);
    }

    #[test]
    fn dropped_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Checkpoint::create(dir.path(), 1).unwrap();
        writer.write(&[b"x"]).unwrap();
        drop(writer);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn crash_mid_checkpoint_is_cleaned_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Checkpoint::create(dir.path(), 4).unwrap();
        writer.write(&[b"half done"]).unwrap();
        std::mem::forget(writer); // as if the process died here
        assert!(dir.path().join("checkpoint.00000004.tmp").is_dir());
        assert_eq!(Checkpoint::latest(dir.path()).unwrap(), None);
        Wal::open(dir.path(), WalOptions::default()).unwrap();
        assert!(!dir.path().join("checkpoint.00000004.tmp").exists());
    }

    #[test]
    fn large_checkpoints_span_segments() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Checkpoint::create_with_segment_size(dir.path(), 2, 32).unwrap();
        let payloads: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 12]).collect();
        let borrowed: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
        writer.write(&borrowed).unwrap();
        let path = writer.finish().unwrap();
        assert_eq!(Wal::segments(&path).unwrap().len(), 10);
        assert_eq!(read_all(&mut WalReader::open(&path, 0).unwrap()), payloads);
    }
}
