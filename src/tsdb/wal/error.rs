//! Errors of the write-ahead log: file-system failures with the path and the
//! action that failed, and malformed record payloads.

use std::io;
use std::path::PathBuf;

/// Everything the WAL can fail with. Corruption found while replaying is not
/// an error: the reader stops and reports it (see `WalReader::corruption`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file-system call failed; `action` reads "cannot {action} {path}".
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An earlier write failed and cutting the segment back to its last
    /// complete record failed too, so appending now would build on a torn
    /// frame. Each later `log` call retries the cut.
    #[error("wal segment {} still ends in a torn frame after a failed write: {source}", path.display())]
    TornTail {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An empty payload frames as eight zero bytes, which replay reads as
    /// zero padding (end of data), so it can never be logged.
    #[error("cannot log an empty wal record")]
    EmptyRecord,
    #[error("wal record of {length} bytes exceeds the maximum of {max} bytes")]
    RecordTooLarge { length: usize, max: usize },
    /// A payload that passed its checksum but does not decode.
    #[error("malformed wal record at byte {offset}: {problem}")]
    MalformedRecord { offset: usize, problem: String },
    /// A record type this version does not know (a newer Sonde wrote it, or
    /// the payload is garbage).
    #[error("unknown wal record type {0}")]
    UnknownRecordType(u8),
}

impl Error {
    /// Wraps an I/O error with what was being done and to which path.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }

    pub(crate) fn malformed(offset: usize, problem: impl Into<String>) -> Error {
        Error::MalformedRecord { offset, problem: problem.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_name_the_action_and_path() {
        let error = Error::io("open wal segment", "/data/wal/00000003")(io::Error::other("disk gone"));
        assert_eq!(error.to_string(), "cannot open wal segment /data/wal/00000003: disk gone");
    }

    #[test]
    fn malformed_records_name_the_offset() {
        let error = Error::malformed(7, "truncated varint in series ref");
        assert_eq!(error.to_string(), "malformed wal record at byte 7: truncated varint in series ref");
    }
}
