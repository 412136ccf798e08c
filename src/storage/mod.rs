//! The storage role's gRPC service (`proto/sonde/storage.proto`): the TSDB
//! behind Push, Select, LabelNames and LabelValues, and the pool of clients
//! the distributor and the query fan-out use to reach storage nodes. The
//! TSDB itself knows nothing of gRPC; this module adapts the seams.

mod client;
pub mod convert;
pub mod metrics;
mod server;

pub mod proto {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("sonde.storage.v1");
}

pub use client::StoragePool;
pub use server::{StorageService, serve};

/// gRPC messages larger than this are refused. A Select answer is streamed
/// in messages far below it; a Push carries one remote write batch.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;
