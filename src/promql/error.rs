//! Query errors with Prometheus' error types.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The query does not parse: the parser's message, without a
    /// position (the API words it as Prometheus does, knowing the text).
    Parse,
    /// The query is of the wrong type, or a parameter is invalid.
    BadData,
    /// The query failed while running (Prometheus' `execution` errors).
    Execution,
    Timeout,
    Canceled,
    TooManySamples,
    /// Storage could not answer completely (cluster nodes down).
    Unavailable,
    Internal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn bad_data(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::BadData, message: message.into() }
    }

    pub fn execution(message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Execution, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<crate::series::Error> for Error {
    fn from(e: crate::series::Error) -> Self {
        let kind = match e.code() {
            crate::series::ErrorCode::BadData => ErrorKind::BadData,
            crate::series::ErrorCode::Timeout => ErrorKind::Timeout,
            crate::series::ErrorCode::Canceled => ErrorKind::Canceled,
            crate::series::ErrorCode::Unavailable => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        };
        Error { kind, message: e.to_string() }
    }
}
