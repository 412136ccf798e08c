//! Errors of block reading, writing and compaction; every message names the
//! block directory and, where one is at fault, the file.

use std::path::{Path, PathBuf};

use crate::series::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open block {block}: file {file} is missing")]
    MissingFile { block: PathBuf, file: &'static str },
    #[error("corrupt block {block}: file {file}: {problem}")]
    Corrupt { block: PathBuf, file: &'static str, problem: String },
    #[error("cannot open block {block}: file {file} has format version {version}, this build reads only {supported}")]
    UnsupportedVersion { block: PathBuf, file: &'static str, version: u32, supported: u32 },
    #[error("not a block directory: {path}: {reason}")]
    NotABlock { path: PathBuf, reason: String },
    #[error("cannot write block: {0}")]
    InvalidInput(String),
    #[error("cannot write block {block}: {problem}")]
    TooLarge { block: PathBuf, problem: String },
}

impl Error {
    /// The seam-level code: bad input is the caller's fault, everything else
    /// (IO, corruption) is internal.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput(_) => ErrorCode::BadData,
            Error::MissingFile { .. } | Error::NotABlock { .. } => ErrorCode::NotFound,
            _ => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Io { action, path, source }
    }

    pub(crate) fn corrupt(block: &Path, file: &'static str, problem: impl Into<String>) -> Error {
        Error::Corrupt { block: block.to_path_buf(), file, problem: problem.into() }
    }
}

/// What is wrong with a byte range, before the caller adds which block and
/// file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

impl Malformed {
    pub fn new(problem: impl Into<String>) -> Self {
        Malformed(problem.into())
    }

    pub fn within(self, block: &Path, file: &'static str) -> Error {
        Error::corrupt(block, file, self.0)
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
