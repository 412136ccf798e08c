//! The `alerting` section: relabeling of outgoing alerts and the Alertmanagers to
//! send them to, with the defaults and checks of `AlertmanagerConfig` in
//! prometheus/config (only API v2 exists in Prometheus 3.x).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::duration::Duration;
use super::error::{Invalid, Within, each};
use super::inline::with_http_client;
use super::label::ValidationScheme;
use super::relabel::RelabelConfig;
use super::serde_fields::{is_default, nullable};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertingConfig {
    /// Applied to every alert before it is sent to any Alertmanager.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub alert_relabel_configs: Vec<RelabelConfig>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub alertmanagers: Vec<AlertmanagerConfig>,
}

fn http() -> String {
    "http".to_string()
}

fn ten_seconds() -> Duration {
    Duration::from_seconds(10)
}

fn version_2() -> String {
    "v2".to_string()
}

with_http_client! {
    /// A set of Alertmanagers, found like scrape targets, that receive alerts.
    pub struct AlertmanagerConfig via AlertmanagerFields (enable_http2 = true, discovery) {
        #[serde(default = "http", deserialize_with = "nullable")]
        pub scheme: String,
        /// Put in front of the API path, for Alertmanagers behind a prefix.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub path_prefix: String,
        /// How long a push of alerts may take.
        #[serde(default = "ten_seconds", deserialize_with = "nullable")]
        pub timeout: Duration,
        /// Only `v2` is supported.
        #[serde(default = "version_2", deserialize_with = "nullable")]
        pub api_version: String,
        /// Applied to discovered Alertmanagers.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub relabel_configs: Vec<RelabelConfig>,
        /// Applied to alerts sent to these Alertmanagers only.
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        pub alert_relabel_configs: Vec<RelabelConfig>,
    }
}

impl AlertingConfig {
    pub(crate) fn validate(&mut self, scheme: ValidationScheme) -> Result<(), Invalid> {
        each(&mut self.alert_relabel_configs, |rule| rule.validate(scheme)).within("alert_relabel_configs")?;
        each(&mut self.alertmanagers, |alertmanager| alertmanager.validate(scheme)).within("alertmanagers")
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        for alertmanager in &mut self.alertmanagers {
            alertmanager.http_client.set_directory(directory);
            alertmanager.discovery.set_directory(directory);
        }
    }
}

impl AlertmanagerConfig {
    fn validate(&mut self, scheme: ValidationScheme) -> Result<(), Invalid> {
        if self.api_version != "v2" {
            let message = format!("expected Alertmanager api version to be one of [v2] but got {}", self.api_version);
            return Err(Invalid::field("api_version", message));
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
        each(&mut self.relabel_configs, |rule| rule.validate(scheme)).within("relabel_configs")?;
        each(&mut self.alert_relabel_configs, |rule| rule.validate(scheme)).within("alert_relabel_configs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<AlertingConfig, String> {
        let mut config: AlertingConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.validate(ValidationScheme::Utf8).map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn defaults_match_prometheus() {
        let config = check("alertmanagers:\n  - static_configs: [{targets: ['am:9093']}]").unwrap();
        let alertmanager = &config.alertmanagers[0];
        assert_eq!(alertmanager.scheme, "http");
        assert_eq!(alertmanager.timeout, Duration::from_seconds(10));
        assert_eq!(alertmanager.api_version, "v2");
        assert_eq!(alertmanager.discovery.static_configs[0].targets, ["am:9093"]);
    }

    #[test]
    fn only_api_v2_is_supported() {
        let error = check("alertmanagers:\n  - api_version: v1").unwrap_err();
        assert_eq!(
            error,
            "alertmanagers[0].api_version: expected Alertmanager api version to be one of [v2] but got v1"
        );
    }

    #[test]
    fn relabel_rules_are_validated() {
        let error = check("alert_relabel_configs:\n  - action: hashmod\n    target_label: x").unwrap_err();
        assert_eq!(
            error,
            "alert_relabel_configs[0].modulus: relabel configuration for hashmod requires non-zero modulus"
        );
    }

    #[test]
    fn null_alertmanager_entries_are_rejected() {
        assert!(check("alertmanagers:\n  -\n").unwrap_err().contains("empty or null section"));
    }
}
