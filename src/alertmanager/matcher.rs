//! Alertmanager label matchers (`=`, `!=`, `=~`, `!~`) as pkg/labels defines
//! them: regular expressions are anchored at both ends (`^(?:…)$`), a label
//! an alert lacks matches as the empty string, and lists sort by name, value
//! and operator. The text syntax is parsed in `matcher_parse`.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::labels::{LabelSet, go_quote};
use super::matcher_parse::parse_matchers;

/// Why a matcher could not be built or parsed; the messages are Alertmanager's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("bad matcher format: {0}")]
    BadFormat(String),
    #[error("matcher value contains unescaped double quote: {0}")]
    UnescapedQuote(String),
    #[error("error parsing regexp: {reason}: `{pattern}`")]
    Regex { pattern: String, reason: String },
}

/// The operator of a matcher, in the order Alertmanager sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchType {
    Equal,
    NotEqual,
    Regexp,
    NotRegexp,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regexp => "=~",
            MatchType::NotRegexp => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchType::Regexp | MatchType::NotRegexp)
    }
}

impl fmt::Display for MatchType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A regular expression that must match a whole label value; compared and
/// printed by the text as written.
#[derive(Clone)]
pub struct Pattern {
    original: String,
    compiled: regex::Regex,
}

impl Pattern {
    pub fn new(pattern: &str) -> Result<Pattern, MatcherError> {
        let anchored = format!("^(?:{pattern})$");
        match regex::Regex::new(&anchored) {
            Ok(compiled) => Ok(Pattern { original: pattern.to_string(), compiled }),
            Err(error) => Err(MatcherError::Regex { pattern: pattern.to_string(), reason: short_reason(&error) }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.original
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled.is_match(text)
    }
}

/// The regex crate explains an error over several lines; the last names it.
fn short_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("invalid pattern");
    last.trim().trim_start_matches("error: ").to_string()
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Pattern({:?})", self.original)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    /// A `match_re` value; null is the empty pattern, as Go reads it.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        Pattern::new(&text).map_err(serde::de::Error::custom)
    }
}

/// One label matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    kind: MatchType,
    name: String,
    value: String,
    pattern: Option<Pattern>,
}

impl Matcher {
    /// Builds a matcher, compiling `value` when the operator is a regex one.
    pub fn new(kind: MatchType, name: impl Into<String>, value: impl Into<String>) -> Result<Matcher, MatcherError> {
        let value = value.into();
        let pattern = if kind.is_regex() { Some(Pattern::new(&value)?) } else { None };
        Ok(Matcher { kind, name: name.into(), value, pattern })
    }

    /// An `=` matcher; cannot fail.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Matcher {
        Matcher { kind: MatchType::Equal, name: name.into(), value: value.into(), pattern: None }
    }

    /// The `=~` matcher of a deprecated `match_re` entry. Upstream builds it
    /// from the compiled expression's text, so its value (and thus route and
    /// group keys) carries the anchors: `^(?:mysql|postgres)$`.
    pub fn from_match_re(name: impl Into<String>, pattern: &Pattern) -> Matcher {
        let value = format!("^(?:{})$", pattern.as_str());
        let pattern = Pattern { original: value.clone(), compiled: pattern.compiled.clone() };
        Matcher { kind: MatchType::Regexp, name: name.into(), value, pattern: Some(pattern) }
    }

    pub fn kind(&self) -> MatchType {
        self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a label value (empty when the label is absent) satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match (self.kind, &self.pattern) {
            (MatchType::Equal, _) => value == self.value,
            (MatchType::NotEqual, _) => value != self.value,
            (MatchType::Regexp, Some(pattern)) => pattern.is_match(value),
            (MatchType::NotRegexp, Some(pattern)) => !pattern.is_match(value),
            (_, None) => {
                debug_assert!(false, "regex matcher without a pattern");
                false
            }
        }
    }

    /// Whether the alert with these labels satisfies this matcher.
    pub fn matches_labels(&self, labels: &LabelSet) -> bool {
        self.matches(labels.get(&self.name).map_or("", String::as_str))
    }
}

impl Ord for Matcher {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.name, &self.value, self.kind).cmp(&(&other.name, &other.value, other.kind))
    }
}

impl PartialOrd for Matcher {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Matcher {
    /// `name="value"` with OpenMetrics escaping, as Alertmanager prints
    /// matchers; a name the classic syntax cannot hold is quoted too.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.chars().any(is_reserved) {
            return write!(formatter, "{}{}{}", go_quote(&self.name), self.kind, go_quote(&self.value));
        }
        let escaped = self.value.replace('\\', "\\\\").replace('\n', "\\n").replace('"', "\\\"");
        write!(formatter, "{}{}\"{}\"", self.name, self.kind, escaped)
    }
}

fn is_reserved(character: char) -> bool {
    character.is_whitespace() || "{}!=~,\\\"'`".contains(character)
}

/// A sorted list of matchers that an alert must all satisfy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matchers(Vec<Matcher>);

impl Matchers {
    /// Sorts `matchers` the way Alertmanager does before using them.
    pub fn new(mut matchers: Vec<Matcher>) -> Matchers {
        matchers.sort();
        Matchers(matchers)
    }

    /// Parses one matchers string (`{a="b", c=~"d"}`).
    pub fn parse(text: &str) -> Result<Matchers, MatcherError> {
        parse_matchers(text).map(Matchers::new)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Matcher> {
        self.0.iter()
    }

    /// Whether the labels satisfy every matcher (an empty list matches all).
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.0.iter().all(|matcher| matcher.matches_labels(labels))
    }
}

impl fmt::Display for Matchers {
    /// `{a="b",c=~"d"}`, the form route keys are built from.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(Matcher::to_string).collect();
        write!(formatter, "{{{}}}", parts.join(","))
    }
}

impl<'a> IntoIterator for &'a Matchers {
    type Item = &'a Matcher;
    type IntoIter = std::slice::Iter<'a, Matcher>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Matchers {
    /// One string per matcher, as upstream prints a `matchers` list.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(Matcher::to_string))
    }
}

impl<'de> Deserialize<'de> for Matchers {
    /// A `matchers` list: each string may hold several comma-separated matchers.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let lines = Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default();
        let mut matchers = Vec::new();
        for line in &lines {
            matchers.extend(parse_matchers(line).map_err(serde::de::Error::custom)?);
        }
        Ok(Matchers::new(matchers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn operators_match_whole_values() {
        let cases = [
            (MatchType::Equal, "a", "a", true),
            (MatchType::Equal, "a", "ab", false),
            (MatchType::NotEqual, "a", "b", true),
            (MatchType::Regexp, "a.", "ab", true),
            (MatchType::Regexp, "a", "ba", false),
            (MatchType::Regexp, "a|b", "b", true),
            (MatchType::NotRegexp, "a.*", "xa", true),
            (MatchType::NotRegexp, "a.*", "abc", false),
            (MatchType::Regexp, "a.b", "a\nb", false),
        ];
        for (kind, value, input, expected) in cases {
            let matcher = Matcher::new(kind, "x", value).unwrap();
            assert_eq!(matcher.matches(input), expected, "{matcher} on {input:?}");
        }
    }

    #[test]
    fn an_absent_label_is_the_empty_string() {
        let set = labels(&[("a", "1")]);
        assert!(Matcher::equal("b", "").matches_labels(&set));
        assert!(Matcher::new(MatchType::NotEqual, "b", "x").unwrap().matches_labels(&set));
        assert!(Matcher::new(MatchType::Regexp, "b", ".*").unwrap().matches_labels(&set));
        assert!(!Matcher::new(MatchType::Regexp, "b", ".+").unwrap().matches_labels(&set));
    }

    #[test]
    fn lists_sort_and_print_like_alertmanager() {
        let matchers = Matchers::new(vec![
            Matcher::new(MatchType::Regexp, "b", "x|y").unwrap(),
            Matcher::equal("a", "q\"uote\\\n"),
            Matcher::new(MatchType::NotEqual, "a", "q\"uote\\\n").unwrap(),
        ]);
        assert_eq!(matchers.to_string(), r#"{a="q\"uote\\\n",a!="q\"uote\\\n",b=~"x|y"}"#);
        assert_eq!(Matcher::equal("a b", "c").to_string(), r#""a b"="c""#);
        assert_eq!(Matchers::default().to_string(), "{}");
    }

    #[test]
    fn bad_regexes_are_reported() {
        let error = Matcher::new(MatchType::Regexp, "a", "[").unwrap_err();
        assert!(error.to_string().starts_with("error parsing regexp: "), "{error}");
        assert!(error.to_string().ends_with(": `[`"), "{error}");
    }

    #[test]
    fn yaml_lists_parse_each_string_and_print_back() {
        let matchers: Matchers = serde_saphyr::from_str("['b=~\"x\"', 'a=1, c!=\"\"']").unwrap();
        assert_eq!(matchers.to_string(), r#"{a="1",b=~"x",c!=""}"#);
        let yaml = serde_saphyr::to_string(&matchers).unwrap();
        let again: Matchers = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(again, matchers);
        let error = serde_saphyr::from_str::<Matchers>("['a-b=c']").unwrap_err();
        assert!(error.to_string().contains("bad matcher format: a-b=c"), "{error}");
    }
}
