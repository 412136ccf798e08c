//! alertmanager.yml as Alertmanager 0.25+ reads it (config/config.go):
//! strict decoding (an unknown field is an error), upstream's defaults, its
//! checks with its wording, and values inherited from `global` filled into
//! receivers. Errors name the file, the position and the field, as the rest
//! of Sonde's configuration does. Secrets print as `<secret>`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config_global::GlobalConfig;
use super::config_receiver::Receiver;
use super::config_route::{InhibitRule, RouteConfig};
use super::config_validate::validate;
use super::route::RouteOptions;
use super::timeinterval::{TimeInterval, any_contains_time};
use crate::config::{Error, Source, is_default, nullable};

/// A loaded configuration: every check has passed and every inherited value
/// is filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub global: GlobalConfig,
    pub route: RouteConfig,
    #[serde(skip_serializing_if = "is_default")]
    pub inhibit_rules: Vec<InhibitRule>,
    #[serde(skip_serializing_if = "is_default")]
    pub receivers: Vec<Receiver>,
    /// Template file patterns; relative ones are made relative to the
    /// configuration file's directory by [`Config::load`].
    pub templates: Vec<String>,
    /// Deprecated upstream in favour of `time_intervals`; same meaning.
    #[serde(skip_serializing_if = "is_default")]
    pub mute_time_intervals: Vec<NamedTimeInterval>,
    #[serde(skip_serializing_if = "is_default")]
    pub time_intervals: Vec<NamedTimeInterval>,
}

/// The file as written, before the checks that need all of it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default, deserialize_with = "nullable")]
    pub(super) global: GlobalConfig,
    #[serde(default)]
    pub(super) route: Option<RouteConfig>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) inhibit_rules: Vec<InhibitRule>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) receivers: Vec<Receiver>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) templates: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) mute_time_intervals: Vec<NamedTimeInterval>,
    #[serde(default, deserialize_with = "nullable")]
    pub(super) time_intervals: Vec<NamedTimeInterval>,
}

/// Time intervals under a name that routes refer to.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTimeInterval {
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub time_intervals: Vec<TimeInterval>,
}

impl Config {
    /// Reads and checks a configuration file; relative template patterns and
    /// HTTP client files become relative to its directory, as upstream's
    /// `LoadFile` makes them.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let mut config = Config::parse(&text, path)?;
        config.set_directory(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Parses and checks configuration text; `file` only names it in errors.
    pub fn parse(text: &str, file: impl AsRef<Path>) -> Result<Config, Error> {
        let source = Source::new(file.as_ref().display().to_string(), text);
        let raw = source.parse::<Option<RawConfig>>()?;
        validate(raw).map_err(|invalid| source.invalid(invalid))
    }

    /// The configuration as YAML with secrets hidden, as `/api/v2/status` shows it.
    pub fn to_yaml(&self) -> String {
        serde_saphyr::to_string(self).unwrap_or_else(|error| format!("# cannot print configuration: {error}\n"))
    }

    /// The receiver named `name`.
    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|receiver| receiver.name == name)
    }

    /// The intervals named `name`, from `time_intervals` or the deprecated
    /// `mute_time_intervals`.
    pub fn time_interval(&self, name: &str) -> Option<&[TimeInterval]> {
        let mut named = self.mute_time_intervals.iter().chain(&self.time_intervals);
        named.find(|interval| interval.name == name).map(|interval| interval.time_intervals.as_slice())
    }

    /// Whether a route's notifications are held back at this instant: one of
    /// its mute intervals contains it, or it has active intervals and none
    /// does (upstream's time mute and time active stages).
    pub fn is_route_muted(&self, options: &RouteOptions, unix_ms: i64) -> bool {
        let contains =
            |name: &String| self.time_interval(name).is_some_and(|intervals| any_contains_time(intervals, unix_ms));
        let muted = options.mute_time_intervals.iter().any(contains);
        let inactive = !options.active_time_intervals.is_empty() && !options.active_time_intervals.iter().any(contains);
        muted || inactive
    }

    fn set_directory(&mut self, directory: &Path) {
        if directory.as_os_str().is_empty() {
            return;
        }
        for template in &mut self.templates {
            if !template.is_empty() && !Path::new(template.as_str()).is_absolute() {
                *template = directory.join(template.as_str()).display().to_string();
            }
        }
        self.global.http_config.set_directory(directory);
        for receiver in &mut self.receivers {
            let http_configs = receiver
                .webhook_configs
                .iter_mut()
                .map(|config| &mut config.http_config)
                .chain(receiver.slack_configs.iter_mut().map(|config| &mut config.http_config))
                .chain(receiver.pagerduty_configs.iter_mut().map(|config| &mut config.http_config))
                .chain(receiver.telegram_configs.iter_mut().map(|config| &mut config.http_config));
            for http_config in http_configs.flatten() {
                http_config.set_directory(directory);
            }
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
