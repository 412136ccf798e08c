//! The `storage` section: the TSDB settings that may change on reload (out-of-order
//! window, retention) and exemplar storage, as `StorageConfig` in prometheus/config.

use serde::{Deserialize, Serialize};

use super::byte_size::ByteSize;
use super::duration::Duration;
use super::serde_fields::{is_default, nullable};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub tsdb: TsdbConfig,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub exemplars: ExemplarsConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TsdbConfig {
    /// How far behind the newest sample of a series a sample may still be
    /// appended; zero accepts no out-of-order samples.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub out_of_order_time_window: Duration,
    /// Overrides the retention flags when set.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub retention: Option<RetentionConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Delete blocks older than this; zero means no time limit.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub time: Duration,
    /// Delete the oldest blocks beyond this size; zero means no size limit.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub size: ByteSize,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExemplarsConfig {
    /// Size of the in-memory exemplar ring buffer; zero or less disables it.
    #[serde(default = "default_max_exemplars", deserialize_with = "nullable")]
    pub max_exemplars: i64,
}

fn default_max_exemplars() -> i64 {
    100_000
}

impl Default for ExemplarsConfig {
    fn default() -> Self {
        ExemplarsConfig { max_exemplars: default_max_exemplars() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_out_of_order_window_and_defaults() {
        let config: StorageConfig = serde_saphyr::from_str("tsdb:\n  out_of_order_time_window: 30m\n").unwrap();
        assert_eq!(config.tsdb.out_of_order_time_window, Duration::from_minutes(30));
        assert_eq!(config.tsdb.retention, None);
        assert_eq!(config.exemplars.max_exemplars, 100_000);
    }

    #[test]
    fn reads_retention() {
        let config: StorageConfig = serde_saphyr::from_str("tsdb: {retention: {time: 15d, size: 512GB}}").unwrap();
        let retention = config.tsdb.retention.unwrap();
        assert_eq!(retention.time.to_string(), "15d");
        assert_eq!(retention.size.bytes(), 512 << 30);
    }
}
