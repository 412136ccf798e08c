//! Secrets such as passwords and tokens, which Prometheus' `config.Secret` hides
//! whenever a configuration is printed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret prints as, in debug output and when serialized.
pub const REDACTED: &str = "<secret>";

/// A string that never appears in logs or printed configurations.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (a request header, a TLS key).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    /// An empty secret prints as empty, so that printing does not invent one.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { REDACTED })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        Ok(Secret(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "<secret>");
        assert_eq!(secret.to_string(), "<secret>");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn serializes_redacted_and_reads_numbers_as_text() {
        let secret: Secret = serde_saphyr::from_str("12345").unwrap();
        assert_eq!(secret.expose(), "12345");
        let yaml = serde_saphyr::to_string(&secret).unwrap();
        assert!(yaml.contains("<secret>") && !yaml.contains("12345"), "{yaml}");
    }
}
