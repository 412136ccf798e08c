//! Label names and the naming schemes of Prometheus 3.x: under the default `utf8`
//! validation scheme any non-empty UTF-8 string is a valid label name; under
//! `legacy` only `[a-zA-Z_][a-zA-Z0-9_]*` is (prometheus/common `model.ValidationScheme`).

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// How metric and label names are validated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum ValidationScheme {
    /// Any non-empty UTF-8 name (the Prometheus 3.x default).
    #[default]
    #[serde(rename = "utf8")]
    Utf8,
    /// Only `[a-zA-Z_][a-zA-Z0-9_]*` for label names (metric names may also hold `:`).
    #[serde(rename = "legacy")]
    Legacy,
}

impl ValidationScheme {
    pub fn is_valid_label_name(self, name: &str) -> bool {
        match self {
            ValidationScheme::Utf8 => !name.is_empty(),
            ValidationScheme::Legacy => is_legacy_label_name(name),
        }
    }

    pub fn is_valid_metric_name(self, name: &str) -> bool {
        match self {
            ValidationScheme::Utf8 => !name.is_empty(),
            ValidationScheme::Legacy => is_legacy_metric_name(name),
        }
    }
}

impl FromStr for ValidationScheme {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "utf8" => Ok(ValidationScheme::Utf8),
            "legacy" => Ok(ValidationScheme::Legacy),
            _ => Err(format!("unrecognized validation scheme {text:?}, must be \"utf8\" or \"legacy\"")),
        }
    }
}

impl fmt::Display for ValidationScheme {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            ValidationScheme::Utf8 => "utf8",
            ValidationScheme::Legacy => "legacy",
        })
    }
}

/// How names that are invalid under the legacy scheme are escaped when a scrape
/// negotiates content (`escaping=` in the Accept header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EscapingScheme {
    #[serde(rename = "allow-utf-8")]
    AllowUtf8,
    #[serde(rename = "underscores")]
    Underscores,
    #[serde(rename = "dots")]
    Dots,
    #[serde(rename = "values")]
    Values,
}

impl EscapingScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            EscapingScheme::AllowUtf8 => "allow-utf-8",
            EscapingScheme::Underscores => "underscores",
            EscapingScheme::Dots => "dots",
            EscapingScheme::Values => "values",
        }
    }

    /// The escaping a validation scheme implies when none is configured.
    pub fn implied_by(scheme: ValidationScheme) -> Self {
        match scheme {
            ValidationScheme::Utf8 => EscapingScheme::AllowUtf8,
            ValidationScheme::Legacy => EscapingScheme::Underscores,
        }
    }
}

impl FromStr for EscapingScheme {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "allow-utf-8" => Ok(EscapingScheme::AllowUtf8),
            "underscores" => Ok(EscapingScheme::Underscores),
            "dots" => Ok(EscapingScheme::Dots),
            "values" => Ok(EscapingScheme::Values),
            _ => Err(format!(
                "unknown name escaping method {text:?}, must be one of 'allow-utf-8', 'underscores', 'dots' or 'values'"
            )),
        }
    }
}

impl fmt::Display for EscapingScheme {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | b':'))
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b':')
}

/// A label name as written in the configuration: never empty. Whether it is also
/// valid under the legacy scheme is checked once the scheme is known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LabelName(String);

impl LabelName {
    pub fn new(name: impl Into<String>) -> Result<Self, String> {
        let name = name.into();
        if name.is_empty() {
            return Err("label name must not be empty".to_string());
        }
        Ok(LabelName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_valid(&self, scheme: ValidationScheme) -> bool {
        scheme.is_valid_label_name(&self.0)
    }
}

impl fmt::Display for LabelName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl Borrow<str> for LabelName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for LabelName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for LabelName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        LabelName::new(name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_names_follow_the_classic_pattern() {
        for name in ["job", "_private", "__address__", "a1_b2", "A"] {
            assert!(is_legacy_label_name(name), "{name}");
        }
        for name in ["", "1abc", "app.kubernetes.io/name", "a-b", "a:b", "é"] {
            assert!(!is_legacy_label_name(name), "{name}");
        }
        assert!(is_legacy_metric_name("http:requests:rate5m"));
        assert!(!is_legacy_metric_name("http.requests"));
    }

    #[test]
    fn utf8_scheme_accepts_any_non_empty_name() {
        let scheme = ValidationScheme::Utf8;
        assert!(scheme.is_valid_label_name("app.kubernetes.io/name"));
        assert!(scheme.is_valid_label_name("température"));
        assert!(!scheme.is_valid_label_name(""));
    }

    #[test]
    fn label_names_are_never_empty() {
        assert!(serde_saphyr::from_str::<LabelName>("\"\"").is_err());
        let name: LabelName = serde_saphyr::from_str("region").unwrap();
        assert_eq!(name.as_str(), "region");
    }

    #[test]
    fn schemes_parse_from_their_config_spelling() {
        assert_eq!("legacy".parse::<ValidationScheme>(), Ok(ValidationScheme::Legacy));
        assert!("UTF8".parse::<ValidationScheme>().is_err());
        assert_eq!("dots".parse::<EscapingScheme>(), Ok(EscapingScheme::Dots));
        assert_eq!(EscapingScheme::implied_by(ValidationScheme::Legacy), EscapingScheme::Underscores);
    }
}
