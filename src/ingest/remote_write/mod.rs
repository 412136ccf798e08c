//! The decoding layer of the Prometheus remote write receiver, 1.0
//! (https://prometheus.io/docs/specs/remote_write_spec/) and 2.0
//! (https://prometheus.io/docs/specs/remote_write_spec_2_0/), following
//! Prometheus' `storage/remote/write_handler.go`.
//!
//! A handler goes: [`Protocol::from_content_type`] and
//! [`check_content_encoding`] (415 on failure), [`decompress`] into a pooled
//! buffer (400 over the limit or if corrupt), then [`Decoder::decode`] into
//! a reused [`AppendBatch`](crate::series::AppendBatch) whose label strings
//! borrow from that buffer (400 if the body is not a valid request). Series
//! with invalid labels, and native histograms, which Sonde does not store
//! yet, are refused while the rest is written; [`DecodeReport::refusal`] is
//! then the 400 answer, as 2.0's partial writes prescribe. (Prometheus only
//! logs such series for 1.0 requests and answers 204; the handler may do the
//! same for [`Protocol::V1`].) Every error tells its HTTP status through
//! [`Error::http_status`].

mod body;
pub mod client;
mod content_type;
mod decode_v1;
mod decode_v2;
mod decoder;
pub mod encode;
mod error;
pub mod proto;
mod report;
mod series_labels;
mod wire;

#[cfg(test)]
mod tests;

pub use body::{SNAPPY, check_content_encoding, decompress};
pub use content_type::{MEDIA_TYPE, Protocol, V1_MESSAGE, V2_MESSAGE};
pub use decoder::Decoder;
pub use error::{BAD_REQUEST, Error, UNSUPPORTED_MEDIA_TYPE};
pub use report::{DecodeReport, MAX_PROBLEMS};
pub use wire::{WireError, WireProblem, WireType};

/// The request header naming the sender's protocol version.
pub const VERSION_HEADER: &str = "X-Prometheus-Remote-Write-Version";
/// Response header (2.0, required even on errors): float samples written.
pub const SAMPLES_WRITTEN_HEADER: &str = "X-Prometheus-Remote-Write-Samples-Written";
/// Response header (2.0): native histogram samples written (0 until Sonde
/// stores them).
pub const HISTOGRAMS_WRITTEN_HEADER: &str = "X-Prometheus-Remote-Write-Histograms-Written";
/// Response header (2.0): exemplars written (0: Sonde stores none).
pub const EXEMPLARS_WRITTEN_HEADER: &str = "X-Prometheus-Remote-Write-Exemplars-Written";
