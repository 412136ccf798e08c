//! Value types of alertmanager.yml with Alertmanager's own checks: HTTP(S)
//! URLs (`config.URL`), URLs that are secrets (`config.SecretURL`), SMTP
//! `host:port` addresses (`config.HostPort`), and the nested `http_config`
//! mapping read into Sonde's [`HttpClientConfig`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::{
    Authorization, BasicAuth, HttpClientConfig, HttpHeader, OAuth2, ProxyConfig, Secret, TlsConfig, Url,
};

/// What secrets print as, here as in the rest of Sonde's configuration.
pub const REDACTED: &str = "<secret>";

/// An absolute `http` or `https` URL with a host.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpUrl(Url);

impl HttpUrl {
    pub fn parse(text: &str) -> Result<HttpUrl, String> {
        if let Some(bad) = text.chars().find(|character| character.is_whitespace() || character.is_control()) {
            return Err(format!("parse {text:?}: invalid character {:?} in URL", bad.to_string()));
        }
        let scheme = text
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .filter(|scheme| is_scheme(scheme))
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if scheme != "http" && scheme != "https" {
            return Err(format!("unsupported scheme {scheme:?} for URL"));
        }
        let after_scheme = &text[scheme.len() + 1..];
        let authority =
            after_scheme.strip_prefix("//").map_or("", |rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        if host.is_empty() {
            return Err("missing host for URL".to_string());
        }
        Url::parse(text).map(HttpUrl)
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// `[a-zA-Z][a-zA-Z0-9+.-]*`, what Go's `url.Parse` takes for a scheme.
fn is_scheme(text: &str) -> bool {
    let mut characters = text.chars();
    characters.next().is_some_and(|first| first.is_ascii_alphabetic())
        && characters.all(|character| character.is_ascii_alphanumeric() || matches!(character, '+' | '-' | '.'))
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

impl Serialize for HttpUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        HttpUrl::parse(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// A URL that embeds a credential (Slack and webhook URLs): checked like
/// [`HttpUrl`], printed as `<secret>`. Reading `<secret>` back is allowed,
/// as upstream allows it for configurations it printed itself; such a URL
/// is unusable, and [`SecretUrl::expose`] returns `None` for it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Option<HttpUrl>);

impl SecretUrl {
    pub fn parse(text: &str) -> Result<SecretUrl, String> {
        if text == REDACTED {
            return Ok(SecretUrl(None));
        }
        HttpUrl::parse(text).map(|url| SecretUrl(Some(url)))
    }

    /// The URL itself, for the one place that sends to it.
    pub fn expose(&self) -> Option<&str> {
        self.0.as_ref().map(HttpUrl::as_str)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretUrl {
    /// The text of a bad URL is left out of the error, as it holds the secret.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SecretUrl::parse(&text).map_err(|error| D::Error::custom(error.replace(&text, "[REDACTED]")))
    }
}

/// An SMTP server address, `host:port`; empty when not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPort {
    pub host: String,
    pub port: String,
}

impl HostPort {
    /// Go's `net.SplitHostPort` rules, plus upstream's non-empty port.
    pub fn parse(text: &str) -> Result<HostPort, String> {
        if text.is_empty() {
            return Ok(HostPort::default());
        }
        let fail = |reason: &str| format!("address {text}: {reason}");
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(|| fail("missing ']' in address"))?;
            let port = after.strip_prefix(':').ok_or_else(|| fail("missing port in address"))?;
            (host, port)
        } else {
            let (host, port) = text.rsplit_once(':').ok_or_else(|| fail("missing port in address"))?;
            if host.contains(':') {
                return Err(fail("too many colons in address"));
            }
            (host, port)
        };
        if host.contains(['[', ']']) || port.contains(['[', ']']) {
            return Err(fail("unexpected bracket in address"));
        }
        if port.is_empty() {
            return Err(format!("address {text:?}: port cannot be empty"));
        }
        Ok(HostPort { host: host.to_string(), port: port.to_string() })
    }

    pub fn is_empty(&self) -> bool {
        self.host.is_empty() && self.port.is_empty()
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        match self.host.contains(':') {
            true => write!(formatter, "[{}]:{}", self.host, self.port),
            false => write!(formatter, "{}:{}", self.host, self.port),
        }
    }
}

impl Serialize for HostPort {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPort {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        HostPort::parse(&text).map_err(D::Error::custom)
    }
}

/// The fields of prometheus/common's `HTTPClientConfig`, which Alertmanager
/// writes as a nested `http_config` mapping.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpConfigFields {
    #[serde(default)]
    basic_auth: Option<BasicAuth>,
    #[serde(default)]
    authorization: Option<Authorization>,
    #[serde(default)]
    oauth2: Option<OAuth2>,
    #[serde(default)]
    bearer_token: Secret,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    bearer_token_file: String,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    tls_config: TlsConfig,
    #[serde(default = "yes", deserialize_with = "crate::config::nullable")]
    follow_redirects: bool,
    #[serde(default = "yes", deserialize_with = "crate::config::nullable")]
    enable_http2: bool,
    #[serde(default)]
    proxy_url: Option<Url>,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    no_proxy: String,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    proxy_from_environment: bool,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    proxy_connect_header: BTreeMap<String, Vec<Secret>>,
    #[serde(default, deserialize_with = "crate::config::nullable")]
    http_headers: BTreeMap<String, HttpHeader>,
}

fn yes() -> bool {
    true
}

impl From<HttpConfigFields> for HttpClientConfig {
    fn from(fields: HttpConfigFields) -> Self {
        HttpClientConfig {
            basic_auth: fields.basic_auth,
            authorization: fields.authorization,
            oauth2: fields.oauth2,
            bearer_token: fields.bearer_token,
            bearer_token_file: fields.bearer_token_file,
            tls_config: fields.tls_config,
            follow_redirects: fields.follow_redirects,
            enable_http2: fields.enable_http2,
            proxy: ProxyConfig {
                proxy_url: fields.proxy_url,
                no_proxy: fields.no_proxy,
                proxy_from_environment: fields.proxy_from_environment,
                proxy_connect_header: fields.proxy_connect_header,
            },
            http_headers: fields.http_headers,
        }
    }
}

/// Reads an optional `http_config`; null or absent means "inherit from global".
pub(crate) fn optional_http_config<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<HttpClientConfig>, D::Error> {
    Ok(Option::<HttpConfigFields>::deserialize(deserializer)?.map(HttpClientConfig::from))
}

/// Reads the global `http_config`; null means the defaults.
pub(crate) fn http_config<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HttpClientConfig, D::Error> {
    Ok(optional_http_config(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_http_or_https_and_a_host() {
        assert_eq!(
            HttpUrl::parse("https://hooks.example.com/a?b#c").unwrap().as_str(),
            "https://hooks.example.com/a?b#c"
        );
        assert!(HttpUrl::parse("HTTP://user:pw@host:8080").is_ok());
        let cases = [
            ("ftp://a/b", "unsupported scheme \"ftp\" for URL"),
            ("localhost:9093", "unsupported scheme \"localhost\" for URL"),
            ("/just/a/path", "unsupported scheme \"\" for URL"),
            ("http:///b", "missing host for URL"),
            ("http:b", "missing host for URL"),
            ("http://user@/x", "missing host for URL"),
            ("http://a b", "parse \"http://a b\": invalid character \" \" in URL"),
        ];
        for (text, message) in cases {
            assert_eq!(HttpUrl::parse(text).unwrap_err(), message, "{text}");
        }
    }

    #[test]
    fn secret_urls_hide_their_text() {
        let url = SecretUrl::parse("https://hooks.slack.com/services/T0/B0/XYZ").unwrap();
        assert_eq!(format!("{url:?}"), "<secret>");
        assert_eq!(serde_saphyr::to_string(&url).unwrap().trim(), "<secret>");
        assert_eq!(url.expose(), Some("https://hooks.slack.com/services/T0/B0/XYZ"));
        assert_eq!(SecretUrl::parse("<secret>").unwrap().expose(), None);
        let error = serde_saphyr::from_str::<SecretUrl>("'ftp://token@x'").unwrap_err().to_string();
        assert!(error.contains("unsupported scheme") && !error.contains("token"), "{error}");
    }

    #[test]
    fn host_ports_split_like_go() {
        assert_eq!(HostPort::parse("smtp.example.org:587").unwrap().to_string(), "smtp.example.org:587");
        let ipv6 = HostPort::parse("[::1]:25").unwrap();
        assert_eq!((ipv6.host.as_str(), ipv6.port.as_str()), ("::1", "25"));
        assert_eq!(ipv6.to_string(), "[::1]:25");
        assert!(HostPort::parse("").unwrap().is_empty());
        let cases = [
            ("h", "address h: missing port in address"),
            ("h:", "address \"h:\": port cannot be empty"),
            ("a:b:c", "address a:b:c: too many colons in address"),
            ("[::1", "address [::1: missing ']' in address"),
        ];
        for (text, message) in cases {
            assert_eq!(HostPort::parse(text).unwrap_err(), message, "{text}");
        }
    }

    #[test]
    fn http_config_is_a_strict_nested_mapping() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "optional_http_config")]
            http_config: Option<HttpClientConfig>,
        }
        let holder: Holder = serde_saphyr::from_str(
            "http_config:\n  basic_auth: {username: u, password: p}\n  follow_redirects: false\n",
        )
        .unwrap();
        let config = holder.http_config.unwrap();
        assert_eq!(config.basic_auth.unwrap().password.expose(), "p");
        assert!(!config.follow_redirects && config.enable_http2);
        let holder: Holder = serde_saphyr::from_str("http_config:\n").unwrap();
        assert!(holder.http_config.is_none());
        assert!(serde_saphyr::from_str::<Holder>("http_config: {bogus: 1}").is_err());
    }
}
