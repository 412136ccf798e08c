//! The `tracing` section: where Sonde exports its own traces (OTLP), checked as
//! `TracingConfig.UnmarshalYAML` in prometheus/config.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::duration::Duration;
use super::error::{Invalid, Within};
use super::serde_fields::{displayed, is_default, nullable, parsed};
use super::tls::TlsConfig;

/// The OTLP transport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TracingClientType {
    #[default]
    Grpc,
    Http,
}

impl FromStr for TracingClientType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "grpc" => Ok(TracingClientType::Grpc),
            "http" => Ok(TracingClientType::Http),
            _ => Err(format!("expected tracing client type to be http or grpc, but got {text}")),
        }
    }
}

impl fmt::Display for TracingClientType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            TracingClientType::Grpc => "grpc",
            TracingClientType::Http => "http",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TracingConfig {
    #[serde(default, deserialize_with = "parsed", serialize_with = "displayed", skip_serializing_if = "is_default")]
    pub client_type: TracingClientType,
    /// `host:port` of the collector; required.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub endpoint: String,
    /// The fraction of traces sampled, from 0 to 1.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub sampling_fraction: f64,
    /// Send without TLS.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub insecure: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub headers: BTreeMap<String, String>,
    /// Empty or `gzip`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub compression: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub timeout: Duration,
}

/// Headers the exporter sets itself.
const RESERVED_HEADERS: [&str; 4] = ["host", "content-encoding", "content-length", "content-type"];

impl TracingConfig {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        for name in self.headers.keys() {
            let lower = name.to_ascii_lowercase();
            if lower == "authorization" {
                return Err(Invalid::field(name, "custom authorization header configuration is not yet supported")
                    .within("headers"));
            }
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(Invalid::field(name, format!("{name} is a reserved header. It must not be changed"))
                    .within("headers"));
            }
        }
        if self.endpoint.is_empty() {
            return Err(Invalid::field("endpoint", "tracing endpoint must be set"));
        }
        if !self.compression.is_empty() && self.compression != "gzip" {
            let message = format!("invalid compression type {} provided, valid options: gzip", self.compression);
            return Err(Invalid::field("compression", message));
        }
        if !(0.0..=1.0).contains(&self.sampling_fraction) {
            return Err(Invalid::field("sampling_fraction", "sampling_fraction must be between 0 and 1"));
        }
        self.tls_config.validate().within("tls_config")
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        self.tls_config.set_directory(directory);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<TracingConfig, String> {
        let config: TracingConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.validate().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn endpoint_is_required_and_grpc_is_the_default() {
        assert_eq!(check("{}").unwrap_err(), "endpoint: tracing endpoint must be set");
        let config = check("endpoint: otel:4317\nsampling_fraction: 0.1").unwrap();
        assert_eq!(config.client_type, TracingClientType::Grpc);
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(
            check("endpoint: x\nclient_type: udp")
                .unwrap_err()
                .contains("expected tracing client type to be http or grpc")
        );
        assert!(check("endpoint: x\ncompression: zstd").unwrap_err().contains("invalid compression type zstd"));
        assert!(check("endpoint: x\nheaders: {Authorization: x}").unwrap_err().contains("not yet supported"));
        assert!(check("endpoint: x\nsampling_fraction: 2").unwrap_err().contains("between 0 and 1"));
    }
}
