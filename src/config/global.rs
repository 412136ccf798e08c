//! The `global` and `runtime` sections, with Prometheus' defaults and the checks of
//! `GlobalConfig.UnmarshalYAML` in prometheus/config, plus the scrape protocols that
//! global and per-job settings negotiate.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::byte_size::ByteSize;
use super::duration::Duration;
use super::error::Invalid;
use super::label::{EscapingScheme, LabelName, ValidationScheme};
use super::serde_fields::{is_default, nullable, optional_displayed, optional_parsed};

/// An exposition format a scrape may ask for, most preferred first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrapeProtocol {
    PrometheusProto,
    PrometheusText0_0_4,
    PrometheusText1_0_0,
    OpenMetricsText0_0_1,
    OpenMetricsText1_0_0,
}

const PROTOCOLS: [(&str, ScrapeProtocol, &str); 5] = [
    ("OpenMetricsText0.0.1", ScrapeProtocol::OpenMetricsText0_0_1, "application/openmetrics-text;version=0.0.1"),
    ("OpenMetricsText1.0.0", ScrapeProtocol::OpenMetricsText1_0_0, "application/openmetrics-text;version=1.0.0"),
    (
        "PrometheusProto",
        ScrapeProtocol::PrometheusProto,
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    ),
    ("PrometheusText0.0.4", ScrapeProtocol::PrometheusText0_0_4, "text/plain;version=0.0.4"),
    ("PrometheusText1.0.0", ScrapeProtocol::PrometheusText1_0_0, "text/plain;version=1.0.0"),
];

/// Upstream's `DefaultScrapeProtocols`.
pub const DEFAULT_SCRAPE_PROTOCOLS: [ScrapeProtocol; 4] = [
    ScrapeProtocol::OpenMetricsText1_0_0,
    ScrapeProtocol::OpenMetricsText0_0_1,
    ScrapeProtocol::PrometheusText1_0_0,
    ScrapeProtocol::PrometheusText0_0_4,
];

/// Upstream's `DefaultProtoFirstScrapeProtocols`, used when native histograms are scraped.
pub const PROTO_FIRST_SCRAPE_PROTOCOLS: [ScrapeProtocol; 5] = [
    ScrapeProtocol::PrometheusProto,
    ScrapeProtocol::OpenMetricsText1_0_0,
    ScrapeProtocol::OpenMetricsText0_0_1,
    ScrapeProtocol::PrometheusText1_0_0,
    ScrapeProtocol::PrometheusText0_0_4,
];

impl ScrapeProtocol {
    pub fn as_str(self) -> &'static str {
        PROTOCOLS.iter().find(|(_, protocol, _)| *protocol == self).map_or("", |(name, _, _)| name)
    }

    /// The media type (with parameters) to put in the Accept header.
    pub fn media_type(self) -> &'static str {
        PROTOCOLS.iter().find(|(_, protocol, _)| *protocol == self).map_or("", |(_, _, media)| media)
    }
}

impl FromStr for ScrapeProtocol {
    type Err = String;

    /// Case-sensitive, as upstream.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        PROTOCOLS.iter().find(|(name, _, _)| *name == text).map(|(_, protocol, _)| *protocol).ok_or_else(|| {
            let names: Vec<&str> = PROTOCOLS.iter().map(|(name, _, _)| *name).collect();
            format!("unknown scrape protocol {text}, supported: [{}]", names.join(" "))
        })
    }
}

impl fmt::Display for ScrapeProtocol {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for ScrapeProtocol {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ScrapeProtocol {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::serde_fields::parsed(deserializer)
    }
}

/// Upstream's `validateAcceptScrapeProtocols`.
pub(crate) fn validate_scrape_protocols(protocols: &[ScrapeProtocol]) -> Result<(), String> {
    if protocols.is_empty() {
        return Err("scrape_protocols cannot be empty".to_string());
    }
    for (index, protocol) in protocols.iter().enumerate() {
        if protocols[..index].contains(protocol) {
            let names: Vec<&str> = protocols.iter().map(|protocol| protocol.as_str()).collect();
            return Err(format!("duplicated protocol in scrape_protocols, got [{}]", names.join(" ")));
        }
    }
    Ok(())
}

fn one_minute() -> Duration {
    Duration::from_minutes(1)
}

/// Settings that apply everywhere and serve as defaults for scrape configs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalConfig {
    /// How often to scrape by default; `1m`.
    #[serde(default = "one_minute", deserialize_with = "nullable")]
    pub scrape_interval: Duration,
    /// `10s`, or the scrape interval when that is shorter.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_timeout: Duration,
    /// Unset means: chosen per scrape config from its native histogram setting.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_protocols: Option<Vec<ScrapeProtocol>>,
    /// How often to evaluate rules by default; `1m`.
    #[serde(default = "one_minute", deserialize_with = "nullable")]
    pub evaluation_interval: Duration,
    /// How far into the past rule evaluations query by default.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub rule_query_offset: Duration,
    /// Labels added to series and alerts sent to external systems; `$VAR` and
    /// `${VAR}` in values are replaced from the environment when loading.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub external_labels: BTreeMap<LabelName, String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub query_log_file: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_failure_log_file: String,
    /// Zero means no limit, for this and the limits below.
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
    pub keep_dropped_targets: u64,
    /// `utf8` unless set to `legacy`.
    #[serde(
        default,
        deserialize_with = "optional_parsed",
        serialize_with = "optional_displayed",
        skip_serializing_if = "is_default"
    )]
    pub metric_name_validation_scheme: Option<ValidationScheme>,
    /// Implied by the validation scheme when not set.
    #[serde(
        default,
        deserialize_with = "optional_parsed",
        serialize_with = "optional_displayed",
        skip_serializing_if = "is_default"
    )]
    pub metric_name_escaping_scheme: Option<EscapingScheme>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub scrape_native_histograms: Option<bool>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub convert_classic_histograms_to_nhcb: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub always_scrape_classic_histograms: bool,
    /// Store `scrape_timeout_seconds`, `scrape_sample_limit` and `scrape_body_size_bytes`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub extra_scrape_metrics: Option<bool>,
}

impl Default for GlobalConfig {
    /// An empty `global` section with its defaults applied.
    fn default() -> Self {
        let mut global: GlobalConfig = serde_saphyr::from_str("{}").expect("an empty global section deserializes");
        global.resolve().expect("the default global section is valid");
        global
    }
}

impl GlobalConfig {
    /// The validation scheme in force once defaults are applied.
    pub fn validation_scheme(&self) -> ValidationScheme {
        self.metric_name_validation_scheme.unwrap_or_default()
    }

    /// The escaping scheme in force once defaults are applied.
    pub fn escaping_scheme(&self) -> EscapingScheme {
        self.metric_name_escaping_scheme.unwrap_or_else(|| EscapingScheme::implied_by(self.validation_scheme()))
    }

    /// Fills in defaults that depend on other fields and checks the section.
    pub(crate) fn resolve(&mut self) -> Result<(), Invalid> {
        if self.scrape_interval.is_zero() {
            self.scrape_interval = one_minute();
        }
        if self.scrape_timeout > self.scrape_interval {
            return Err(Invalid::field("scrape_timeout", "global scrape timeout greater than scrape interval"));
        }
        if self.scrape_timeout.is_zero() {
            self.scrape_timeout = Duration::from_seconds(10).min(self.scrape_interval);
        }
        if self.evaluation_interval.is_zero() {
            self.evaluation_interval = one_minute();
        }
        self.metric_name_validation_scheme.get_or_insert_default();
        self.metric_name_escaping_scheme = Some(self.escaping_scheme());
        self.scrape_native_histograms.get_or_insert(false);
        self.extra_scrape_metrics.get_or_insert(false);
        if let Some(protocols) = &self.scrape_protocols {
            validate_scrape_protocols(protocols).map_err(|message| Invalid::field("scrape_protocols", message))?;
        }
        self.validate_external_labels()
    }

    fn validate_external_labels(&self) -> Result<(), Invalid> {
        let scheme = self.validation_scheme();
        match self.external_labels.keys().find(|name| !name.is_valid(scheme)) {
            Some(name) => Err(Invalid::new(format!("{:?} is not a valid label name", name.as_str()))
                .within(name.as_str())
                .within("external_labels")),
            None => Ok(()),
        }
    }

    /// Replaces `$VAR`, `${VAR}` and `$$` in external label values, as upstream
    /// does with Go's `os.Expand`; unset variables become empty.
    pub(crate) fn expand_external_labels(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for value in self.external_labels.values_mut() {
            *value = expand_variables(value, &lookup);
        }
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        super::join_directory(directory, &mut self.query_log_file);
        super::join_directory(directory, &mut self.scrape_failure_log_file);
    }
}

/// Go's `os.Expand` with `$$` kept as a literal `$`.
fn expand_variables(text: &str, lookup: &impl Fn(&str) -> Option<String>) -> String {
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        expanded.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let (name, consumed) = variable_name(after);
        match name {
            Some("$") => expanded.push('$'),
            Some(name) => expanded.push_str(&lookup(name).unwrap_or_default()),
            // A `$` not followed by a name stays; a malformed `${…` is dropped.
            None if consumed == 0 => expanded.push('$'),
            None => {}
        }
        rest = &after[consumed..];
    }
    expanded.push_str(rest);
    expanded
}

/// The variable name after a `$` and how many bytes it spans, like Go's `getShellName`.
fn variable_name(text: &str) -> (Option<&str>, usize) {
    let bytes = text.as_bytes();
    match bytes.first() {
        None => (None, 0),
        Some(b'{') => match text.find('}') {
            Some(1) | None => (None, if bytes.len() > 1 && bytes[1] == b'}' { 2 } else { 1 }),
            Some(end) => (Some(&text[1..end]), end + 1),
        },
        Some(byte) if b"*#$@!?-".contains(byte) || byte.is_ascii_digit() => (Some(&text[..1]), 1),
        Some(_) => {
            let length = bytes.iter().take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_').count();
            if length == 0 { (None, 0) } else { (Some(&text[..length]), length) }
        }
    }
}

/// The `runtime` section. Sonde reads it for compatibility; `gogc` tunes Go's
/// garbage collector and has no effect on Sonde.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    #[serde(default = "default_gogc", deserialize_with = "nullable")]
    pub gogc: i64,
}

fn default_gogc() -> i64 {
    75
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig { gogc: default_gogc() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(yaml: &str) -> Result<GlobalConfig, String> {
        let mut global: GlobalConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        global.resolve().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(global)
    }

    #[test]
    fn defaults_match_prometheus() {
        let global = resolved("{}").unwrap();
        assert_eq!(global.scrape_interval, Duration::from_minutes(1));
        assert_eq!(global.scrape_timeout, Duration::from_seconds(10));
        assert_eq!(global.evaluation_interval, Duration::from_minutes(1));
        assert_eq!(global.metric_name_validation_scheme, Some(ValidationScheme::Utf8));
        assert_eq!(global.metric_name_escaping_scheme, Some(EscapingScheme::AllowUtf8));
        assert_eq!(global.scrape_protocols, None);
        assert_eq!(global.scrape_native_histograms, Some(false));
    }

    #[test]
    fn timeout_follows_a_short_interval_and_may_not_exceed_it() {
        assert_eq!(resolved("scrape_interval: 5s").unwrap().scrape_timeout, Duration::from_seconds(5));
        let error = resolved("scrape_interval: 5s\nscrape_timeout: 6s").unwrap_err();
        assert_eq!(error, "scrape_timeout: global scrape timeout greater than scrape interval");
    }

    #[test]
    fn legacy_scheme_implies_underscore_escaping_and_checks_external_labels() {
        let global = resolved("metric_name_validation_scheme: legacy").unwrap();
        assert_eq!(global.metric_name_escaping_scheme, Some(EscapingScheme::Underscores));
        let error = resolved("metric_name_validation_scheme: legacy\nexternal_labels: {cluster.name: a}").unwrap_err();
        assert_eq!(error, r#"external_labels["cluster.name"]: "cluster.name" is not a valid label name"#);
        assert!(resolved("external_labels: {cluster.name: a}").is_ok());
    }

    #[test]
    fn scrape_protocols_are_checked() {
        assert!(resolved("scrape_protocols: []").unwrap_err().contains("scrape_protocols cannot be empty"));
        assert!(
            resolved("scrape_protocols: [PrometheusProto, PrometheusProto]")
                .unwrap_err()
                .contains("duplicated protocol")
        );
        let error =
            serde_saphyr::from_str::<GlobalConfig>("scrape_protocols: [prometheusproto]").unwrap_err().to_string();
        assert!(error.contains("unknown scrape protocol prometheusproto, supported: [OpenMetricsText0.0.1"), "{error}");
    }

    #[test]
    fn expands_environment_variables_like_go() {
        let lookup = |name: &str| match name {
            "REGION" => Some("eu-1".to_string()),
            "1" => Some("one".to_string()),
            _ => None,
        };
        let cases = [
            ("$REGION", "eu-1"),
            ("${REGION}-a", "eu-1-a"),
            ("$$REGION", "$REGION"),
            ("$UNSET!", "!"),
            ("cost: 5$", "cost: 5$"),
            ("a $ b", "a $ b"),
            ("${}x", "x"),
            ("$1x", "onex"),
            ("${REGION", "REGION"),
        ];
        for (text, expected) in cases {
            assert_eq!(expand_variables(text, &lookup), expected, "{text}");
        }
    }
}
