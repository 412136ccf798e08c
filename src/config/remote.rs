//! `remote_write` and `remote_read`: endpoints, queue tuning and their defaults and
//! checks from `RemoteWriteConfig` and `RemoteReadConfig` in prometheus/config.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::duration::Duration;
use super::error::{Invalid, Within, each};
use super::http_client::canonical_header;
use super::inline::with_http_client;
use super::label::{LabelName, ValidationScheme};
use super::relabel::RelabelConfig;
use super::serde_fields::{displayed, is_default, nullable, parsed, yes};
use super::url::Url;

/// Headers remote write and read may not set: Prometheus sets them itself.
const RESERVED_HEADERS: [&str; 15] = [
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
];

/// The protobuf message a remote write endpoint receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ProtobufMessage {
    /// Remote write 1.0, `prometheus.WriteRequest`.
    #[default]
    V1,
    /// Remote write 2.0, `io.prometheus.write.v2.Request`.
    V2,
}

impl FromStr for ProtobufMessage {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "prometheus.WriteRequest" => Ok(ProtobufMessage::V1),
            "io.prometheus.write.v2.Request" => Ok(ProtobufMessage::V2),
            _ => Err(format!(
                "unknown remote write protobuf message {text}, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request"
            )),
        }
    }
}

impl fmt::Display for ProtobufMessage {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            ProtobufMessage::V1 => "prometheus.WriteRequest",
            ProtobufMessage::V2 => "io.prometheus.write.v2.Request",
        })
    }
}

/// How samples are batched and retried on their way to one endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// Samples buffered per shard before reading from the WAL blocks.
    pub capacity: u64,
    pub max_shards: u64,
    pub min_shards: u64,
    pub max_samples_per_send: u64,
    /// The longest a sample waits in a shard's buffer.
    pub batch_send_deadline: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Retry on HTTP 429 as on 5xx.
    pub retry_on_http_429: bool,
    /// Samples older than this are dropped instead of sent; zero keeps all.
    pub sample_age_limit: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 10_000,
            max_shards: 50,
            min_shards: 1,
            max_samples_per_send: 2000,
            batch_send_deadline: Duration::from_seconds(5),
            min_backoff: Duration::from_milliseconds(30),
            max_backoff: Duration::from_seconds(5),
            retry_on_http_429: false,
            sample_age_limit: Duration::ZERO,
        }
    }
}

/// Sending of metric metadata to one endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataConfig {
    pub send: bool,
    pub send_interval: Duration,
    pub max_samples_per_send: u64,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        MetadataConfig { send: true, send_interval: Duration::from_minutes(1), max_samples_per_send: 2000 }
    }
}

fn thirty_seconds() -> Duration {
    Duration::from_seconds(30)
}

fn one_minute() -> Duration {
    Duration::from_minutes(1)
}

fn fifty_megabytes() -> u64 {
    50_000_000
}

with_http_client! {
    /// An endpoint that receives every appended sample. HTTP/2 is off by default
    /// here, as upstream found it slower for remote write.
    pub struct RemoteWriteConfig via RemoteWriteFields (enable_http2 = false) {
        /// Required.
        #[serde(default, skip_serializing_if = "is_default")]
        pub url: Option<Url>,
        #[serde(default = "thirty_seconds", deserialize_with = "nullable")]
        pub remote_timeout: Duration,
        /// Extra request headers; credentials belong in the auth settings.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub headers: BTreeMap<String, String>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub write_relabel_configs: Vec<RelabelConfig>,
        /// Unique among remote write configs when set.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub name: String,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub send_exemplars: bool,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub send_native_histograms: bool,
        /// Spread requests over all addresses the host name resolves to.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub round_robin_dns: bool,
        #[serde(default, deserialize_with = "parsed", serialize_with = "displayed", skip_serializing_if = "is_default")]
        pub protobuf_message: ProtobufMessage,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub queue_config: QueueConfig,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub metadata_config: MetadataConfig,
    }
}

with_http_client! {
    /// An endpoint queried alongside local storage.
    pub struct RemoteReadConfig via RemoteReadFields (enable_http2 = true) {
        /// Required.
        #[serde(default, skip_serializing_if = "is_default")]
        pub url: Option<Url>,
        #[serde(default = "one_minute", deserialize_with = "nullable")]
        pub remote_timeout: Duration,
        /// The largest protobuf frame accepted from a streamed response, in bytes.
        #[serde(default = "fifty_megabytes", deserialize_with = "nullable")]
        pub chunked_read_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub headers: BTreeMap<String, String>,
        /// Also query time ranges local storage should have complete data for.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub read_recent: bool,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub name: String,
        /// Equality matchers a query must contain to be sent to this endpoint.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub required_matchers: BTreeMap<LabelName, String>,
        /// Add the external labels as matchers.
        #[serde(default = "yes", deserialize_with = "nullable")]
        pub filter_external_labels: bool,
    }
}

impl RemoteWriteConfig {
    pub(crate) fn validate(&mut self, scheme: ValidationScheme) -> Result<(), Invalid> {
        if self.url.is_none() {
            return Err(Invalid::field("url", "url for remote_write is empty"));
        }
        validate_headers(&self.headers).within("headers")?;
        self.http_client.validate()?;
        each(&mut self.write_relabel_configs, |rule| rule.validate(scheme)).within("write_relabel_configs")
    }
}

impl RemoteReadConfig {
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        if self.url.is_none() {
            return Err(Invalid::field("url", "url for remote_read is empty"));
        }
        validate_headers(&self.headers).within("headers")?;
        self.http_client.validate()
    }
}

fn validate_headers(headers: &BTreeMap<String, String>) -> Result<(), Invalid> {
    for name in headers.keys() {
        let lower = name.to_ascii_lowercase();
        if lower == "authorization" {
            return Err(Invalid::field(
                name,
                "authorization header must be changed via the basic_auth, authorization or oauth2 parameter",
            ));
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(Invalid::field(
                name,
                format!("{} is a reserved header. It must not be changed", canonical_header(name)),
            ));
        }
    }
    Ok(())
}

/// Upstream rejects two remote write (or read) configs with the same non-empty name.
pub(crate) fn check_unique_names<'a>(names: impl Iterator<Item = &'a str>, kind: &str) -> Result<(), Invalid> {
    let mut seen = std::collections::BTreeSet::new();
    for (index, name) in names.enumerate() {
        if !name.is_empty() && !seen.insert(name) {
            return Err(
                Invalid::field("name", format!("found multiple {kind} configs with name {name:?}")).at_index(index)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(yaml: &str) -> Result<RemoteWriteConfig, String> {
        let mut config: RemoteWriteConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.validate(ValidationScheme::Utf8).map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn remote_write_defaults_match_prometheus() {
        let config = write("url: http://remote:9201/write\nqueue_config: {max_shards: 10}").unwrap();
        assert_eq!(config.remote_timeout, Duration::from_seconds(30));
        assert_eq!(config.protobuf_message, ProtobufMessage::V1);
        assert_eq!(config.queue_config.max_shards, 10);
        assert_eq!(config.queue_config.capacity, 10_000);
        assert_eq!(config.queue_config.max_backoff, Duration::from_seconds(5));
        assert!(config.metadata_config.send);
        assert!(!config.http_client.enable_http2);
        assert!(config.http_client.follow_redirects);
    }

    #[test]
    fn remote_write_checks() {
        assert_eq!(write("name: a").unwrap_err(), "url: url for remote_write is empty");
        let error = write("url: http://r\nheaders: {Authorization: x}").unwrap_err();
        assert!(error.starts_with("headers.Authorization: authorization header must be changed"), "{error}");
        let error = write("url: http://r\nheaders: {user-agent: x}").unwrap_err();
        assert_eq!(error, "headers.user-agent: User-Agent is a reserved header. It must not be changed");
        let error = write("url: http://r\nprotobuf_message: v3").unwrap_err();
        assert!(error.contains("unknown remote write protobuf message v3"), "{error}");
        assert_eq!(
            write("url: http://r\nprotobuf_message: io.prometheus.write.v2.Request").unwrap().protobuf_message,
            ProtobufMessage::V2
        );
    }

    #[test]
    fn remote_read_defaults_and_checks() {
        let mut config: RemoteReadConfig =
            serde_saphyr::from_str("url: http://r/read\nrequired_matchers: {job: a}").unwrap();
        config.validate().unwrap();
        assert_eq!(config.remote_timeout, Duration::from_minutes(1));
        assert_eq!(config.chunked_read_limit, 50_000_000);
        assert!(config.filter_external_labels && config.http_client.enable_http2);
        let mut missing: RemoteReadConfig = serde_saphyr::from_str("read_recent: true").unwrap();
        assert_eq!(missing.validate().unwrap_err().message, "url for remote_read is empty");
    }

    #[test]
    fn names_must_be_unique_when_set() {
        assert!(check_unique_names(["", "", "a"].into_iter(), "remote write").is_ok());
        let invalid = check_unique_names(["a", "b", "a"].into_iter(), "remote write").unwrap_err();
        assert_eq!(invalid.path.to_string(), "[2].name");
        assert_eq!(invalid.message, r#"found multiple remote write configs with name "a""#);
    }
}
