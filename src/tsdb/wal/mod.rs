//! The write-ahead log, after Prometheus' `tsdb/wlog` and `tsdb/record`:
//! numbered segment files of CRC-framed records (series definitions and
//! samples), replayed on start, checkpointed and truncated as the head is
//! cut. The byte layout is in `docs/format/wal.md`.
//!
//! Start-up order for the TSDB:
//! 1. `WalReader::open_with_checkpoint(dir)`, replay every record;
//! 2. if `reader.corruption()` is set, `Wal::repair(dir, corruption)` — a
//!    corrupt WAL costs the records from the corruption on, never start-up;
//! 3. `Wal::open(dir, options)` and append.
//!
//! Checkpointing: `let last = wal.next_segment()? - 1`, read
//! `WalReader::open_with_checkpoint_until(dir, last)`, write the records
//! still needed through `Checkpoint::create(dir, last)`, `finish()`, then
//! `wal.truncate_before(last + 1)`.

mod checkpoint;
mod error;
mod frame;
mod reader;
pub mod record;
mod repair;
mod segment;
mod varint;
mod writer;

pub use checkpoint::{Checkpoint, CheckpointWriter, checkpoint_name};
pub use error::Error;
pub use frame::{FRAME_HEADER_SIZE, MAX_RECORD_SIZE};
pub use reader::{Corruption, Position, WalReader};
pub use record::{
    RecordType, RefSample, RefSeries, SeriesEncoder, decode_samples, decode_series, encode_samples, encode_series,
};
pub use segment::{list_segments, segment_name};
pub use writer::{DEFAULT_SEGMENT_SIZE, Removed, SyncPolicy, Wal, WalOptions};
