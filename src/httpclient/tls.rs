//! rustls client settings from a `tls_config`: trusted CAs (the system's plus
//! `ca`/`ca_file`), a client certificate, `server_name`, TLS versions and
//! `insecure_skip_verify`.
//!
//! rustls speaks TLS 1.2 and 1.3 only: a `min_version` below 1.2 allows 1.2.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::Error;
use crate::config::{TlsConfig, TlsVersion};

/// The rustls settings of a `tls_config`, offering the ALPN protocols
/// given (none for a protocol without ALPN, such as SMTP).
pub(crate) fn client_config(config: &TlsConfig, alpn: &[&[u8]]) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(config))
        .map_err(|error| Error::Tls(error.to_string()))?;
    let roots = Arc::new(root_store(config)?);
    let verifier: Arc<dyn ServerCertVerifier> = if config.insecure_skip_verify {
        Arc::new(AcceptAny(provider.clone()))
    } else {
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|error| Error::Tls(error.to_string()))?;
        if config.server_name.is_empty() {
            webpki
        } else {
            let name = ServerName::try_from(config.server_name.clone())
                .map_err(|_| Error::Tls(format!("invalid server_name {:?}", config.server_name)))?;
            Arc::new(FixedName { name, inner: webpki })
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    let mut client = match client_identity(config)? {
        Some((chain, key)) => {
            builder.with_client_auth_cert(chain, key).map_err(|error| Error::Tls(error.to_string()))?
        }
        None => builder.with_no_client_auth(),
    };
    client.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok(client)
}

fn versions(config: &TlsConfig) -> Vec<&'static rustls::SupportedProtocolVersion> {
    let allows = |version: TlsVersion| {
        config.min_version.is_none_or(|min| version >= min) && config.max_version.is_none_or(|max| version <= max)
    };
    let mut versions = Vec::new();
    if allows(TlsVersion::Tls13) {
        versions.push(&rustls::version::TLS13);
    }
    // TLS 1.2 is also the floor for a maximum of 1.0 or 1.1, which rustls lacks.
    if allows(TlsVersion::Tls12) || versions.is_empty() {
        versions.push(&rustls::version::TLS12);
    }
    versions
}

fn root_store(config: &TlsConfig) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    let ca = pem_source(&config.ca, &config.ca_file, "ca_file")?;
    match ca {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|error| Error::Tls(format!("cannot parse CA certificate: {error}")))?;
                store.add(cert).map_err(|error| Error::Tls(format!("cannot use CA certificate: {error}")))?;
            }
            if store.is_empty() {
                return Err(Error::Tls("no CA certificate found in ca/ca_file".to_string()));
            }
        }
        None => {
            // A scratch container may have no system certificates: that is
            // only an error when a TLS target is scraped.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
        }
    }
    Ok(store)
}

fn client_identity(
    config: &TlsConfig,
) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, Error> {
    let Some(cert_pem) = pem_source(&config.cert, &config.cert_file, "cert_file")? else { return Ok(None) };
    let Some(key_pem) = pem_source(config.key.expose(), &config.key_file, "key_file")? else { return Ok(None) };
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| Error::Tls(format!("cannot parse client certificate: {error}")))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|error| Error::Tls(format!("cannot parse client key: {error}")))?;
    Ok(Some((chain, key)))
}

fn pem_source(inline: &str, file: &str, what: &'static str) -> Result<Option<Vec<u8>>, Error> {
    if !file.is_empty() {
        return std::fs::read(file).map(Some).map_err(|error| Error::ReadFile {
            what,
            path: file.to_string(),
            reason: error.to_string(),
        });
    }
    Ok((!inline.is_empty()).then(|| inline.as_bytes().to_vec()))
}

/// Verifies certificates against `server_name` instead of the URL's host.
#[derive(Debug)]
struct FixedName {
    name: ServerName<'static>,
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for FixedName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure_skip_verify`: any certificate is accepted, but handshake
/// signatures are still checked so the session keys are the peer's.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, signature, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, signature, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
