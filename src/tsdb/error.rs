//! The TSDB's error.

use std::path::PathBuf;

use crate::series::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write the WAL: {0}")]
    Wal(#[from] super::wal::Error),
    #[error("{0}")]
    Block(#[from] super::block::Error),
    #[error("cannot {action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error(
        "invalid tenant {0:?}: a tenant is 1 to 150 characters of letters, digits and !-_.*'() and not \".\" or \"..\""
    )]
    InvalidTenant(String),
    #[error("cannot use {0}: another process holds its lock (is another Sonde running on this data directory?)")]
    Locked(PathBuf),
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { action, path, source }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidTenant(_) => ErrorCode::BadData,
            Error::Locked(_) => ErrorCode::Unavailable,
            Error::Wal(_) | Error::Block(_) | Error::Io { .. } => ErrorCode::Internal,
        }
    }
}

impl From<Error> for crate::series::Error {
    fn from(e: Error) -> Self {
        match e.code() {
            ErrorCode::BadData => crate::series::Error::BadData(e.to_string()),
            ErrorCode::Unavailable => crate::series::Error::Unavailable(e.to_string()),
            _ => crate::series::Error::Internal(e.to_string()),
        }
    }
}
