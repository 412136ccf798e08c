//! TSDB settings with Prometheus' defaults.

use std::time::Duration;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// How the TSDB is run; set from flags (`--storage.tsdb.*`) and the
/// `storage.tsdb` section of the config file.
#[derive(Clone, Debug)]
pub struct TsdbOptions {
    /// The head is cut into blocks of this many ms (Prometheus' min block duration, 2h).
    pub block_duration_ms: i64,
    /// Compaction never makes blocks longer than this.
    pub max_block_duration_ms: i64,
    /// Blocks older than this behind the newest are deleted (15d; 0: keep).
    pub retention_ms: i64,
    /// Oldest blocks are deleted while everything on disk exceeds this (0: no limit).
    pub retention_bytes: u64,
    /// Out-of-order samples within this many ms of the newest are accepted (0: off).
    pub out_of_order_window_ms: i64,
    pub wal_segment_bytes: u64,
    /// fsync the WAL on every write (otherwise written data is in the OS,
    /// which survives a process crash but not a power loss).
    pub wal_fsync: bool,
    /// How often the head is checked for a cut, and blocks for compaction and retention.
    pub maintenance_interval: Duration,
}

impl Default for TsdbOptions {
    fn default() -> Self {
        TsdbOptions {
            block_duration_ms: 2 * HOUR_MS,
            max_block_duration_ms: 36 * HOUR_MS,
            retention_ms: 15 * DAY_MS,
            retention_bytes: 0,
            out_of_order_window_ms: 0,
            wal_segment_bytes: 128 << 20,
            wal_fsync: false,
            maintenance_interval: Duration::from_secs(60),
        }
    }
}

impl TsdbOptions {
    /// Prometheus' rule: the largest block is 10% of the retention time,
    /// at most 31 days, and never below the block duration.
    pub fn with_derived_max_block(mut self) -> Self {
        let tenth = if self.retention_ms > 0 { self.retention_ms / 10 } else { 31 * DAY_MS };
        self.max_block_duration_ms = tenth.min(31 * DAY_MS).max(self.block_duration_ms);
        self
    }

    /// Block ranges compaction builds up to: each three times the last.
    pub fn compaction_ranges(&self) -> Vec<i64> {
        let mut ranges = vec![self.block_duration_ms];
        while let Some(&last) = ranges.last() {
            let next = last.saturating_mul(3);
            if next > self.max_block_duration_ms {
                break;
            }
            ranges.push(next);
        }
        ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_grow_by_three_up_to_a_tenth_of_retention() {
        let options = TsdbOptions::default().with_derived_max_block();
        assert_eq!(options.max_block_duration_ms, 36 * HOUR_MS);
        assert_eq!(options.compaction_ranges(), vec![2 * HOUR_MS, 6 * HOUR_MS, 18 * HOUR_MS]);
    }
}
