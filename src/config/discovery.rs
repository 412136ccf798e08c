//! Service discovery configurations Sonde implements: `static_configs`,
//! `file_sd_configs`, `dns_sd_configs`, `docker_sd_configs`, `http_sd_configs`
//! (and `kubernetes_sd_configs` in its own file), with the defaults and checks of
//! upstream's `discovery/*` packages. Running discovery belongs to the discovery
//! component.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::duration::Duration;
use super::error::{Error, Invalid, Within, each};
use super::inline::with_http_client;
use super::kubernetes::KubernetesSdConfig;
use super::label::LabelName;
use super::serde_fields::{displayed, is_default, nullable, parsed};
use super::source::Source;
use super::url::Url;

/// Where one scrape config or Alertmanager set finds its targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceDiscoveryConfigs {
    pub static_configs: Vec<StaticConfig>,
    pub file_sd_configs: Vec<FileSdConfig>,
    pub dns_sd_configs: Vec<DnsSdConfig>,
    pub docker_sd_configs: Vec<DockerSdConfig>,
    pub kubernetes_sd_configs: Vec<KubernetesSdConfig>,
    pub http_sd_configs: Vec<HttpSdConfig>,
}

impl ServiceDiscoveryConfigs {
    /// Validates every mechanism; failures name their list, e.g. `dns_sd_configs[1]`.
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        each(&mut self.file_sd_configs, |config| config.validate()).within("file_sd_configs")?;
        each(&mut self.dns_sd_configs, |config| config.validate()).within("dns_sd_configs")?;
        each(&mut self.docker_sd_configs, |config| config.validate()).within("docker_sd_configs")?;
        each(&mut self.kubernetes_sd_configs, |config| config.validate()).within("kubernetes_sd_configs")?;
        each(&mut self.http_sd_configs, |config| config.validate()).within("http_sd_configs")
    }

    /// Upstream's `CheckTargetAddress`: a static target is `host:port`, so a `/`
    /// means someone wrote a URL. Only checked when no relabeling could fix it up.
    pub(crate) fn check_static_targets(&self) -> Result<(), Invalid> {
        for (group_index, group) in self.static_configs.iter().enumerate() {
            for (target_index, target) in group.targets.iter().enumerate() {
                if target.contains('/') {
                    return Err(Invalid::new(format!("{target:?} is not a valid hostname"))
                        .at_index(target_index)
                        .within("targets")
                        .at_index(group_index)
                        .within("static_configs"));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        for config in &mut self.file_sd_configs {
            config.files.iter_mut().for_each(|file| super::join_directory(directory, file));
        }
        for config in &mut self.docker_sd_configs {
            config.http_client.set_directory(directory);
        }
        for config in &mut self.kubernetes_sd_configs {
            config.set_directory(directory);
        }
        for config in &mut self.http_sd_configs {
            config.http_client.set_directory(directory);
        }
    }
}

/// A group of targets with common labels, as written in `static_configs` and in
/// the files `file_sd_configs` reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StaticConfig {
    /// `host:port` addresses.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub targets: Vec<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub labels: BTreeMap<LabelName, String>,
}

/// Reads a target group file of `file_sd_configs` (`.json`, `.yml` or `.yaml`);
/// JSON is read as the YAML it also is.
pub fn parse_target_groups(text: &str, file: &str) -> Result<Vec<StaticConfig>, Error> {
    let source = Source::new(file, text);
    let extension = Path::new(file).extension().and_then(|extension| extension.to_str()).unwrap_or("");
    if !matches!(extension.to_ascii_lowercase().as_str(), "json" | "yml" | "yaml") {
        return Err(source.invalid(Invalid::new(format!("invalid file extension: {:?}", format!(".{extension}")))));
    }
    Ok(source.parse::<Option<Vec<StaticConfig>>>()?.unwrap_or_default())
}

/// Targets read from JSON or YAML files, re-read when they change.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileSdConfig {
    /// File patterns; `*` may appear in the last path element only.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub files: Vec<String>,
    #[serde(default = "five_minutes", deserialize_with = "nullable")]
    pub refresh_interval: Duration,
}

fn five_minutes() -> Duration {
    Duration::from_minutes(5)
}

impl FileSdConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        if self.files.is_empty() {
            return Err(Invalid::field("files", "file service discovery config must contain at least one path name"));
        }
        for (index, file) in self.files.iter().enumerate() {
            if !is_valid_file_sd_name(file) {
                return Err(Invalid::new(format!("path name {file:?} is not valid for file discovery"))
                    .at_index(index)
                    .within("files"));
            }
        }
        Ok(())
    }
}

/// Upstream's `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`.
fn is_valid_file_sd_name(name: &str) -> bool {
    let Some((stem, extension)) = name.rsplit_once('.') else { return false };
    let extension_ok = ["json", "yml", "yaml", "JSON", "YML", "YAML"].contains(&extension);
    extension_ok && is_valid_star_pattern(stem)
}

/// Upstream's `^[^*]*(\*[^/]*)?$` for rule files, scrape config files and SD
/// files: `*` only in the last path element.
pub(crate) fn is_valid_star_pattern(pattern: &str) -> bool {
    match pattern.split_once('*') {
        None => true,
        Some((_, after)) => !after.contains('/'),
    }
}

/// The DNS record type a `dns_sd_config` looks up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DnsRecordType {
    #[default]
    Srv,
    A,
    Aaaa,
    Mx,
    Ns,
}

impl FromStr for DnsRecordType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_uppercase().as_str() {
            "SRV" => Ok(DnsRecordType::Srv),
            "A" => Ok(DnsRecordType::A),
            "AAAA" => Ok(DnsRecordType::Aaaa),
            "MX" => Ok(DnsRecordType::Mx),
            "NS" => Ok(DnsRecordType::Ns),
            _ => Err(format!("invalid DNS-SD records type {text}")),
        }
    }
}

impl fmt::Display for DnsRecordType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            DnsRecordType::Srv => "SRV",
            DnsRecordType::A => "A",
            DnsRecordType::Aaaa => "AAAA",
            DnsRecordType::Mx => "MX",
            DnsRecordType::Ns => "NS",
        })
    }
}

/// Targets from periodic DNS lookups.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSdConfig {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub names: Vec<String>,
    #[serde(default = "thirty_seconds", deserialize_with = "nullable")]
    pub refresh_interval: Duration,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "parsed",
        serialize_with = "displayed",
        skip_serializing_if = "is_default"
    )]
    pub record_type: DnsRecordType,
    /// The port of the targets; required for every type but SRV.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub port: u16,
}

fn thirty_seconds() -> Duration {
    Duration::from_seconds(30)
}

impl DnsSdConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        if self.names.is_empty() {
            return Err(Invalid::field("names", "DNS-SD config must contain at least one SRV record name"));
        }
        if self.record_type != DnsRecordType::Srv && self.port == 0 {
            return Err(Invalid::field("port", "a port is required in DNS-SD configs for all record types except SRV"));
        }
        Ok(())
    }
}

/// A `filters` entry of `docker_sd_configs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DockerFilter {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub values: Vec<String>,
}

fn sixty_seconds() -> Duration {
    Duration::from_seconds(60)
}

fn port_80() -> u16 {
    80
}

fn localhost() -> String {
    "localhost".to_string()
}

with_http_client! {
    /// Targets from the containers of a Docker engine.
    pub struct DockerSdConfig via DockerSdFields (enable_http2 = true) {
        /// The Docker daemon address, e.g. `unix:///var/run/docker.sock`.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub host: String,
        /// The port used for containers that expose none.
        #[serde(default = "port_80", deserialize_with = "nullable")]
        pub port: u16,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub filters: Vec<DockerFilter>,
        /// The address used for containers in host networking mode.
        #[serde(default = "localhost", deserialize_with = "nullable")]
        pub host_networking_host: String,
        #[serde(default = "sixty_seconds", deserialize_with = "nullable")]
        pub refresh_interval: Duration,
        /// For containers on several networks, use only the first by name.
        #[serde(default = "crate::config::serde_fields::yes", deserialize_with = "nullable")]
        pub match_first_network: bool,
    }
}

impl DockerSdConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        if self.host.is_empty() {
            return Err(Invalid::field("host", "host missing"));
        }
        self.http_client.validate()
    }
}

with_http_client! {
    /// Targets from an HTTP endpoint that returns target groups as JSON.
    pub struct HttpSdConfig via HttpSdFields (enable_http2 = true) {
        #[serde(default, skip_serializing_if = "is_default")]
        pub url: Option<Url>,
        #[serde(default = "sixty_seconds", deserialize_with = "nullable")]
        pub refresh_interval: Duration,
    }
}

impl HttpSdConfig {
    fn validate(&mut self) -> Result<(), Invalid> {
        let Some(url) = &self.url else { return Err(Invalid::field("url", "URL is missing")) };
        if !matches!(url.scheme().as_str(), "http" | "https") {
            return Err(Invalid::field("url", "URL scheme must be 'http' or 'https'"));
        }
        self.http_client.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: serde::de::DeserializeOwned>(
        yaml: &str,
        validate: impl Fn(&mut T) -> Result<(), Invalid>,
    ) -> Result<T, String> {
        let mut config: T = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        validate(&mut config).map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn file_sd_defaults_and_patterns() {
        let config = check::<FileSdConfig>("files: [targets/*.json]", FileSdConfig::validate).unwrap();
        assert_eq!(config.refresh_interval, Duration::from_minutes(5));
        let error = check::<FileSdConfig>("files: ['*/x.json']", FileSdConfig::validate).unwrap_err();
        assert_eq!(error, r#"files[0]: path name "*/x.json" is not valid for file discovery"#);
        assert!(check::<FileSdConfig>("files: [targets.txt]", FileSdConfig::validate).is_err());
        assert!(
            check::<FileSdConfig>("refresh_interval: 1m", FileSdConfig::validate)
                .unwrap_err()
                .contains("at least one path")
        );
    }

    #[test]
    fn dns_sd_needs_names_and_a_port_except_for_srv() {
        let config = check::<DnsSdConfig>("names: [_prometheus._tcp.example.org]", DnsSdConfig::validate).unwrap();
        assert_eq!(config.record_type, DnsRecordType::Srv);
        assert_eq!(config.refresh_interval, Duration::from_seconds(30));
        let error = check::<DnsSdConfig>("names: [example.org]\ntype: a", DnsSdConfig::validate).unwrap_err();
        assert!(error.contains("a port is required"), "{error}");
        assert!(
            check::<DnsSdConfig>("names: [x]\ntype: TXT", DnsSdConfig::validate)
                .unwrap_err()
                .contains("invalid DNS-SD records type TXT")
        );
    }

    #[test]
    fn docker_sd_defaults_and_inline_http_settings() {
        let yaml = "host: unix:///var/run/docker.sock\nfilters: [{name: label, values: [prometheus=true]}]\nfollow_redirects: false";
        let config = check::<DockerSdConfig>(yaml, DockerSdConfig::validate).unwrap();
        assert_eq!(config.port, 80);
        assert_eq!(config.host_networking_host, "localhost");
        assert!(config.match_first_network);
        assert!(!config.http_client.follow_redirects);
        assert!(config.http_client.enable_http2);
        assert_eq!(check::<DockerSdConfig>("port: 8080", DockerSdConfig::validate).unwrap_err(), "host: host missing");
    }

    #[test]
    fn http_sd_needs_an_http_url() {
        assert_eq!(check::<HttpSdConfig>("{}", HttpSdConfig::validate).unwrap_err(), "url: URL is missing");
        let error = check::<HttpSdConfig>("url: ftp://example.org/targets", HttpSdConfig::validate).unwrap_err();
        assert!(error.contains("URL scheme must be 'http' or 'https'"), "{error}");
        let config = check::<HttpSdConfig>("url: https://sd.example.org/targets", HttpSdConfig::validate).unwrap();
        assert_eq!(config.refresh_interval, Duration::from_seconds(60));
    }

    #[test]
    fn static_targets_must_not_be_urls() {
        let discovery = ServiceDiscoveryConfigs {
            static_configs: vec![StaticConfig {
                targets: vec!["a:1".into(), "http://b:2/metrics".into()],
                labels: BTreeMap::new(),
            }],
            ..ServiceDiscoveryConfigs::default()
        };
        let invalid = discovery.check_static_targets().unwrap_err();
        assert_eq!(invalid.path.to_string(), "static_configs[0].targets[1]");
        assert_eq!(invalid.message, r#""http://b:2/metrics" is not a valid hostname"#);
    }

    #[test]
    fn target_group_files_are_json_or_yaml() {
        let groups = parse_target_groups(r#"[{"targets": ["a:9100"], "labels": {"env": "prod"}}]"#, "t.json").unwrap();
        assert_eq!(groups[0].targets, ["a:9100"]);
        assert_eq!(groups[0].labels.get("env").map(String::as_str), Some("prod"));
        assert!(parse_target_groups("- targets: [b:1]\n", "t.yml").is_ok());
        assert!(parse_target_groups("[]", "t.txt").unwrap_err().to_string().contains("invalid file extension"));
        assert!(parse_target_groups("- target: [b:1]\n", "t.yml").is_err());
    }

    #[test]
    fn label_values_are_read_as_text() {
        let group: StaticConfig =
            serde_saphyr::from_str("targets: [a:1]\nlabels: {port: 8080, canary: true, ratio: 0.5}").unwrap();
        let values: Vec<&str> = group.labels.values().map(String::as_str).collect();
        assert_eq!(values, ["true", "8080", "0.5"]);
        let error = serde_saphyr::from_str::<StaticConfig>("labels: {empty: null}").unwrap_err().to_string();
        assert!(error.contains("null"), "{error}");
    }

    #[test]
    fn star_patterns_allow_one_star_in_the_last_element() {
        assert!(is_valid_star_pattern("rules/*.yml"));
        assert!(is_valid_star_pattern("rules/a.yml"));
        assert!(!is_valid_star_pattern("*/a.yml"));
        assert!(is_valid_star_pattern("rules/*a*.yml"));
        assert!(!is_valid_star_pattern("rules/*/a.yml"));
    }
}
