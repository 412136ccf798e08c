//! `scrape_configs`: one job's targets and how to scrape them, with the defaults of
//! upstream's `DefaultScrapeConfig` and the checks and inheritance from `global`
//! of `ScrapeConfig.Validate` in prometheus/config.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::byte_size::ByteSize;
use super::duration::Duration;
use super::error::{Invalid, Within, each};
use super::global::{
    DEFAULT_SCRAPE_PROTOCOLS, GlobalConfig, PROTO_FIRST_SCRAPE_PROTOCOLS, ScrapeProtocol, validate_scrape_protocols,
};
use super::inline::with_http_client;
use super::label::{EscapingScheme, ValidationScheme};
use super::relabel::RelabelConfig;
use super::serde_fields::{is_default, nullable, optional_displayed, optional_parsed, yes};

fn metrics_path() -> String {
    "/metrics".to_string()
}

fn http() -> String {
    "http".to_string()
}

with_http_client! {
    /// One scrape job. Fields left at zero inherit from `global` when the
    /// configuration is loaded, so consumers read final values.
    pub struct ScrapeConfig via ScrapeConfigFields (enable_http2 = true, discovery) {
        /// The `job` label of every target; unique across the configuration.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub job_name: String,
        /// Keep labels of scraped series that clash with target labels.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub honor_labels: bool,
        #[serde(default = "yes", deserialize_with = "nullable")]
        pub honor_timestamps: bool,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub track_timestamps_staleness: bool,
        /// URL query parameters of each scrape.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub params: BTreeMap<String, Vec<String>>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub scrape_interval: Duration,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub scrape_timeout: Duration,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub scrape_protocols: Option<Vec<ScrapeProtocol>>,
        /// Used when a target sends no or an unknown Content-Type.
        #[serde(
            default,
            deserialize_with = "optional_parsed",
            serialize_with = "optional_displayed",
            skip_serializing_if = "is_default"
        )]
        pub fallback_scrape_protocol: Option<ScrapeProtocol>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub scrape_native_histograms: Option<bool>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub always_scrape_classic_histograms: Option<bool>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub convert_classic_histograms_to_nhcb: Option<bool>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub scrape_failure_log_file: String,
        #[serde(default = "metrics_path", deserialize_with = "nullable")]
        pub metrics_path: String,
        /// `http` or `https`.
        #[serde(default = "http", deserialize_with = "nullable")]
        pub scheme: String,
        /// Ask targets for a compressed response.
        #[serde(default = "yes", deserialize_with = "nullable")]
        pub enable_compression: bool,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub body_size_limit: ByteSize,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub sample_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub target_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub label_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub label_name_length_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub label_value_length_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub native_histogram_bucket_limit: u64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub native_histogram_min_bucket_factor: f64,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub keep_dropped_targets: u64,
        #[serde(
            default,
            deserialize_with = "optional_parsed",
            serialize_with = "optional_displayed",
            skip_serializing_if = "is_default"
        )]
        pub metric_name_validation_scheme: Option<ValidationScheme>,
        #[serde(
            default,
            deserialize_with = "optional_parsed",
            serialize_with = "optional_displayed",
            skip_serializing_if = "is_default"
        )]
        pub metric_name_escaping_scheme: Option<EscapingScheme>,
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub extra_scrape_metrics: Option<bool>,
        /// Applied to discovered targets before scraping.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub relabel_configs: Vec<RelabelConfig>,
        /// Applied to scraped series before they are stored.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub metric_relabel_configs: Vec<RelabelConfig>,
    }
}

/// The file format of `scrape_config_files`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapeConfigsFile {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_configs: Vec<ScrapeConfig>,
}

impl ScrapeConfig {
    /// The validation scheme in force for this job (after loading, never unset).
    pub fn validation_scheme(&self) -> ValidationScheme {
        self.metric_name_validation_scheme.unwrap_or_default()
    }

    /// The protocols to offer, most preferred first (after loading, never empty).
    pub fn protocols(&self) -> &[ScrapeProtocol] {
        self.scrape_protocols.as_deref().unwrap_or(&DEFAULT_SCRAPE_PROTOCOLS)
    }

    pub fn native_histograms_enabled(&self) -> bool {
        self.scrape_native_histograms.unwrap_or(false)
    }

    pub fn always_scrape_classic_histograms_enabled(&self) -> bool {
        self.always_scrape_classic_histograms.unwrap_or(false)
    }

    pub fn convert_classic_histograms_to_nhcb_enabled(&self) -> bool {
        self.convert_classic_histograms_to_nhcb.unwrap_or(false)
    }

    pub fn extra_scrape_metrics_enabled(&self) -> bool {
        self.extra_scrape_metrics.unwrap_or(false)
    }

    /// Checks the job and fills every inherited field from `global`, as upstream's
    /// `Validate(globalConfig)`; `global` must already be resolved.
    pub(crate) fn resolve(&mut self, global: &GlobalConfig) -> Result<(), Invalid> {
        if self.job_name.is_empty() {
            return Err(Invalid::field("job_name", "job_name is empty"));
        }
        if !matches!(self.scheme.as_str(), "http" | "https") {
            return Err(Invalid::field(
                "scheme",
                format!("scheme must be \"http\" or \"https\", not {:?}", self.scheme),
            ));
        }
        self.http_client.validate()?;
        self.discovery.validate()?;
        if self.relabel_configs.is_empty() {
            self.discovery.check_static_targets()?;
        }
        self.resolve_timing(global)?;
        self.inherit_limits(global);
        self.resolve_protocols(global)?;
        self.resolve_names(global)?;
        let scheme = self.validation_scheme();
        each(&mut self.relabel_configs, |rule| rule.validate(scheme)).within("relabel_configs")?;
        each(&mut self.metric_relabel_configs, |rule| rule.validate(scheme)).within("metric_relabel_configs")
    }

    fn resolve_timing(&mut self, global: &GlobalConfig) -> Result<(), Invalid> {
        if self.scrape_interval.is_zero() {
            self.scrape_interval = global.scrape_interval;
        }
        if self.scrape_timeout > self.scrape_interval {
            let message = format!(
                "scrape timeout ({}) greater than scrape interval ({})",
                self.scrape_timeout, self.scrape_interval
            );
            return Err(Invalid::field("scrape_timeout", message));
        }
        if self.scrape_timeout.is_zero() {
            self.scrape_timeout = global.scrape_timeout.min(self.scrape_interval);
        }
        Ok(())
    }

    fn inherit_limits(&mut self, global: &GlobalConfig) {
        if self.body_size_limit.is_zero() {
            self.body_size_limit = global.body_size_limit;
        }
        let limits = [
            (&mut self.sample_limit, global.sample_limit),
            (&mut self.target_limit, global.target_limit),
            (&mut self.label_limit, global.label_limit),
            (&mut self.label_name_length_limit, global.label_name_length_limit),
            (&mut self.label_value_length_limit, global.label_value_length_limit),
            (&mut self.keep_dropped_targets, global.keep_dropped_targets),
        ];
        for (limit, inherited) in limits {
            if *limit == 0 {
                *limit = inherited;
            }
        }
        if self.scrape_failure_log_file.is_empty() {
            self.scrape_failure_log_file = global.scrape_failure_log_file.clone();
        }
        self.scrape_native_histograms.get_or_insert(global.scrape_native_histograms.unwrap_or(false));
        self.extra_scrape_metrics.get_or_insert(global.extra_scrape_metrics.unwrap_or(false));
        self.convert_classic_histograms_to_nhcb.get_or_insert(global.convert_classic_histograms_to_nhcb);
        self.always_scrape_classic_histograms.get_or_insert(global.always_scrape_classic_histograms);
    }

    /// Global protocols win; otherwise scraping native histograms prefers protobuf.
    fn resolve_protocols(&mut self, global: &GlobalConfig) -> Result<(), Invalid> {
        if self.scrape_protocols.is_none() {
            let protocols = match &global.scrape_protocols {
                Some(protocols) => protocols.clone(),
                None if self.native_histograms_enabled() => PROTO_FIRST_SCRAPE_PROTOCOLS.to_vec(),
                None => DEFAULT_SCRAPE_PROTOCOLS.to_vec(),
            };
            self.scrape_protocols = Some(protocols);
        }
        validate_scrape_protocols(self.protocols()).map_err(|message| Invalid::field("scrape_protocols", message))
    }

    /// A job without its own validation scheme takes the global scheme and escaping;
    /// a job that sets the scheme gets the escaping that scheme implies.
    fn resolve_names(&mut self, global: &GlobalConfig) -> Result<(), Invalid> {
        let inherited = self.metric_name_validation_scheme.is_none();
        let scheme = *self.metric_name_validation_scheme.get_or_insert(global.validation_scheme());
        let escaping = *self.metric_name_escaping_scheme.get_or_insert(if inherited {
            global.escaping_scheme()
        } else {
            EscapingScheme::implied_by(scheme)
        });
        if escaping == EscapingScheme::AllowUtf8 && scheme != ValidationScheme::Utf8 {
            return Err(Invalid::field(
                "metric_name_escaping_scheme",
                "utf8 metric names requested but validation scheme is not set to UTF8",
            ));
        }
        Ok(())
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        self.http_client.set_directory(directory);
        self.discovery.set_directory(directory);
        super::join_directory(directory, &mut self.scrape_failure_log_file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(yaml: &str) -> GlobalConfig {
        let mut global: GlobalConfig = serde_saphyr::from_str(yaml).unwrap();
        global.resolve().unwrap();
        global
    }

    fn resolve(yaml: &str, global_yaml: &str) -> Result<ScrapeConfig, String> {
        let mut config: ScrapeConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.resolve(&global(global_yaml)).map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn defaults_match_prometheus() {
        let config = resolve("job_name: node", "{}").unwrap();
        assert_eq!(config.metrics_path, "/metrics");
        assert_eq!(config.scheme, "http");
        assert!(config.honor_timestamps && !config.honor_labels && config.enable_compression);
        assert!(config.http_client.follow_redirects && config.http_client.enable_http2);
        assert_eq!(config.scrape_interval, Duration::from_minutes(1));
        assert_eq!(config.scrape_timeout, Duration::from_seconds(10));
        assert_eq!(config.protocols(), DEFAULT_SCRAPE_PROTOCOLS);
        assert_eq!(config.metric_name_escaping_scheme, Some(EscapingScheme::AllowUtf8));
    }

    #[test]
    fn inherits_global_values_when_unset() {
        let global_yaml = "scrape_interval: 15s\nscrape_timeout: 5s\nsample_limit: 1000\nbody_size_limit: 10MB\nscrape_protocols: [PrometheusText0.0.4]";
        let config = resolve("job_name: a\nsample_limit: 10", global_yaml).unwrap();
        assert_eq!(config.scrape_interval, Duration::from_seconds(15));
        assert_eq!(config.scrape_timeout, Duration::from_seconds(5));
        assert_eq!(config.sample_limit, 10);
        assert_eq!(config.body_size_limit, ByteSize::from_bytes(10 << 20));
        assert_eq!(config.protocols(), [ScrapeProtocol::PrometheusText0_0_4]);
        let config = resolve("job_name: a\nscrape_interval: 2s", global_yaml).unwrap();
        assert_eq!(config.scrape_timeout, Duration::from_seconds(2));
    }

    #[test]
    fn native_histograms_prefer_protobuf() {
        let config = resolve("job_name: a\nscrape_native_histograms: true", "{}").unwrap();
        assert_eq!(config.protocols()[0], ScrapeProtocol::PrometheusProto);
    }

    #[test]
    fn timeout_may_not_exceed_interval() {
        let error = resolve("job_name: a\nscrape_timeout: 2m", "{}").unwrap_err();
        assert_eq!(error, "scrape_timeout: scrape timeout (2m) greater than scrape interval (1m)");
    }

    #[test]
    fn job_name_scheme_and_targets_are_checked() {
        assert_eq!(resolve("scrape_interval: 1m", "{}").unwrap_err(), "job_name: job_name is empty");
        assert!(resolve("job_name: a\nscheme: ftp", "{}").unwrap_err().starts_with("scheme: scheme must be"));
        let error = resolve("job_name: a\nstatic_configs: [{targets: ['http://a/metrics']}]", "{}").unwrap_err();
        assert_eq!(error, r#"static_configs[0].targets[0]: "http://a/metrics" is not a valid hostname"#);
        let relabeled = "job_name: a\nstatic_configs: [{targets: ['http://a/metrics']}]\nrelabel_configs: [{target_label: x, replacement: y}]";
        assert!(resolve(relabeled, "{}").is_ok());
    }

    #[test]
    fn a_job_setting_legacy_names_gets_underscore_escaping() {
        let config = resolve("job_name: a\nmetric_name_validation_scheme: legacy", "{}").unwrap();
        assert_eq!(config.metric_name_escaping_scheme, Some(EscapingScheme::Underscores));
        let error = resolve(
            "job_name: a\nmetric_name_validation_scheme: legacy\nmetric_name_escaping_scheme: allow-utf-8",
            "{}",
        );
        assert!(error.unwrap_err().contains("validation scheme is not set to UTF8"));
    }

    #[test]
    fn relabel_rules_are_validated_with_the_jobs_scheme() {
        let yaml = "job_name: a\nmetric_name_validation_scheme: legacy\nmetric_relabel_configs:\n  - {target_label: a.b, replacement: x}";
        let error = resolve(yaml, "{}").unwrap_err();
        assert_eq!(
            error,
            r#"metric_relabel_configs[0].target_label: "a.b" is invalid 'target_label' for replace action"#
        );
    }

    #[test]
    fn inline_http_fields_land_in_http_client() {
        let yaml = "job_name: a\nbasic_auth: {username: u, password: p}\ntls_config: {server_name: s}\nproxy_url: http://proxy:3128";
        let config = resolve(yaml, "{}").unwrap();
        assert_eq!(config.http_client.basic_auth.unwrap().password.expose(), "p");
        assert_eq!(config.http_client.tls_config.server_name, "s");
        assert_eq!(config.http_client.proxy.proxy_url.unwrap().host(), "proxy:3128");
    }
}
