//! The whole `prometheus.yml`: reading it from a file or a string, applying
//! defaults and inheritance, and making file names relative to the config file,
//! as `config.Load` and `config.LoadFile` in prometheus/config.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::alerting::AlertingConfig;
use super::error::Error;
use super::global::{GlobalConfig, RuntimeConfig};
use super::otlp::OtlpConfig;
use super::remote::{RemoteReadConfig, RemoteWriteConfig};
use super::scrape::ScrapeConfig;
use super::serde_fields::{is_default, nullable};
use super::source::Source;
use super::storage::StorageConfig;
use super::tracing::TracingConfig;
use super::validate::validate;

/// A loaded configuration. After [`Config::load`] or [`Config::parse`] every
/// inherited value is filled in and every check has passed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub global: GlobalConfig,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub runtime: RuntimeConfig,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub alerting: AlertingConfig,
    /// Rule file patterns, for the rules component to expand and read.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub rule_files: Vec<String>,
    /// Patterns of files holding more `scrape_configs`; see [`Config::all_scrape_configs`].
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_config_files: Vec<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_configs: Vec<ScrapeConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub storage: StorageConfig,
    /// Present only when the file has a `tracing` section.
    #[serde(default, skip_serializing_if = "is_default")]
    pub tracing: Option<TracingConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub remote_write: Vec<RemoteWriteConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub remote_read: Vec<RemoteReadConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub otlp: OtlpConfig,
}

impl Default for Config {
    /// What an empty file loads as.
    fn default() -> Self {
        Config::parse("", "<default>").expect("an empty configuration is valid")
    }
}

impl Config {
    /// Reads and checks a configuration file; relative file names in it (rule
    /// files, TLS files, `file_sd_configs`, …) become relative to its directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let mut config = Config::parse(&text, path)?;
        config.set_directory(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Parses and checks configuration text; `file` only names it in errors.
    /// File names are left as written.
    pub fn parse(text: &str, file: impl AsRef<Path>) -> Result<Config, Error> {
        Config::parse_with_environment(text, file, |name| std::env::var(name).ok())
    }

    /// Like [`Config::parse`], with `lookup` supplying environment variables for
    /// `$VAR` references in external labels.
    pub(crate) fn parse_with_environment(
        text: &str,
        file: impl AsRef<Path>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        let source = Source::new(file.as_ref().display().to_string(), text);
        let mut config = source.parse::<Option<Config>>()?.unwrap_or_else(empty);
        config.global.expand_external_labels(lookup);
        validate(&mut config).map_err(|invalid| source.invalid(invalid))?;
        Ok(config)
    }

    /// The configuration as YAML, with secrets and URL passwords hidden (what
    /// `/api/v1/status/config` shows).
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_else(|error| format!("# cannot print configuration: {error}\n"))
    }

    fn set_directory(&mut self, directory: &Path) {
        self.global.set_directory(directory);
        self.alerting.set_directory(directory);
        if let Some(tracing) = &mut self.tracing {
            tracing.set_directory(directory);
        }
        for file in self.rule_files.iter_mut().chain(&mut self.scrape_config_files) {
            super::join_directory(directory, file);
        }
        for scrape in &mut self.scrape_configs {
            scrape.set_directory(directory);
        }
        for remote in &mut self.remote_write {
            remote.http_client.set_directory(directory);
        }
        for remote in &mut self.remote_read {
            remote.http_client.set_directory(directory);
        }
    }
}

/// The sections of an empty file, before defaults that depend on each other.
fn empty() -> Config {
    serde_saphyr::from_str("{}").expect("an empty mapping deserializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Duration;

    #[test]
    fn empty_and_null_documents_load_defaults() {
        for text in ["", "---\n", "~\n", "global:\nrule_files:\nscrape_configs:\n"] {
            let config = Config::parse(text, "empty.yml").unwrap();
            assert_eq!(config.global.scrape_interval, Duration::from_minutes(1), "{text:?}");
            assert_eq!(config.global.scrape_timeout, Duration::from_seconds(10), "{text:?}");
            assert!(config.scrape_configs.is_empty());
        }
        assert_eq!(Config::default(), Config::parse("", "x").unwrap());
    }

    #[test]
    fn external_labels_expand_environment_variables() {
        let text = "global:\n  external_labels:\n    region: ${REGION}\n    price: 5$$\n";
        let config =
            Config::parse_with_environment(text, "p.yml", |name| (name == "REGION").then(|| "eu-1".to_string()))
                .unwrap();
        assert_eq!(config.global.external_labels.get("region").map(String::as_str), Some("eu-1"));
        assert_eq!(config.global.external_labels.get("price").map(String::as_str), Some("5$"));
    }

    #[test]
    fn load_resolves_file_names_against_the_config_directory() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("prometheus.yml");
        let text = "rule_files: [rules/*.yml, /abs/x.yml]\nscrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [targets/*.json]}]\n";
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let base = directory.path().display().to_string();
        assert_eq!(config.rule_files, [format!("{base}/rules/*.yml"), "/abs/x.yml".to_string()]);
        assert_eq!(config.scrape_configs[0].discovery.file_sd_configs[0].files, [format!("{base}/targets/*.json")]);
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let error = Config::load("/nonexistent/prometheus.yml").unwrap_err();
        assert!(matches!(error, Error::Read { .. }));
        assert!(error.to_string().starts_with("cannot read /nonexistent/prometheus.yml: "), "{error}");
    }

    #[test]
    fn printing_hides_secrets_and_parses_back() {
        let text = "scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: hunter2}\n    static_configs: [{targets: ['h:1'], labels: {env: prod}}]\n";
        let config = Config::parse(text, "p.yml").unwrap();
        let yaml = config.to_yaml();
        assert!(!yaml.contains("hunter2") && yaml.contains("<secret>"), "{yaml}");
        let reparsed = Config::parse(&yaml, "printed.yml").unwrap();
        let mut expected = config.clone();
        expected.scrape_configs[0].http_client.basic_auth.as_mut().unwrap().password =
            crate::config::Secret::new("<secret>");
        assert_eq!(reparsed, expected);
    }
}
