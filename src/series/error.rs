//! The error shared by the seams, with the code the API layer maps to HTTP
//! and gRPC status.

/// What kind of failure an error is, independent of the component that raised
/// it; `api/` maps it to an HTTP status and Prometheus' `errorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The client sent something invalid; retrying the same request fails again.
    BadData,
    NotFound,
    /// The system cannot take the request now; the client should retry.
    Unavailable,
    /// A tenant is over one of its limits.
    TooManyRequests,
    Canceled,
    Timeout,
    Internal,
}

/// Errors across the `Appender` and `Queryable` seams.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadData(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadData(_) => ErrorCode::BadData,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }
}
