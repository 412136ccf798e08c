//! `tls_config` blocks, as prometheus/common `config.TLSConfig` defines and checks them.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::Invalid;
use super::secret::Secret;
use super::serde_fields::{is_default, nullable, optional_displayed, optional_parsed};

/// A TLS protocol version bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl FromStr for TlsVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "TLS10" => Ok(TlsVersion::Tls10),
            "TLS11" => Ok(TlsVersion::Tls11),
            "TLS12" => Ok(TlsVersion::Tls12),
            "TLS13" => Ok(TlsVersion::Tls13),
            _ => Err(format!("unknown TLS version {text:?}, must be one of TLS10, TLS11, TLS12, TLS13")),
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            TlsVersion::Tls10 => "TLS10",
            TlsVersion::Tls11 => "TLS11",
            TlsVersion::Tls12 => "TLS12",
            TlsVersion::Tls13 => "TLS13",
        })
    }
}

/// How to verify a server and, optionally, present a client certificate.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM text of the CA certificate; at most one of `ca` and `ca_file`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub ca: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub ca_file: String,
    /// PEM text of the client certificate; at most one of `cert` and `cert_file`.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub cert: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub cert_file: String,
    /// PEM text of the client key; at most one of `key` and `key_file`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub key: Secret,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub key_file: String,
    /// The name to verify the server certificate against (SNI).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub server_name: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub insecure_skip_verify: bool,
    #[serde(
        default,
        deserialize_with = "optional_parsed",
        serialize_with = "optional_displayed",
        skip_serializing_if = "is_default"
    )]
    pub min_version: Option<TlsVersion>,
    #[serde(
        default,
        deserialize_with = "optional_parsed",
        serialize_with = "optional_displayed",
        skip_serializing_if = "is_default"
    )]
    pub max_version: Option<TlsVersion>,
}

impl TlsConfig {
    fn uses_client_cert(&self) -> bool {
        !self.cert.is_empty() || !self.cert_file.is_empty()
    }

    fn uses_client_key(&self) -> bool {
        !self.key.is_empty() || !self.key_file.is_empty()
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        if !self.ca.is_empty() && !self.ca_file.is_empty() {
            return Err(Invalid::new("at most one of ca and ca_file must be configured"));
        }
        if !self.cert.is_empty() && !self.cert_file.is_empty() {
            return Err(Invalid::new("at most one of cert and cert_file must be configured"));
        }
        if !self.key.is_empty() && !self.key_file.is_empty() {
            return Err(Invalid::new("at most one of key and key_file must be configured"));
        }
        if self.uses_client_cert() && !self.uses_client_key() {
            return Err(Invalid::new(
                "exactly one of key or key_file must be configured when a client certificate is configured",
            ));
        }
        if self.uses_client_key() && !self.uses_client_cert() {
            return Err(Invalid::new(
                "exactly one of cert or cert_file must be configured when a client key is configured",
            ));
        }
        match (self.min_version, self.max_version) {
            (Some(min), Some(max)) if max < min => Err(Invalid::field(
                "max_version",
                "tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified",
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn set_directory(&mut self, directory: &Path) {
        for file in [&mut self.ca_file, &mut self.cert_file, &mut self.key_file] {
            super::join_directory(directory, file);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<(), String> {
        serde_saphyr::from_str::<TlsConfig>(yaml).unwrap().validate().map_err(|invalid| invalid.message)
    }

    #[test]
    fn inline_and_file_forms_are_exclusive() {
        assert!(check("ca: x\nca_file: y").unwrap_err().contains("at most one of ca and ca_file"));
        assert!(check("cert: x\ncert_file: y\nkey: k").unwrap_err().contains("cert and cert_file"));
    }

    #[test]
    fn certificate_and_key_come_together() {
        assert!(check("cert_file: c.pem").unwrap_err().contains("exactly one of key or key_file"));
        assert!(check("key_file: k.pem").unwrap_err().contains("exactly one of cert or cert_file"));
        assert_eq!(check("cert_file: c.pem\nkey_file: k.pem"), Ok(()));
    }

    #[test]
    fn versions_parse_and_must_be_ordered() {
        let config: TlsConfig = serde_saphyr::from_str("min_version: TLS12").unwrap();
        assert_eq!(config.min_version, Some(TlsVersion::Tls12));
        assert!(serde_saphyr::from_str::<TlsConfig>("min_version: TLS14").is_err());
        assert!(check("min_version: TLS13\nmax_version: TLS12").is_err());
    }

    #[test]
    fn relative_files_follow_the_config_directory() {
        let mut config: TlsConfig =
            serde_saphyr::from_str("ca_file: ca.pem\ncert_file: /abs/c.pem\nkey_file: k.pem").unwrap();
        config.set_directory(Path::new("/etc/sonde"));
        assert_eq!(config.ca_file, "/etc/sonde/ca.pem");
        assert_eq!(config.cert_file, "/abs/c.pem");
        assert_eq!(config.key_file, "/etc/sonde/k.pem");
    }
}
