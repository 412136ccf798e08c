//! The TSDB's self-metrics.

use std::sync::LazyLock;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::series::AppendOutcome;

pub static SAMPLES_APPENDED: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static SAMPLES_REJECTED: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static WAL_WRITES: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static WAL_BYTES: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static WAL_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static WAL_CORRUPTIONS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static CHECKPOINTS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static HEAD_CUTS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static COMPACTIONS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static RETENTION_DELETED_BLOCKS: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static MAINTENANCE_FAILURES: LazyLock<Counter> = LazyLock::new(Counter::default);
pub static HEAD_SERIES: LazyLock<Gauge> = LazyLock::new(Gauge::default);
pub static HEAD_CHUNK_BYTES: LazyLock<Gauge> = LazyLock::new(Gauge::default);
pub static BLOCKS: LazyLock<Gauge> = LazyLock::new(Gauge::default);
pub static STORAGE_BYTES: LazyLock<Gauge> = LazyLock::new(Gauge::default);

pub fn register(registry: &mut Registry) {
    let counters: [(&str, &str, &LazyLock<Counter>); 11] = [
        ("sonde_tsdb_head_samples_appended", "Samples stored in the head", &SAMPLES_APPENDED),
        (
            "sonde_tsdb_head_samples_rejected",
            "Samples refused as out of order, out of bounds or conflicting duplicates",
            &SAMPLES_REJECTED,
        ),
        ("sonde_tsdb_wal_writes", "WAL write calls", &WAL_WRITES),
        ("sonde_tsdb_wal_written_bytes", "Bytes written to the WAL", &WAL_BYTES),
        ("sonde_tsdb_wal_write_failures", "WAL writes that failed", &WAL_FAILURES),
        ("sonde_tsdb_wal_corruptions", "Corrupt WAL tails found and cut off on replay", &WAL_CORRUPTIONS),
        ("sonde_tsdb_checkpoints", "WAL checkpoints written", &CHECKPOINTS),
        ("sonde_tsdb_head_cuts", "Head block ranges persisted as blocks", &HEAD_CUTS),
        ("sonde_tsdb_compactions", "Block compactions", &COMPACTIONS),
        ("sonde_tsdb_retention_deleted_blocks", "Blocks deleted by retention", &RETENTION_DELETED_BLOCKS),
        ("sonde_tsdb_maintenance_failures", "Failed cut, compaction or retention passes", &MAINTENANCE_FAILURES),
    ];
    for (name, help, counter) in counters {
        registry.register(name, help, (*counter).clone());
    }
    let gauges: [(&str, &str, &LazyLock<Gauge>); 4] = [
        ("sonde_tsdb_head_series", "Series in the head, all tenants", &HEAD_SERIES),
        ("sonde_tsdb_head_chunk_bytes", "Bytes of chunk data held in the head", &HEAD_CHUNK_BYTES),
        ("sonde_tsdb_blocks", "Persisted blocks loaded", &BLOCKS),
        ("sonde_tsdb_storage_bytes", "Bytes on disk in blocks and WAL", &STORAGE_BYTES),
    ];
    for (name, help, gauge) in gauges {
        registry.register(name, help, (*gauge).clone());
    }
}

pub fn record_append(outcome: &AppendOutcome) {
    SAMPLES_APPENDED.inc_by(outcome.samples_appended);
    SAMPLES_REJECTED.inc_by(outcome.samples_rejected);
}

/// Refreshes the gauges from the tenants' state.
pub fn refresh(storage: &super::Storage) {
    let tenants = storage.all_tenants();
    HEAD_SERIES.set(tenants.iter().map(|(_, db)| db.head().num_series() as i64).sum());
    HEAD_CHUNK_BYTES.set(tenants.iter().map(|(_, db)| db.head().chunk_bytes() as i64).sum());
    BLOCKS.set(tenants.iter().map(|(_, db)| db.blocks().len() as i64).sum());
    STORAGE_BYTES.set(tenants.iter().map(|(_, db)| db.size_bytes() as i64).sum());
}
