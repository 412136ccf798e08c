//! URLs in the configuration (`remote_write.url`, `proxy_url`, `api_server`, …).
//! Upstream parses them with Go's lenient `url.Parse`; Sonde asks for an absolute
//! URL (`scheme://host…`) so that mistakes surface when the file is read.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An absolute URL as written in the configuration.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Url(String);

impl Url {
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("{text:?} is not a valid URL (expected scheme://host[:port][/path])");
        let (scheme, rest) = text.split_once("://").ok_or_else(invalid)?;
        let mut scheme_chars = scheme.chars();
        let scheme_ok = scheme_chars.next().is_some_and(|first| first.is_ascii_alphabetic())
            && scheme_chars.all(|char| char.is_ascii_alphanumeric() || matches!(char, '+' | '-' | '.'));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if !scheme_ok || authority.is_empty() || text.contains(char::is_whitespace) {
            return Err(invalid());
        }
        Ok(Url(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scheme in lower case (`http`, `https`, …).
    pub fn scheme(&self) -> String {
        self.0.split("://").next().unwrap_or("").to_ascii_lowercase()
    }

    /// `host[:port]`, without any `user:password@`.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority.rsplit_once('@').map_or(authority, |(_, host)| host)
    }

    /// The URL with any password replaced, as upstream prints configurations.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else { return self.0.clone() };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        match authority.rsplit_once('@') {
            Some((user_info, host)) if user_info.contains(':') => {
                let user = user_info.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:xxxxx@{host}{tail}")
            }
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.redacted())
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "Url({:?})", self.redacted())
    }
}

impl Serialize for Url {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for Url {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Url::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_absolute_urls() {
        let url = Url::parse("https://user:pw@remote.example:9201/api/v1/write?x=1").unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.host(), "remote.example:9201");
        assert_eq!(url.to_string(), "https://user:xxxxx@remote.example:9201/api/v1/write?x=1");
        assert_eq!(url.as_str(), "https://user:pw@remote.example:9201/api/v1/write?x=1");
    }

    #[test]
    fn rejects_relative_or_hostless_urls() {
        for text in ["", "localhost:9090", "/api/v1/write", "http://", "http:///path", "1http://x", "http://a b"] {
            assert!(Url::parse(text).is_err(), "{text}");
        }
    }
}
