//! The HTTP client settings shared by scrape configs, Alertmanagers, remote
//! write/read and HTTP-based discovery, as prometheus/common `config.HTTPClientConfig`
//! defines them, with its `Validate` checks and its defaults.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{Invalid, Within};
use super::oauth2::OAuth2;
use super::proxy::ProxyConfig;
use super::secret::Secret;
use super::serde_fields::{is_default, nullable};
use super::tls::TlsConfig;

/// Headers Prometheus sets itself or that change the connection; `http_headers`
/// may not set them.
const RESERVED_HEADERS: [&str; 18] = [
    "authorization",
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-prometheus-scrape-timeout-seconds",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// HTTP client settings; in YAML these fields sit inline in their parent mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpClientConfig {
    #[serde(skip_serializing_if = "is_default")]
    pub basic_auth: Option<BasicAuth>,
    #[serde(skip_serializing_if = "is_default")]
    pub authorization: Option<Authorization>,
    #[serde(skip_serializing_if = "is_default")]
    pub oauth2: Option<OAuth2>,
    /// Deprecated upstream; validation moves it into `authorization`.
    #[serde(skip_serializing_if = "is_default")]
    pub bearer_token: Secret,
    /// Deprecated upstream; validation moves it into `authorization`.
    #[serde(skip_serializing_if = "is_default")]
    pub bearer_token_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
    pub follow_redirects: bool,
    pub enable_http2: bool,
    #[serde(flatten)]
    pub proxy: ProxyConfig,
    #[serde(skip_serializing_if = "is_default")]
    pub http_headers: BTreeMap<String, HttpHeader>,
}

impl Default for HttpClientConfig {
    /// Upstream's `DefaultHTTPClientConfig`: follow redirects, allow HTTP/2.
    fn default() -> Self {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Secret::default(),
            bearer_token_file: String::new(),
            tls_config: TlsConfig::default(),
            follow_redirects: true,
            enable_http2: true,
            proxy: ProxyConfig::default(),
            http_headers: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub username: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub username_file: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub password: Secret,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub password_file: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// The scheme of the `Authorization` header; `Bearer` when not given.
    #[serde(rename = "type", default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub credentials: Secret,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub credentials_file: String,
}

/// One entry of `http_headers`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpHeader {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub values: Vec<String>,
    /// Values hidden when the configuration is printed.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub secrets: Vec<Secret>,
    /// Files whose contents are sent as values.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub files: Vec<String>,
}

impl HttpClientConfig {
    /// Upstream's `Validate`: rejects conflicting credentials and moves the
    /// deprecated `bearer_token*` fields into `authorization`.
    pub(crate) fn validate(&mut self) -> Result<(), Invalid> {
        self.validate_bearer_token()?;
        if let Some(basic_auth) = &self.basic_auth {
            basic_auth.validate().within("basic_auth")?;
        }
        self.validate_authorization()?;
        if let Some(oauth2) = &self.oauth2 {
            if self.basic_auth.is_some() {
                return Err(Invalid::new("at most one of basic_auth, oauth2 & authorization must be configured"));
            }
            oauth2.validate().within("oauth2")?;
        }
        self.tls_config.validate().within("tls_config")?;
        self.proxy.validate()?;
        validate_headers(&self.http_headers).within("http_headers")
    }

    fn has_bearer_token(&self) -> bool {
        !self.bearer_token.is_empty() || !self.bearer_token_file.is_empty()
    }

    fn validate_bearer_token(&self) -> Result<(), Invalid> {
        if !self.bearer_token.is_empty() && !self.bearer_token_file.is_empty() {
            return Err(Invalid::new("at most one of bearer_token & bearer_token_file must be configured"));
        }
        if (self.basic_auth.is_some() || self.oauth2.is_some()) && self.has_bearer_token() {
            return Err(Invalid::new(
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
            ));
        }
        Ok(())
    }

    fn validate_authorization(&mut self) -> Result<(), Invalid> {
        let Some(authorization) = &mut self.authorization else {
            self.move_bearer_token();
            return Ok(());
        };
        let invalid = |message: &str| Err(Invalid::field("authorization", message));
        if !self.bearer_token.is_empty() || !self.bearer_token_file.is_empty() {
            return invalid("authorization is not compatible with bearer_token & bearer_token_file");
        }
        if !authorization.credentials.is_empty() && !authorization.credentials_file.is_empty() {
            return invalid("at most one of authorization credentials & credentials_file must be configured");
        }
        authorization.kind = authorization.kind.trim().to_string();
        if authorization.kind.is_empty() {
            authorization.kind = "Bearer".to_string();
        }
        if authorization.kind.eq_ignore_ascii_case("basic") {
            return invalid(r#"authorization type cannot be set to "basic", use "basic_auth" instead"#);
        }
        if self.basic_auth.is_some() || self.oauth2.is_some() {
            return Err(Invalid::new("at most one of basic_auth, oauth2 & authorization must be configured"));
        }
        Ok(())
    }

    fn move_bearer_token(&mut self) {
        if !self.has_bearer_token() {
            return;
        }
        self.authorization = Some(Authorization {
            kind: "Bearer".to_string(),
            credentials: std::mem::take(&mut self.bearer_token),
            credentials_file: std::mem::take(&mut self.bearer_token_file),
        });
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        self.tls_config.set_directory(directory);
        super::join_directory(directory, &mut self.bearer_token_file);
        if let Some(basic_auth) = &mut self.basic_auth {
            super::join_directory(directory, &mut basic_auth.username_file);
            super::join_directory(directory, &mut basic_auth.password_file);
        }
        if let Some(authorization) = &mut self.authorization {
            super::join_directory(directory, &mut authorization.credentials_file);
        }
        if let Some(oauth2) = &mut self.oauth2 {
            super::join_directory(directory, &mut oauth2.client_secret_file);
            oauth2.tls_config.set_directory(directory);
        }
        for header in self.http_headers.values_mut() {
            header.files.iter_mut().for_each(|file| super::join_directory(directory, file));
        }
    }
}

impl BasicAuth {
    fn validate(&self) -> Result<(), Invalid> {
        if !self.username.is_empty() && !self.username_file.is_empty() {
            return Err(Invalid::new("at most one of basic_auth username & username_file must be configured"));
        }
        if !self.password.is_empty() && !self.password_file.is_empty() {
            return Err(Invalid::new("at most one of basic_auth password & password_file must be configured"));
        }
        Ok(())
    }
}

fn validate_headers(headers: &BTreeMap<String, HttpHeader>) -> Result<(), Invalid> {
    for name in headers.keys() {
        if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            let message = format!("setting header {:?} is not allowed", canonical_header(name));
            return Err(Invalid::field(name, message));
        }
    }
    Ok(())
}

/// `content-type` → `Content-Type`, as Go's `textproto.CanonicalMIMEHeaderKey`.
pub(crate) fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default, skip_serializing_if = "is_default")]
        basic_auth: Option<BasicAuth>,
        #[serde(default, skip_serializing_if = "is_default")]
        authorization: Option<Authorization>,
        #[serde(default, skip_serializing_if = "is_default")]
        oauth2: Option<OAuth2>,
        #[serde(default, skip_serializing_if = "is_default")]
        bearer_token: Secret,
        #[serde(default, skip_serializing_if = "is_default")]
        bearer_token_file: String,
        #[serde(default, skip_serializing_if = "is_default")]
        http_headers: BTreeMap<String, HttpHeader>,
    }

    fn client(yaml: &str) -> HttpClientConfig {
        let holder: Holder = serde_saphyr::from_str(yaml).unwrap();
        HttpClientConfig {
            basic_auth: holder.basic_auth,
            authorization: holder.authorization,
            oauth2: holder.oauth2,
            bearer_token: holder.bearer_token,
            bearer_token_file: holder.bearer_token_file,
            http_headers: holder.http_headers,
            ..HttpClientConfig::default()
        }
    }

    fn check(yaml: &str) -> Result<HttpClientConfig, String> {
        let mut config = client(yaml);
        config.validate().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(config)
    }

    #[test]
    fn bearer_tokens_move_into_authorization() {
        let config = check("bearer_token: abc").unwrap();
        let authorization = config.authorization.unwrap();
        assert_eq!((authorization.kind.as_str(), authorization.credentials.expose()), ("Bearer", "abc"));
        assert!(config.bearer_token.is_empty());
        let config = check("bearer_token_file: /token").unwrap();
        assert_eq!(config.authorization.unwrap().credentials_file, "/token");
    }

    #[test]
    fn authorization_defaults_to_bearer_and_rejects_basic() {
        assert_eq!(check("authorization: {credentials: x}").unwrap().authorization.unwrap().kind, "Bearer");
        let error = check("authorization: {type: ' basic ', credentials: x}").unwrap_err();
        assert_eq!(error, r#"authorization: authorization type cannot be set to "basic", use "basic_auth" instead"#);
    }

    #[test]
    fn credentials_are_exclusive() {
        let cases = [
            ("bearer_token: a\nbearer_token_file: b", "at most one of bearer_token & bearer_token_file"),
            ("basic_auth: {username: u}\nbearer_token: a", "at most one of basic_auth, oauth2, bearer_token"),
            (
                "basic_auth: {username: u}\nauthorization: {credentials: c}",
                "at most one of basic_auth, oauth2 & authorization",
            ),
            ("authorization: {credentials: c}\nbearer_token: t", "authorization is not compatible with bearer_token"),
            (
                "authorization: {credentials: c, credentials_file: f}",
                "at most one of authorization credentials & credentials_file",
            ),
            ("basic_auth: {username: u, username_file: f}", "at most one of basic_auth username & username_file"),
            (
                "oauth2: {client_id: a, token_url: 'http://t'}\nbasic_auth: {username: u}",
                "at most one of basic_auth, oauth2",
            ),
            ("oauth2: {token_url: 'http://t'}", "oauth2 client_id must be configured"),
            (
                "oauth2: {client_id: a, token_url: t, client_secret: s, client_secret_file: f}",
                "client_secret & client_secret_file",
            ),
        ];
        for (yaml, message) in cases {
            let error = check(yaml).unwrap_err();
            assert!(error.contains(message), "{yaml}: {error}");
        }
    }

    #[test]
    fn reserved_headers_are_rejected_case_insensitively() {
        let error = check("http_headers: {user-AGENT: {values: [x]}}").unwrap_err();
        assert_eq!(error, r#"http_headers.user-AGENT: setting header "User-Agent" is not allowed"#);
        assert!(check("http_headers: {X-Tenant: {values: [a], secrets: [b], files: [c]}}").is_ok());
    }

    #[test]
    fn file_names_follow_the_config_directory() {
        let mut config =
            check("basic_auth: {username: u, password_file: pw}\nhttp_headers: {X-Key: {files: [key]}}").unwrap();
        config.set_directory(Path::new("/etc/sonde"));
        assert_eq!(config.basic_auth.unwrap().password_file, "/etc/sonde/pw");
        assert_eq!(config.http_headers["X-Key"].files, ["/etc/sonde/key"]);
    }
}
