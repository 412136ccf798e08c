//! HTTP clients built from Prometheus' `http_client` settings (`basic_auth`,
//! `authorization`, `tls_config`, proxies, `http_headers`, redirects), shared
//! by scraping, HTTP service discovery and alerting.
//!
//! Credentials given as files are read on every request, as Prometheus does,
//! so rotated tokens are picked up without a reload.

mod auth;
mod error;
pub(crate) mod tls;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

pub use error::Error;

use crate::config::{HttpClientConfig, ProxyConfig};
use auth::Credentials;

/// A configured client; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    credentials: Credentials,
    headers: Vec<auth::ExtraHeader>,
}

impl HttpClient {
    /// Builds a client; `gzip` turns on transparent decompression of gzip bodies.
    pub fn new(config: &HttpClientConfig, user_agent: &str, gzip: bool) -> Result<Self, Error> {
        if config.oauth2.is_some() {
            return Err(Error::Unsupported("oauth2"));
        }
        let alpn: &[&[u8]] = if config.enable_http2 { &[b"h2", b"http/1.1"] } else { &[b"http/1.1"] };
        let tls = tls::client_config(&config.tls_config, alpn)?;
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .user_agent(user_agent)
            .gzip(gzip)
            .connect_timeout(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(300))
            .redirect(if config.follow_redirects {
                reqwest::redirect::Policy::limited(10)
            } else {
                reqwest::redirect::Policy::none()
            });
        if !config.enable_http2 {
            builder = builder.http1_only();
        }
        builder = proxy(builder, &config.proxy)?;
        let client = builder.build().map_err(|error| Error::Build(error.to_string()))?;
        Ok(HttpClient {
            client,
            credentials: Credentials::from_config(config),
            headers: auth::extra_headers(&config.http_headers),
        })
    }

    /// A client with default settings.
    pub fn plain(user_agent: &str) -> Result<Self, Error> {
        Self::new(&HttpClientConfig { follow_redirects: true, ..HttpClientConfig::default() }, user_agent, true)
    }

    /// A GET request with the configured credentials and headers.
    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, Error> {
        self.request(reqwest::Method::GET, url)
    }

    /// A request with the configured credentials and headers.
    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, Error> {
        let mut headers = HeaderMap::new();
        for header in &self.headers {
            header.add_to(&mut headers)?;
        }
        let request = self.client.request(method, url).headers(headers);
        self.credentials.apply(request)
    }
}

fn proxy(builder: reqwest::ClientBuilder, config: &ProxyConfig) -> Result<reqwest::ClientBuilder, Error> {
    if config.proxy_from_environment {
        // reqwest reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY itself.
        return Ok(builder);
    }
    let builder = builder.no_proxy();
    let Some(url) = &config.proxy_url else { return Ok(builder) };
    let mut proxy = reqwest::Proxy::all(url.as_str()).map_err(|error| Error::Proxy(error.to_string()))?;
    if !config.no_proxy.is_empty() {
        proxy = proxy.no_proxy(reqwest::NoProxy::from_string(&config.no_proxy));
    }
    let mut connect_headers = HeaderMap::new();
    for (name, values) in &config.proxy_connect_header {
        let name = HeaderName::try_from(name.as_str()).map_err(|_| Error::Header(name.clone()))?;
        for value in values {
            let value = HeaderValue::try_from(value.expose()).map_err(|_| Error::Header(name.to_string()))?;
            connect_headers.append(name.clone(), value);
        }
    }
    if !connect_headers.is_empty() {
        proxy = proxy.headers(connect_headers);
    }
    Ok(builder.proxy(proxy))
}
