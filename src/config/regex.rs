//! Relabeling regular expressions: anchored at both ends as `^(?s:…)$`, the way
//! Prometheus' `relabel.NewRegexp` compiles them, while keeping the text as written
//! for display and serialization.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The pattern relabel configurations use when none is given.
pub const DEFAULT_RELABEL_REGEX: &str = "(.*)";

/// A fully anchored regular expression.
#[derive(Clone)]
pub struct Regex {
    original: String,
    compiled: regex::Regex,
}

/// Why a pattern did not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pattern:?} is not a valid regular expression: {reason}")]
pub struct RegexError {
    pattern: String,
    reason: String,
}

impl Regex {
    /// Compiles `pattern` so that it must match a whole string.
    pub fn new(pattern: &str) -> Result<Self, RegexError> {
        let anchored = format!("^(?s:{pattern})$");
        let compiled = regex::Regex::new(&anchored)
            .map_err(|error| RegexError { pattern: pattern.to_string(), reason: short_reason(&error) })?;
        Ok(Regex { original: pattern.to_string(), compiled })
    }

    /// The default relabel pattern, `(.*)`.
    pub fn match_all() -> Self {
        Regex::new(DEFAULT_RELABEL_REGEX).expect("the default relabel regex compiles")
    }

    /// The pattern as written in the configuration, without the anchors.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The compiled, anchored expression.
    pub fn compiled(&self) -> &regex::Regex {
        &self.compiled
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }
}

/// The regex crate's message spans several lines with a caret diagram; the last
/// line names the problem.
fn short_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("");
    last.trim().trim_start_matches("error: ").to_string()
}

impl Default for Regex {
    fn default() -> Self {
        Regex::match_all()
    }
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl Eq for Regex {}

impl fmt::Debug for Regex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Regex({:?})", self.original)
    }
}

impl fmt::Display for Regex {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.original)
    }
}

impl Serialize for Regex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

impl<'de> Deserialize<'de> for Regex {
    /// A null pattern is the empty pattern, as upstream compiles a missing regexp
    /// as `""`; numbers are read as their text (`regex: 200` matches "200").
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pattern = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        Regex::new(&pattern).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_strings_only() {
        let regex = Regex::new("foo|bar").unwrap();
        assert!(regex.is_match("foo"));
        assert!(regex.is_match("bar"));
        assert!(!regex.is_match("foobar"));
        assert!(!regex.is_match("xfoo"));
    }

    #[test]
    fn dot_matches_newlines() {
        assert!(Regex::new("a.b").unwrap().is_match("a\nb"));
    }

    #[test]
    fn keeps_the_original_text() {
        let regex = Regex::new("(.*)_total").unwrap();
        assert_eq!(regex.to_string(), "(.*)_total");
        assert_eq!(regex.compiled().as_str(), "^(?s:(.*)_total)$");
    }

    #[test]
    fn reports_the_reason_in_one_line() {
        let error = Regex::new("(").unwrap_err().to_string();
        assert!(error.starts_with(r#""(" is not a valid regular expression: "#), "{error}");
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn reads_null_as_empty_and_numbers_as_text() {
        let empty: Regex = serde_saphyr::from_str("null").unwrap();
        assert_eq!(empty.as_str(), "");
        assert!(empty.is_match(""));
        let number: Regex = serde_saphyr::from_str("200").unwrap();
        assert!(number.is_match("200"));
    }
}
