//! The `otlp` section: how the OTLP receiver turns resource attributes and metric
//! names into labels, with the defaults and checks of `OTLPConfig` in prometheus/config.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::Invalid;
use super::label::ValidationScheme;
use super::serde_fields::{displayed, is_default, nullable, parsed, yes};

/// How OTLP metric and attribute names become Prometheus names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TranslationStrategy {
    /// Escape to legacy names and add unit and type suffixes (`_seconds_total`).
    #[default]
    UnderscoreEscapingWithSuffixes,
    UnderscoreEscapingWithoutSuffixes,
    /// Keep UTF-8 names, add suffixes.
    NoUtf8EscapingWithSuffixes,
    /// Keep names exactly as sent.
    NoTranslation,
}

const STRATEGIES: [(&str, TranslationStrategy); 4] = [
    ("UnderscoreEscapingWithSuffixes", TranslationStrategy::UnderscoreEscapingWithSuffixes),
    ("UnderscoreEscapingWithoutSuffixes", TranslationStrategy::UnderscoreEscapingWithoutSuffixes),
    ("NoUTF8EscapingWithSuffixes", TranslationStrategy::NoUtf8EscapingWithSuffixes),
    ("NoTranslation", TranslationStrategy::NoTranslation),
];

impl FromStr for TranslationStrategy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        STRATEGIES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, strategy)| *strategy)
            .ok_or_else(|| format!("unsupported OTLP translation strategy {text:?}"))
    }
}

impl fmt::Display for TranslationStrategy {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = STRATEGIES.iter().find(|(_, strategy)| strategy == self).map_or("", |(name, _)| name);
        formatter.write_str(name)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpConfig {
    /// Turn every resource attribute into a label (except the ignored ones).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub promote_all_resource_attributes: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub promote_resource_attributes: Vec<String>,
    /// Only with `promote_all_resource_attributes`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub ignore_resource_attributes: Vec<String>,
    #[serde(default, deserialize_with = "parsed", serialize_with = "displayed", skip_serializing_if = "is_default")]
    pub translation_strategy: TranslationStrategy,
    /// Also keep `service.name`, `service.namespace` and `service.instance.id` on `target_info`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub keep_identifying_resource_attributes: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub convert_histograms_to_nhcb: bool,
    /// Add the instrumentation scope's name, version and attributes as labels.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub promote_scope_metadata: bool,
    /// Prefix labels that start with a single `_` with `key`, when escaping.
    #[serde(default = "yes", deserialize_with = "nullable")]
    pub label_name_underscore_sanitization: bool,
    /// Keep runs of `_` in label names when escaping.
    #[serde(default = "yes", deserialize_with = "nullable")]
    pub label_name_preserve_multiple_underscores: bool,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        serde_saphyr::from_str("{}").expect("an empty otlp section is valid")
    }
}

impl OtlpConfig {
    /// Trims the attribute lists and checks them, and that a strategy keeping
    /// UTF-8 names is not combined with legacy name validation.
    pub(crate) fn validate(&mut self, scheme: ValidationScheme) -> Result<(), Invalid> {
        if self.promote_all_resource_attributes {
            if !self.promote_resource_attributes.is_empty() {
                return Err(Invalid::new(
                    "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously",
                ));
            }
            sanitize_attributes(&mut self.ignore_resource_attributes, "ignored")
                .map_err(|message| Invalid::field("ignore_resource_attributes", message))?;
        } else {
            if !self.ignore_resource_attributes.is_empty() {
                return Err(Invalid::field(
                    "ignore_resource_attributes",
                    "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true",
                ));
            }
            sanitize_attributes(&mut self.promote_resource_attributes, "promoted")
                .map_err(|message| Invalid::field("promote_resource_attributes", message))?;
        }
        let keeps_utf8 = matches!(
            self.translation_strategy,
            TranslationStrategy::NoTranslation | TranslationStrategy::NoUtf8EscapingWithSuffixes
        );
        if keeps_utf8 && scheme == ValidationScheme::Legacy {
            let message = format!(
                "OTLP translation strategy {:?} is not allowed when UTF8 is disabled",
                self.translation_strategy.to_string()
            );
            return Err(Invalid::field("translation_strategy", message));
        }
        Ok(())
    }
}

fn sanitize_attributes(attributes: &mut [String], adjective: &str) -> Result<(), String> {
    for index in 0..attributes.len() {
        let trimmed = attributes[index].trim().to_string();
        if trimmed.is_empty() {
            return Err(format!("empty {adjective} OTel resource attribute"));
        }
        if attributes[..index].contains(&trimmed) {
            return Err(format!("duplicated {adjective} OTel resource attribute {trimmed:?}"));
        }
        attributes[index] = trimmed;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str, scheme: ValidationScheme) -> Result<OtlpConfig, String> {
        let mut config: OtlpConfig = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        config.validate(scheme).map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn defaults_match_prometheus() {
        let config = OtlpConfig::default();
        assert_eq!(config.translation_strategy, TranslationStrategy::UnderscoreEscapingWithSuffixes);
        assert!(config.label_name_underscore_sanitization && config.label_name_preserve_multiple_underscores);
    }

    #[test]
    fn attribute_lists_are_trimmed_and_checked() {
        let config =
            check("promote_resource_attributes: [' service.name ', k8s.pod.name]", ValidationScheme::Utf8).unwrap();
        assert_eq!(config.promote_resource_attributes, ["service.name", "k8s.pod.name"]);
        let error = check("promote_resource_attributes: [a, ' a']", ValidationScheme::Utf8).unwrap_err();
        assert!(error.contains(r#"duplicated promoted OTel resource attribute "a""#), "{error}");
        assert!(
            check("ignore_resource_attributes: [a]", ValidationScheme::Utf8)
                .unwrap_err()
                .contains("cannot be configured unless")
        );
        let both = "promote_all_resource_attributes: true\npromote_resource_attributes: [a]";
        assert!(check(both, ValidationScheme::Utf8).unwrap_err().contains("simultaneously"));
    }

    #[test]
    fn utf8_strategies_need_utf8_names() {
        assert!(
            check("translation_strategy: NoTranslation", ValidationScheme::Legacy)
                .unwrap_err()
                .contains("not allowed when UTF8 is disabled")
        );
        assert!(check("translation_strategy: NoTranslation", ValidationScheme::Utf8).is_ok());
        assert!(
            check("translation_strategy: Unknown", ValidationScheme::Utf8)
                .unwrap_err()
                .contains("unsupported OTLP translation strategy")
        );
    }
}
