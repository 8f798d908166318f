//! rustls server configurations from PEM files.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::UnixTime;
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::server::danger::ClientCertVerifier;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};

/// Why TLS could not be set up.
#[derive(Debug)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

/// The files a TLS server needs (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA whose certificates clients present (devices' client certificates).
    pub ca: PathBuf,
    /// The server's certificate chain.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    /// The CA's revocation list, if any.
    pub crl: Option<PathBuf>,
    /// roadcloud's own client certificate and key, for an external broker over TLS.
    pub client: Option<(PathBuf, PathBuf)>,
}

impl TlsFiles {
    /// The files `roadcloud pki init` writes in `dir`.
    pub fn in_pki_dir(dir: &Path) -> TlsFiles {
        let crl = dir.join(crate::pki::CRL);
        let client = dir.join(crate::pki::CLIENT_CERT);
        TlsFiles {
            ca: dir.join(crate::pki::CA_CERT),
            cert: dir.join(crate::pki::SERVER_CERT),
            key: dir.join(crate::pki::SERVER_KEY),
            crl: crl.exists().then_some(crl),
            client: client
                .exists()
                .then(|| (client, dir.join(crate::pki::CLIENT_KEY))),
        }
    }

    fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|i| i.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                TlsError(format!(
                    "cannot read certificates from {}: {e}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(TlsError(format!("no certificate in {}", path.display())));
        }
        Ok(certs)
    }

    fn key(&self) -> Result<PrivateKeyDer<'static>, TlsError> {
        Self::key_at(&self.key)
    }

    fn key_at(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
        PrivateKeyDer::from_pem_file(path).map_err(|e| {
            TlsError(format!(
                "cannot read the private key {}: {e}",
                path.display()
            ))
        })
    }

    fn roots(&self) -> Result<RootCertStore, TlsError> {
        Self::roots_at(&self.ca)
    }

    fn roots_at(ca: &Path) -> Result<RootCertStore, TlsError> {
        let mut roots = RootCertStore::empty();
        for c in Self::certs(ca)? {
            roots
                .add(c)
                .map_err(|e| TlsError(format!("CA certificate {}: {e}", ca.display())))?;
        }
        Ok(roots)
    }

    /// For roadcloud as a client of an external broker over TLS: trusts the CA, presents
    /// roadcloud's client certificate when there is one.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        client_config(&self.ca, self.client.as_ref())
    }

    fn builder() -> Result<rustls::ConfigBuilder<ServerConfig, rustls::WantsVerifier>, TlsError> {
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("TLS versions: {e}")))
    }

    /// For MQTT: clients may present a certificate from the CA (checked against the
    /// revocation list); clients without one go on to log in with a password at CONNECT.
    /// `serve` builds it again when the revocation list changes ([`TlsFiles::crl_modified`]).
    pub fn mqtt_server_config(&self) -> Result<MqttTls, TlsError> {
        let mut verifier = WebPkiClientVerifier::builder_with_provider(
            Arc::new(self.roots()?),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .allow_unauthenticated();
        if let Some(crl) = &self.crl {
            let crls = CertificateRevocationListDer::pem_file_iter(crl)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    TlsError(format!(
                        "cannot read the revocation list {}: {e}",
                        crl.display()
                    ))
                })?;
            verifier = verifier.with_crls(crls);
        }
        let verifier = verifier
            .build()
            .map_err(|e| TlsError(format!("client certificate verifier: {e}")))?;
        let config = Self::builder()?
            .with_client_cert_verifier(verifier.clone())
            .with_single_cert(Self::certs(&self.cert)?, self.key()?)
            .map_err(|e| TlsError(format!("server certificate {}: {e}", self.cert.display())))?;
        Ok(MqttTls {
            config: Arc::new(config),
            verifier,
        })
    }

    /// When the revocation list was last written (`None` without one, or when it cannot be
    /// read): `serve` builds the MQTT configuration again when this changes.
    pub fn crl_modified(&self) -> Option<std::time::SystemTime> {
        self.crl
            .as_ref()
            .and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
    }

    /// For HTTPS: no client certificates (operators log in with a token or password).
    pub fn https_server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = Self::builder()?
            .with_no_client_auth()
            .with_single_cert(Self::certs(&self.cert)?, self.key()?)
            .map_err(|e| TlsError(format!("server certificate {}: {e}", self.cert.display())))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// For roadcloud as a TLS client of a server whose certificate `ca` issued (PEM), presenting
/// `identity` (certificate chain and key, PEM) to a server that asks for one.
pub fn client_config(
    ca: &Path,
    identity: Option<&(PathBuf, PathBuf)>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("TLS versions: {e}")))?
            .with_root_certificates(TlsFiles::roots_at(ca)?);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(TlsFiles::certs(cert)?, TlsFiles::key_at(key)?)
            .map_err(|e| TlsError(format!("client certificate {}: {e}", cert.display())))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The MQTT listener's TLS: the server configuration, and its client certificate verifier
/// kept beside it, so that a connection opened under an older revocation list can have its
/// certificate checked again under the new one.
#[derive(Clone)]
pub struct MqttTls {
    /// What new connections are accepted with.
    pub config: Arc<ServerConfig>,
    verifier: Arc<dyn ClientCertVerifier>,
}

impl std::fmt::Debug for MqttTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttTls").finish_non_exhaustive()
    }
}

impl MqttTls {
    /// Whether a client's certificate chain (end entity first, as the handshake received
    /// it) is still accepted now: chains to the CA, is within its validity, and is not on
    /// the revocation list this configuration was built with.
    pub fn accepts(&self, chain: &[CertificateDer<'_>]) -> bool {
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return false;
        };
        self.verifier
            .verify_client_cert(end_entity, intermediates, UnixTime::now())
            .is_ok()
    }
}
