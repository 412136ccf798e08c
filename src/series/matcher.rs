//! Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus' semantics: regexes
//! are fully anchored and `.` matches newlines, and an absent label matches as
//! the empty string.

use std::fmt;

use regex::Regex;

use super::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One label matcher.
#[derive(Clone, Debug)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl Matcher {
    /// Builds a matcher; fails when a regex does not compile.
    pub fn new(op: MatchOp, name: impl Into<String>, value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?s:{value})$"))
                    .map_err(|e| Error::BadData(format!("invalid regular expression {value:?}: {e}")))?,
            ),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(Matcher { name: name.into(), op, value, regex })
    }

    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Self {
        Matcher { name: name.into(), op: MatchOp::Equal, value: value.into(), regex: None }
    }

    /// Whether a label value (the empty string when absent) matches.
    pub fn matches(&self, value: &str) -> bool {
        match self.op {
            MatchOp::Equal => self.value == value,
            MatchOp::NotEqual => self.value != value,
            MatchOp::Regex => self.regex.as_ref().is_some_and(|r| r.is_match(value)),
            MatchOp::NotRegex => !self.regex.as_ref().is_some_and(|r| r.is_match(value)),
        }
    }

    /// Whether series without this label match, which decides whether the
    /// matcher selects series or only filters them.
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_are_anchored_and_dot_matches_newline() {
        let m = Matcher::new(MatchOp::Regex, "job", "no.e").unwrap();
        assert!(m.matches("node"));
        assert!(!m.matches("nodes"));
        assert!(!m.matches("a node"));
        assert!(m.matches("no\ne"));
    }

    #[test]
    fn absent_label_matches_as_empty() {
        assert!(Matcher::new(MatchOp::NotEqual, "x", "a").unwrap().matches_empty());
        assert!(Matcher::new(MatchOp::Regex, "x", ".*").unwrap().matches_empty());
        assert!(!Matcher::new(MatchOp::Regex, "x", ".+").unwrap().matches_empty());
        assert!(Matcher::new(MatchOp::NotRegex, "x", ".+").unwrap().matches_empty());
    }

    #[test]
    fn bad_regex_is_an_error() {
        let err = Matcher::new(MatchOp::Regex, "x", "(").unwrap_err();
        assert!(err.to_string().contains("invalid regular expression"), "{err}");
    }
}
