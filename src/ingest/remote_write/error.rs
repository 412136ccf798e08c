//! The errors of the remote write receiver's decoding layer, each with the
//! HTTP status Prometheus' write handler answers for it
//! (`storage/remote/write_handler.go`): 415 for a Content-Type or
//! Content-Encoding it does not take, 400 for a body it cannot decompress or
//! decode or for refused series, and 413 for a body over the size limit
//! (which Prometheus does not have; Mimir and Cortex answer 413).

use super::wire::WireError;

/// HTTP 400 Bad Request.
pub const BAD_REQUEST: u16 = 400;
/// HTTP 415 Unsupported Media Type.
pub const UNSUPPORTED_MEDIA_TYPE: u16 = 415;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unsupported content type {content_type:?}: {reason}")]
    UnsupportedContentType { content_type: String, reason: String },

    #[error("unsupported content encoding {0:?}: only snappy is accepted")]
    UnsupportedEncoding(String),

    #[error("decompressed body of {length} bytes exceeds the limit of {limit} bytes")]
    TooLarge { length: usize, limit: usize },

    #[error("cannot decompress snappy body: {0}")]
    Snappy(#[source] snap::Error),

    #[error("cannot decode {message}: {source}")]
    Protobuf {
        /// The protobuf message being decoded, e.g. `prometheus.WriteRequest`.
        message: &'static str,
        #[source]
        source: WireError,
    },

    #[error("invalid symbols table: the first symbol must be the empty string, got {0:?}")]
    FirstSymbolNotEmpty(String),

    #[error("invalid timeseries[{series}]: labels_refs holds {count} references, an odd number")]
    OddLabelRefs { series: usize, count: usize },

    #[error(
        "invalid timeseries[{series}]: {field} reference {reference} is out of range, the request has {symbols} symbols"
    )]
    SymbolOutOfRange { series: usize, field: &'static str, reference: u32, symbols: usize },

    /// Series refused while the rest of the request was accepted; built by
    /// [`super::DecodeReport::refusal`].
    #[error("refused {count} series: {details}")]
    RefusedSeries { count: u64, details: String },
}

impl Error {
    /// The HTTP status to answer the sender with. All of them are client
    /// errors: the sender must not retry the same request.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::UnsupportedContentType { .. } | Error::UnsupportedEncoding(_) => UNSUPPORTED_MEDIA_TYPE,
            Error::TooLarge { .. }
            | Error::Snappy(_)
            | Error::Protobuf { .. }
            | Error::FirstSymbolNotEmpty(_)
            | Error::OddLabelRefs { .. }
            | Error::SymbolOutOfRange { .. }
            | Error::RefusedSeries { .. } => BAD_REQUEST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_prometheus() {
        let media = Error::UnsupportedEncoding("gzip".into());
        assert_eq!(media.http_status(), 415);
        assert_eq!(media.to_string(), r#"unsupported content encoding "gzip": only snappy is accepted"#);
        assert_eq!(Error::TooLarge { length: 10, limit: 5 }.http_status(), 400);
        assert_eq!(Error::OddLabelRefs { series: 1, count: 3 }.http_status(), 400);
        assert_eq!(Error::Snappy(snap::Error::Empty).http_status(), 400);
    }
}
