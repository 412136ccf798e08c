//! Sonde's configuration: Prometheus 3.x `prometheus.yml` read as-is, with
//! Prometheus' defaults, checks and inheritance from `global` applied when loading,
//! so that scraping, discovery, relabeling, rules, alerting, remote write/read and
//! the TSDB act on final values (prometheus/config `config.go`, prometheus/common
//! `config`, `model/relabel`, `discovery/*`). Also `promtool check config`-style
//! reporting. Every error names the file, the position and the field.

mod alerting;
mod byte_size;
mod check;
mod discovery;
mod duration;
mod error;
mod glob;
mod global;
mod http_client;
mod included_files;
mod inline;
mod kubernetes;
mod label;
mod load;
mod locate;
mod oauth2;
mod otlp;
mod proxy;
mod regex;
mod relabel;
mod remote;
mod scrape;
mod secret;
mod serde_fields;
mod source;
mod storage;
mod tls;
mod tracing;
mod unsupported;
mod url;
mod validate;

use std::path::Path;

pub use alerting::{AlertingConfig, AlertmanagerConfig};
pub use byte_size::{ByteSize, ParseByteSizeError};
pub use check::{CheckOptions, CheckReport, check_config, check_config_with};
pub use discovery::{
    DnsRecordType, DnsSdConfig, DockerFilter, DockerSdConfig, FileSdConfig, HttpSdConfig, ServiceDiscoveryConfigs,
    StaticConfig, parse_target_groups,
};
pub use duration::{Duration, ParseDurationError};
pub use error::{Diagnostic, Error};
pub use glob::{BadPattern, expand as expand_glob};
pub use global::{DEFAULT_SCRAPE_PROTOCOLS, GlobalConfig, PROTO_FIRST_SCRAPE_PROTOCOLS, RuntimeConfig, ScrapeProtocol};
pub use http_client::{Authorization, BasicAuth, HttpClientConfig, HttpHeader};
pub use kubernetes::{AttachMetadata, KubernetesRole, KubernetesSdConfig, KubernetesSelector, NamespaceDiscovery};
pub use label::{EscapingScheme, LabelName, ValidationScheme, is_legacy_label_name, is_legacy_metric_name};
pub use load::Config;
pub use oauth2::OAuth2;
pub use otlp::{OtlpConfig, TranslationStrategy};
pub use proxy::ProxyConfig;
pub use regex::{DEFAULT_RELABEL_REGEX, Regex, RegexError};
pub use relabel::{Action, DEFAULT_REPLACEMENT, DEFAULT_SEPARATOR, RelabelConfig};
pub use remote::{MetadataConfig, ProtobufMessage, QueueConfig, RemoteReadConfig, RemoteWriteConfig};
pub use scrape::{ScrapeConfig, ScrapeConfigsFile};
pub use secret::Secret;
pub use storage::{ExemplarsConfig, RetentionConfig, StorageConfig, TsdbConfig};
pub use tls::{TlsConfig, TlsVersion};
pub use tracing::{TracingClientType, TracingConfig};
pub use unsupported::SUPPORTED_DISCOVERY;
pub use url::Url;

/// Makes a relative file name relative to `directory` (the config file's), as
/// upstream's `config.JoinDir`; empty and absolute names stay as they are.
pub(crate) fn join_directory(directory: &Path, file: &mut String) {
    if file.is_empty() || Path::new(file.as_str()).is_absolute() || directory.as_os_str().is_empty() {
        return;
    }
    *file = directory.join(file.as_str()).display().to_string();
}

// Crate-private re-exports for `crate::alertmanager`, which reads its own
// YAML file with the same machinery.
pub(crate) use error::{Invalid, Within};
pub(crate) use serde_fields::{is_default, nullable};
pub(crate) use source::Source;
