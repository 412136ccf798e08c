//! Field helpers that make serde read YAML the way Prometheus' Go decoder does:
//! an explicit null (`rule_files:` with nothing after it) is the field's zero value,
//! and enumerated strings are parsed with their own error messages.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads a field whose explicit null means "zero value", as yaml.v2 does.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a string and parses it with `FromStr`, keeping the parser's message.
pub(crate) fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(D::Error::custom)
}

/// Like [`parsed`], but null and the empty string mean "not set".
pub(crate) fn optional_parsed<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => text.parse().map(Some).map_err(D::Error::custom),
    }
}

/// Writes a value through its `Display` form (the inverse of [`parsed`]).
pub(crate) fn displayed<S, T>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Display,
{
    serializer.collect_str(value)
}

/// Writes an optional value through its `Display` form.
pub(crate) fn optional_displayed<S, T>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Display,
{
    match value {
        Some(value) => serializer.collect_str(value),
        None => Option::<String>::None.serialize(serializer),
    }
}

/// Whether a field holds its serde default, so printing can leave it out the
/// way upstream's `omitempty` does; reading it back yields the same value.
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Serde default for fields that Prometheus turns on unless told otherwise.
pub(crate) fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ValidationScheme;

    #[derive(Debug, Deserialize)]
    struct Example {
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
        names: Vec<String>,
        #[serde(default = "yes", deserialize_with = "nullable")]
        enabled: bool,
        #[serde(default, deserialize_with = "optional_parsed", skip_serializing_if = "is_default")]
        scheme: Option<ValidationScheme>,
    }

    #[test]
    fn null_reads_as_the_zero_value_and_missing_as_the_default() {
        let example: Example = serde_saphyr::from_str("names:\nenabled:\n").unwrap();
        assert!(example.names.is_empty());
        assert!(!example.enabled);
        let example: Example = serde_saphyr::from_str("{}").unwrap();
        assert!(example.enabled);
    }

    #[test]
    fn blank_optional_strings_are_unset() {
        let example: Example = serde_saphyr::from_str("scheme: ''").unwrap();
        assert_eq!(example.scheme, None);
        let example: Example = serde_saphyr::from_str("scheme: legacy").unwrap();
        assert_eq!(example.scheme, Some(ValidationScheme::Legacy));
        let error = serde_saphyr::from_str::<Example>("scheme: ascii").unwrap_err();
        assert!(error.to_string().contains("unrecognized validation scheme"), "{error}");
    }
}
