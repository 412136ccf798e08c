//! Proxy settings of an HTTP client (`proxy_url`, `no_proxy`,
//! `proxy_from_environment`, `proxy_connect_header`), as prometheus/common
//! `config.ProxyConfig` defines and checks them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::Invalid;
use super::secret::Secret;
use super::serde_fields::is_default;
use super::url::Url;

/// Proxy settings; inline in YAML wherever they appear.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProxyConfig {
    #[serde(skip_serializing_if = "is_default")]
    pub proxy_url: Option<Url>,
    /// Comma-separated hosts, domains and CIDRs that bypass `proxy_url`.
    #[serde(skip_serializing_if = "is_default")]
    pub no_proxy: String,
    /// Use `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` from the environment.
    #[serde(skip_serializing_if = "is_default")]
    pub proxy_from_environment: bool,
    /// Headers sent to the proxy on CONNECT.
    #[serde(skip_serializing_if = "is_default")]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
}

impl ProxyConfig {
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        let has_url = self.proxy_url.is_some();
        if !self.proxy_connect_header.is_empty() && !self.proxy_from_environment && !has_url {
            return Err(Invalid::field(
                "proxy_connect_header",
                "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured",
            ));
        }
        if self.proxy_from_environment && has_url {
            return Err(Invalid::field(
                "proxy_url",
                "if proxy_from_environment is configured, proxy_url must not be configured",
            ));
        }
        if self.proxy_from_environment && !self.no_proxy.is_empty() {
            return Err(Invalid::field(
                "no_proxy",
                "if proxy_from_environment is configured, no_proxy must not be configured",
            ));
        }
        if !has_url && !self.no_proxy.is_empty() {
            return Err(Invalid::field("no_proxy", "if no_proxy is configured, proxy_url must also be configured"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(proxy: ProxyConfig) -> Result<(), String> {
        proxy.validate().map_err(|invalid| format!("{}: {}", invalid.path, invalid.message))
    }

    fn url() -> Option<Url> {
        Some(Url::parse("http://proxy:3128").unwrap())
    }

    #[test]
    fn settings_that_need_each_other() {
        let headers = BTreeMap::from([("Proxy-Authorization".to_string(), vec![Secret::new("x")])]);
        let error = check(ProxyConfig { proxy_connect_header: headers.clone(), ..ProxyConfig::default() }).unwrap_err();
        assert!(error.starts_with("proxy_connect_header: if proxy_connect_header is configured"), "{error}");
        assert!(
            check(ProxyConfig { proxy_connect_header: headers, proxy_url: url(), ..ProxyConfig::default() }).is_ok()
        );
        let error = check(ProxyConfig { no_proxy: "localhost".into(), ..ProxyConfig::default() }).unwrap_err();
        assert_eq!(error, "no_proxy: if no_proxy is configured, proxy_url must also be configured");
    }

    #[test]
    fn environment_excludes_explicit_settings() {
        let error = check(ProxyConfig { proxy_from_environment: true, proxy_url: url(), ..ProxyConfig::default() })
            .unwrap_err();
        assert!(error.contains("proxy_url must not be configured"), "{error}");
        let error = check(ProxyConfig { proxy_from_environment: true, no_proxy: "a".into(), ..ProxyConfig::default() })
            .unwrap_err();
        assert!(error.contains("no_proxy must not be configured"), "{error}");
        assert!(check(ProxyConfig { proxy_from_environment: true, ..ProxyConfig::default() }).is_ok());
    }
}
