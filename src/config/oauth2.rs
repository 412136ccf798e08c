//! OAuth 2.0 client credentials of an HTTP client, as prometheus/common
//! `config.OAuth2` defines and checks them; its proxy fields sit inline in YAML.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{Invalid, Within};
use super::proxy::ProxyConfig;
use super::secret::Secret;
use super::serde_fields::{is_default, nullable};
use super::tls::TlsConfig;
use super::url::Url;

/// OAuth 2.0 client credentials; its proxy fields sit inline in YAML.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OAuth2 {
    #[serde(skip_serializing_if = "is_default")]
    pub client_id: String,
    #[serde(skip_serializing_if = "is_default")]
    pub client_secret: Secret,
    #[serde(skip_serializing_if = "is_default")]
    pub client_secret_file: String,
    #[serde(skip_serializing_if = "is_default")]
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub token_url: String,
    #[serde(skip_serializing_if = "is_default")]
    pub endpoint_params: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
    #[serde(flatten)]
    pub proxy: ProxyConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuth2Fields {
    #[serde(default, deserialize_with = "nullable")]
    client_id: String,
    #[serde(default)]
    client_secret: Secret,
    #[serde(default, deserialize_with = "nullable")]
    client_secret_file: String,
    #[serde(default, deserialize_with = "nullable")]
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    token_url: String,
    #[serde(default, deserialize_with = "nullable")]
    endpoint_params: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    tls_config: TlsConfig,
    #[serde(default)]
    proxy_url: Option<Url>,
    #[serde(default, deserialize_with = "nullable")]
    no_proxy: String,
    #[serde(default, deserialize_with = "nullable")]
    proxy_from_environment: bool,
    #[serde(default, deserialize_with = "nullable")]
    proxy_connect_header: BTreeMap<String, Vec<Secret>>,
}

impl<'de> Deserialize<'de> for OAuth2 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = OAuth2Fields::deserialize(deserializer)?;
        Ok(OAuth2 {
            client_id: fields.client_id,
            client_secret: fields.client_secret,
            client_secret_file: fields.client_secret_file,
            scopes: fields.scopes,
            token_url: fields.token_url,
            endpoint_params: fields.endpoint_params,
            tls_config: fields.tls_config,
            proxy: ProxyConfig {
                proxy_url: fields.proxy_url,
                no_proxy: fields.no_proxy,
                proxy_from_environment: fields.proxy_from_environment,
                proxy_connect_header: fields.proxy_connect_header,
            },
        })
    }
}

impl OAuth2 {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if self.client_id.is_empty() {
            return Err(Invalid::field("client_id", "oauth2 client_id must be configured"));
        }
        if self.token_url.is_empty() {
            return Err(Invalid::field("token_url", "oauth2 token_url must be configured"));
        }
        if !self.client_secret.is_empty() && !self.client_secret_file.is_empty() {
            return Err(Invalid::new("at most one of oauth2 client_secret & client_secret_file must be configured"));
        }
        self.tls_config.validate().within("tls_config")?;
        self.proxy.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<OAuth2, String> {
        let oauth2: OAuth2 = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        oauth2.validate().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))?;
        Ok(oauth2)
    }

    #[test]
    fn reads_its_inline_proxy_settings() {
        let oauth2 = check("{client_id: a, token_url: 'http://t', proxy_url: 'http://p:1', scopes: [read]}").unwrap();
        assert_eq!(oauth2.proxy.proxy_url.unwrap().host(), "p:1");
        assert_eq!(oauth2.scopes, ["read"]);
    }

    #[test]
    fn client_id_and_token_url_are_required() {
        assert_eq!(check("{token_url: 'http://t'}").unwrap_err(), "client_id: oauth2 client_id must be configured");
        assert_eq!(check("{client_id: a}").unwrap_err(), "token_url: oauth2 token_url must be configured");
        let error = check("{client_id: a, token_url: t, no_proxy: localhost}").unwrap_err();
        assert!(error.starts_with("no_proxy: "), "{error}");
    }
}
