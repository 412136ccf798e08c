//! Prometheus writes the HTTP client settings inline in the mapping of scrape
//! configs, Alertmanagers, remote write/read and HTTP-based discovery. Serde cannot
//! combine `flatten` with `deny_unknown_fields` (and `flatten` loses error
//! positions), so [`with_http_client!`] declares such a struct twice: a flat private
//! mapping that serde reads strictly, and the public struct that gathers the HTTP
//! fields into one `http_client: HttpClientConfig` and, for scrape configs and
//! Alertmanagers, the `*_sd_configs` lists into one `discovery: ServiceDiscoveryConfigs`.

/// Declares `$name` with the given fields plus `http_client`, read from a flat
/// mapping `$fields`. Every field carries exactly one `#[serde(…)]` attribute.
/// `enable_http2` sets that field's default, which differs for remote write; a
/// trailing `, discovery` adds the service discovery lists.
macro_rules! with_http_client {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident via $fields:ident (enable_http2 = $http2:literal $(, $discovery:ident)?) {
            $(
                $(#[doc = $field_doc:literal])*
                #[serde($($field_serde:tt)*)]
                pub $field:ident: $type:ty,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $field_doc])*
                pub $field: $type,
            )*
            /// HTTP client settings, written inline in the same YAML mapping.
            pub http_client: $crate::config::HttpClientConfig,
            $(
                /// Where targets come from: the `*_sd_configs` and `static_configs` lists.
                pub $discovery: $crate::config::ServiceDiscoveryConfigs,
            )?
        }

        #[derive(serde::Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields)]
        struct $fields {
            $(
                #[serde($($field_serde)*)]
                $field: $type,
            )*
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            basic_auth: Option<$crate::config::BasicAuth>,
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            authorization: Option<$crate::config::Authorization>,
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            oauth2: Option<$crate::config::OAuth2>,
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            bearer_token: $crate::config::Secret,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            bearer_token_file: String,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            tls_config: $crate::config::TlsConfig,
            #[serde(
                default = "crate::config::serde_fields::yes",
                deserialize_with = "crate::config::serde_fields::nullable"
            )]
            follow_redirects: bool,
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            enable_http2: Option<bool>,
            #[serde(default, skip_serializing_if = "crate::config::serde_fields::is_default")]
            proxy_url: Option<$crate::config::Url>,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            no_proxy: String,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            proxy_from_environment: bool,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            proxy_connect_header: std::collections::BTreeMap<String, Vec<$crate::config::Secret>>,
            #[serde(
                default,
                deserialize_with = "crate::config::serde_fields::nullable",
                skip_serializing_if = "crate::config::serde_fields::is_default"
            )]
            http_headers: std::collections::BTreeMap<String, $crate::config::HttpHeader>,
            $(
                #[doc = stringify!($discovery)]
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                static_configs: Vec<$crate::config::StaticConfig>,
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                file_sd_configs: Vec<$crate::config::FileSdConfig>,
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                dns_sd_configs: Vec<$crate::config::DnsSdConfig>,
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                docker_sd_configs: Vec<$crate::config::DockerSdConfig>,
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                kubernetes_sd_configs: Vec<$crate::config::KubernetesSdConfig>,
                #[serde(
                    default,
                    deserialize_with = "crate::config::serde_fields::nullable",
                    skip_serializing_if = "crate::config::serde_fields::is_default"
                )]
                http_sd_configs: Vec<$crate::config::HttpSdConfig>,
            )?
        }

        impl From<$fields> for $name {
            fn from(fields: $fields) -> Self {
                $name {
                    $( $field: fields.$field, )*
                    http_client: $crate::config::HttpClientConfig {
                        basic_auth: fields.basic_auth,
                        authorization: fields.authorization,
                        oauth2: fields.oauth2,
                        bearer_token: fields.bearer_token,
                        bearer_token_file: fields.bearer_token_file,
                        tls_config: fields.tls_config,
                        follow_redirects: fields.follow_redirects,
                        enable_http2: fields.enable_http2.unwrap_or($http2),
                        proxy: $crate::config::ProxyConfig {
                            proxy_url: fields.proxy_url,
                            no_proxy: fields.no_proxy,
                            proxy_from_environment: fields.proxy_from_environment,
                            proxy_connect_header: fields.proxy_connect_header,
                        },
                        http_headers: fields.http_headers,
                    },
                    $(
                        $discovery: $crate::config::ServiceDiscoveryConfigs {
                            static_configs: fields.static_configs,
                            file_sd_configs: fields.file_sd_configs,
                            dns_sd_configs: fields.dns_sd_configs,
                            docker_sd_configs: fields.docker_sd_configs,
                            kubernetes_sd_configs: fields.kubernetes_sd_configs,
                            http_sd_configs: fields.http_sd_configs,
                        },
                    )?
                }
            }
        }

        impl From<$name> for $fields {
            fn from(value: $name) -> Self {
                let http = value.http_client;
                $fields {
                    $( $field: value.$field, )*
                    basic_auth: http.basic_auth,
                    authorization: http.authorization,
                    oauth2: http.oauth2,
                    bearer_token: http.bearer_token,
                    bearer_token_file: http.bearer_token_file,
                    tls_config: http.tls_config,
                    follow_redirects: http.follow_redirects,
                    enable_http2: Some(http.enable_http2),
                    proxy_url: http.proxy.proxy_url,
                    no_proxy: http.proxy.no_proxy,
                    proxy_from_environment: http.proxy.proxy_from_environment,
                    proxy_connect_header: http.proxy.proxy_connect_header,
                    http_headers: http.http_headers,
                    $(
                        static_configs: value.$discovery.static_configs,
                        file_sd_configs: value.$discovery.file_sd_configs,
                        dns_sd_configs: value.$discovery.dns_sd_configs,
                        docker_sd_configs: value.$discovery.docker_sd_configs,
                        kubernetes_sd_configs: value.$discovery.kubernetes_sd_configs,
                        http_sd_configs: value.$discovery.http_sd_configs,
                    )?
                }
            }
        }

        impl Default for $name {
            /// An empty mapping read with every default; checks and inheritance
            /// from `global` have not been applied.
            fn default() -> Self {
                serde_saphyr::from_str::<$fields>("{}").expect("an empty mapping deserializes").into()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            /// A null list item (`- ` with nothing after it) is an error, as upstream
            /// reports "empty or null" sections.
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                match Option::<$fields>::deserialize(deserializer)? {
                    Some(fields) => Ok(fields.into()),
                    None => Err(<D::Error as serde::de::Error>::custom("empty or null section")),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $fields::from(self.clone()).serialize(serializer)
            }
        }
    };
}

pub(crate) use with_http_client;
