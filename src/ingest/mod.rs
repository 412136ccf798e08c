//! Ways data comes in over HTTP, ending at the `Appender` seam: the
//! Prometheus remote-write receiver (1.0 and 2.0); and, in a cluster, the
//! distributor that is that `Appender`.

pub mod distributor;
pub mod metrics;
pub mod remote_write;
mod write_handler;

pub use write_handler::router;
